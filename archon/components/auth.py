"""Access gates: oauth2-proxy in front of the UI and API, and in front of MCP.

Archon v1 has no login, and its API returns the provider keys it stores to whoever asks
(`POST /api/credentials/status-check`). A gate is one more secure-by-default Archon service
(restricted pod, no token, its own NetworkPolicy) through which the edge sends every request of
its host; it proxies to the same paths the edge would (`edge.APP_ROUTES`, `edge.MCP_ROUTE`) once
the client has shown who it is:

- `archon-auth` (uiAccess oidc or basicAuth): a browser signs in with the identity provider, or
  with a user and password from uiHtpasswd; API calls without a session get 401.
- `archon-mcp-auth` (mcpAuth credential): an MCP client sends `Authorization: Basic ...` with
  every request, checked against mcpHtpasswd; anything else gets 401, never a login page.

Behind a gate, the edge's affinity keeps a client on one gate pod, and the ClientIP affinity of
the archon-server and archon-mcp Services keeps each gate pod on one Archon pod.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import ClassVar

import pulumi
import pulumi_kubernetes as k8s

from archon.components import edge
from archon.components.app_config import ArchonConfig
from archon.components.edge import AUTH_PORT, Route
from archon.components.service import ArchonService, ServiceSpec
from archon.k8s import labels as kl
from archon.k8s.meta import object_meta
from archon.k8s.pod import Manifest, MountedFiles, Probes, Timing, http_probe, secret_env
from archon.settings import Settings
from archon.settings.model import UiAccess

OAUTH2_PROXY_UID = 65532  # `nonroot` in oauth2-proxy's distroless image
HTPASSWD_DIR = "/etc/oauth2-proxy/htpasswd"
TEMPLATES_DIR = "/etc/oauth2-proxy/templates"

# Keys of the gates' Secret (or of existingSecret): what each gate reads, and nothing else.
UI_COOKIE_SECRET = "AUTH_COOKIE_SECRET"
MCP_COOKIE_SECRET = "MCP_AUTH_COOKIE_SECRET"
OIDC_CLIENT_SECRET = "OIDC_CLIENT_SECRET"
UI_HTPASSWD = "UI_HTPASSWD"
MCP_HTPASSWD = "MCP_HTPASSWD"

# oauth2-proxy wants an OAuth client even when only its htpasswd sign-in is used. This one is
# never contacted: basicAuth's sign-in page offers only the htpasswd form, and the MCP gate has
# no sign-in page at all. It is not a secret.
HTPASSWD_ONLY = (
    "--provider=github",
    "--client-id=htpasswd-only",
    "--client-secret=htpasswd-only",
    # The client's Authorization header (its password) stops at the gate: oauth2-proxy strips a
    # header it would set, and an htpasswd session has no token to set in its place.
    "--pass-authorization-header=true",
)

PROBES = Probes(
    liveness=http_probe("/ping", AUTH_PORT, Timing(initial_delay=0, period=20, timeout=3, failures=3)),
    readiness=http_probe("/ready", AUTH_PORT, Timing(initial_delay=0, period=10, timeout=3, failures=3)),
)

# basicAuth's sign-in page: the htpasswd form alone (oauth2-proxy's own page would also offer the
# placeholder OAuth provider). oauth2-proxy fills in the fields used here.
SIGN_IN_PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in to Archon</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 22rem; margin: 4rem auto">
  <h1>Archon</h1>
  <form method="POST" action="{{.ProxyPrefix}}/sign_in">
    <input type="hidden" name="rd" value="{{.Redirect}}">
    <p><label>User<br><input type="text" name="username" autocomplete="username" required></label></p>
    <p><label>Password<br><input type="password" name="password" autocomplete="current-password" required></label></p>
    <p><button type="submit">Sign in</button></p>
  </form>
  {{ if eq .StatusCode 400 401 }}<p role="alert">Wrong user or password.</p>{{ end }}
</body>
</html>
"""


def upstreams(route: Route) -> list[str]:
    """oauth2-proxy's upstreams for an edge route. oauth2-proxy matches a path exactly, or
    everything under it when it ends in `/`, and forwards the request's own path."""
    base = f"--upstream=http://{route.service}:{route.port}"
    if route.exact or route.path.endswith("/"):
        return [f"{base}{route.path}"]
    return [f"{base}{route.path}", f"{base}{route.path}/"]


def common_args(cookie_name: str, settings: Settings) -> list[str]:
    return [
        f"--http-address=0.0.0.0:{AUTH_PORT}",
        "--reverse-proxy=true",  # behind the edge: trust its X-Forwarded-* headers
        f"--cookie-name={cookie_name}",
        f"--cookie-secure={str(settings.tls).lower()}",
        "--cookie-samesite=lax",
        "--silence-ping-logging=true",
    ]


def ui_gate_args(settings: Settings) -> list[str]:
    """The UI gate's command line; its secrets come from the environment and mounted files."""
    args = common_args("_archon_auth", settings)
    if settings.ui_access is UiAccess.OIDC:
        args += [
            "--provider=oidc",
            f"--oidc-issuer-url={settings.oidc_issuer_url}",
            f"--client-id={settings.oidc_client_id}",
            f"--redirect-url={settings.ui_url}/oauth2/callback",
            "--code-challenge-method=S256",
            "--skip-provider-button=true",  # straight to the identity provider
        ]
        args += [f"--email-domain={domain}" for domain in settings.oidc_email_domains or ["*"]]
        args += [f"--allowed-group={group}" for group in settings.oidc_groups]
    else:
        args += [
            *HTPASSWD_ONLY,
            f"--htpasswd-file={HTPASSWD_DIR}/htpasswd",
            "--display-htpasswd-form=true",
            f"--custom-templates-dir={TEMPLATES_DIR}",
            "--email-domain=*",
        ]
    args += [
        # The UI's own calls get 401 when the session is gone, instead of a redirect they cannot follow.
        "--api-route=^/api/",
        "--upstream-timeout=5m",  # document uploads are processed before the answer comes
    ]
    return args + [u for route in edge.APP_ROUTES for u in upstreams(route)]


def mcp_gate_args(settings: Settings) -> list[str]:
    return [
        *common_args("_archon_mcp_auth", settings),
        *HTPASSWD_ONLY,
        f"--htpasswd-file={HTPASSWD_DIR}/htpasswd",
        "--email-domain=*",
        "--api-route=^/",  # every request: 401 without the credential, never a sign-in page
        "--upstream-timeout=1h",  # a tool call may run long before its answer starts
        *upstreams(edge.MCP_ROUTE),
    ]


def cookie_secret(key: str, gate: str) -> str:
    """Each gate's own 32-byte cookie key, derived from authCookieSecret: a session minted by one
    gate is not a session at the other."""
    return base64.urlsafe_b64encode(hmac.new(key.encode(), gate.encode(), hashlib.sha256).digest()).decode()


class AccessSecrets(pulumi.ComponentResource):
    """The gates' Secret (auto-named, replaced when a value changes, which rolls the gates); with
    existingSecret, that Secret holds the same keys."""

    def __init__(
        self,
        resource_name: str,
        settings: Settings,
        namespace: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("archon:index:AccessSecrets", resource_name, None, opts)
        secrets = settings.secrets
        self.secret = None
        self.name: pulumi.Input[str] = secrets.existing_secret
        if not secrets.existing_secret:
            key = secrets.auth_cookie_secret.get_secret_value() if secrets.auth_cookie_secret else ""
            # What the gates in use read, and nothing more.
            values = {
                UI_COOKIE_SECRET: cookie_secret(key, edge.UI_GATE) if settings.ui_gate else None,
                MCP_COOKIE_SECRET: cookie_secret(key, edge.MCP_GATE) if settings.mcp_gate else None,
                OIDC_CLIENT_SECRET: secrets.oidc_client_secret if settings.ui_access is UiAccess.OIDC else None,
                UI_HTPASSWD: secrets.ui_htpasswd if settings.ui_access is UiAccess.BASIC_AUTH else None,
                MCP_HTPASSWD: secrets.mcp_htpasswd if settings.mcp_gate else None,
            }
            data = {
                k: pulumi.Output.secret(v if isinstance(v, str) else v.get_secret_value())
                for k, v in values.items()
                if v is not None
            }
            self.secret = k8s.core.v1.Secret(
                "archon-auth-secrets",
                metadata=object_meta(None, namespace, kl.labels("archon-auth-secrets", settings.namespace, "auth")),
                type="Opaque",
                string_data=data,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.name = self.secret.metadata["name"]
        self.register_outputs({"secret": self.name})


class AccessGate(ArchonService):
    """oauth2-proxy as an Archon service: the image and size of `settings.auth`."""

    settings_field: ClassVar[str | None] = "auth"

    def __init__(
        self,
        resource_name: str,
        settings: Settings,
        config: ArchonConfig,
        namespace: pulumi.Input[str],
        access: AccessSecrets,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        self._access = access
        self._namespace = namespace
        super().__init__(resource_name, settings, config, namespace, opts)

    @classmethod
    def gate_spec(
        cls, settings: Settings, args: list[str], env: list[Manifest], mounted: list[MountedFiles]
    ) -> ServiceSpec:
        return cls.make_spec(
            settings,
            port=AUTH_PORT,
            uid=OAUTH2_PROXY_UID,
            probes=PROBES,
            args=args,
            env=env,
            mounted=mounted,
            # Each gate pod keeps to one Archon pod (see the module's docstring).
            client_ip_affinity=cls.service_settings(settings).replicas > 1,
        )


def htpasswd_file(secret: pulumi.Input[str], key: str) -> MountedFiles:
    return MountedFiles("htpasswd", HTPASSWD_DIR, "secret", secret, {key: "htpasswd"})


class ArchonAuth(AccessGate):
    """archon-auth on port 4180: the UI's and API's gate."""

    component = "auth"
    type_token = "archon:index:ArchonAuth"

    def build_spec(self, settings: Settings, config: ArchonConfig) -> ServiceSpec:  # type: ignore[override]
        secret = self._access.name
        env = [secret_env(UI_COOKIE_SECRET, secret, rename="OAUTH2_PROXY_COOKIE_SECRET")]
        mounted: list[MountedFiles] = []
        if settings.ui_access is UiAccess.OIDC:
            env.append(secret_env(OIDC_CLIENT_SECRET, secret, rename="OAUTH2_PROXY_CLIENT_SECRET"))
        else:
            templates = k8s.core.v1.ConfigMap(
                "archon-auth-templates",
                metadata=object_meta(
                    None, self._namespace, kl.labels("archon-auth-templates", settings.namespace, "auth")
                ),
                data={"sign_in.html": SIGN_IN_PAGE},
                opts=pulumi.ResourceOptions(parent=self),
            )
            mounted += [
                htpasswd_file(secret, UI_HTPASSWD),
                MountedFiles(
                    "templates",
                    TEMPLATES_DIR,
                    "configMap",
                    templates.metadata["name"],
                    {"sign_in.html": "sign_in.html"},
                ),
            ]
        return self.gate_spec(settings, ui_gate_args(settings), env, mounted)


class ArchonMcpAuth(AccessGate):
    """archon-mcp-auth on port 4180: MCP's gate, which checks the client's credential."""

    component = "mcp-auth"
    type_token = "archon:index:ArchonMcpAuth"

    def build_spec(self, settings: Settings, config: ArchonConfig) -> ServiceSpec:  # type: ignore[override]
        secret = self._access.name
        env = [secret_env(MCP_COOKIE_SECRET, secret, rename="OAUTH2_PROXY_COOKIE_SECRET")]
        return self.gate_spec(settings, mcp_gate_args(settings), env, [htpasswd_file(secret, MCP_HTPASSWD)])
