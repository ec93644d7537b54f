"""What only the access gates have: oauth2-proxy's command line, its secrets and its sign-in page.

Archon v1 has no login, and its API returns the provider keys it stores to whoever asks
(`POST /api/credentials/status-check`). A gate is one more secure-by-default Archon service
through which the edge sends every request of its host; it proxies to the same routes the edge
would (archon/edge.py) once the client has shown who it is:

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

from archon.k8s.pod import MountedFiles, Probes, http_probe, secret_env
from archon.services.rows import Audience, SecretKey
from archon.services.specifics import Refs, Specifics
from archon.settings.model import Settings, UiAccess

PORT = 4180  # oauth2-proxy's HTTP port
HTPASSWD_DIR = "/etc/oauth2-proxy/htpasswd"
TEMPLATES_DIR = "/etc/oauth2-proxy/templates"

PROBES = Probes(liveness=http_probe("/ping", 0, 20, 3, 3), readiness=http_probe("/ready", 0, 10, 3, 3))

# Keys of the gates' Secret: what each gate reads, and nothing else.
UI_COOKIE_SECRET = "AUTH_COOKIE_SECRET"
MCP_COOKIE_SECRET = "MCP_AUTH_COOKIE_SECRET"
OIDC_CLIENT_SECRET = "OIDC_CLIENT_SECRET"
UI_HTPASSWD = "UI_HTPASSWD"
MCP_HTPASSWD = "MCP_HTPASSWD"
# Which of them a gate may read (the ones its access mode uses are referenced; see *_specifics).
# (oauth2-proxy reads them under its own names, or as files: see *_specifics.)
UI_SECRETS = tuple(
    SecretKey(k, Audience.GATES, as_env=False) for k in (UI_COOKIE_SECRET, OIDC_CLIENT_SECRET, UI_HTPASSWD)
)
MCP_SECRETS = tuple(SecretKey(k, Audience.GATES, as_env=False) for k in (MCP_COOKIE_SECRET, MCP_HTPASSWD))

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


def upstream_args(path: str, exact: bool, url: str) -> list[str]:
    """oauth2-proxy's upstreams for an edge route. oauth2-proxy matches a path exactly, or
    everything under it when it ends in `/`, and forwards the request's own path."""
    base = f"--upstream={url}"
    if exact or path.endswith("/"):
        return [f"{base}{path}"]
    return [f"{base}{path}", f"{base}{path}/"]


def cookie_secret(key: str, gate: str) -> str:
    """Each gate's own 32-byte cookie key, derived from authCookieSecret: a session minted by one
    gate is not a session at the other."""
    return base64.urlsafe_b64encode(hmac.new(key.encode(), gate.encode(), hashlib.sha256).digest()).decode()


def _common_args(cookie_name: str, settings: Settings) -> list[str]:
    return [
        f"--http-address=0.0.0.0:{PORT}",
        "--reverse-proxy=true",  # behind the edge: trust its X-Forwarded-* headers
        f"--cookie-name={cookie_name}",
        f"--cookie-secure={str(settings.tls).lower()}",
        "--cookie-samesite=lax",
        "--silence-ping-logging=true",
    ]


def _htpasswd_file(secret: object, key: str) -> MountedFiles:
    return MountedFiles("htpasswd", HTPASSWD_DIR, "secret", secret, {key: "htpasswd"})


def ui_args(settings: Settings, upstreams: list[str]) -> list[str]:
    """The UI gate's command line; its secrets come from the environment and mounted files."""
    args = _common_args("_archon_auth", settings)
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
    return args + upstreams


def mcp_args(settings: Settings, upstreams: list[str]) -> list[str]:
    return [
        *_common_args("_archon_mcp_auth", settings),
        *HTPASSWD_ONLY,
        f"--htpasswd-file={HTPASSWD_DIR}/htpasswd",
        "--email-domain=*",
        "--api-route=^/",  # every request: 401 without the credential, never a sign-in page
        "--upstream-timeout=1h",  # a tool call may run long before its answer starts
        *upstreams,
    ]


def ui_specifics(settings: Settings, refs: Refs) -> Specifics:
    secret = refs.secrets[Audience.GATES]
    env = [secret_env(UI_COOKIE_SECRET, secret, rename="OAUTH2_PROXY_COOKIE_SECRET")]
    mounted: list[MountedFiles] = []
    if settings.ui_access is UiAccess.OIDC:
        env.append(secret_env(OIDC_CLIENT_SECRET, secret, rename="OAUTH2_PROXY_CLIENT_SECRET"))
    else:
        mounted += [
            _htpasswd_file(secret, UI_HTPASSWD),
            MountedFiles(
                "templates", TEMPLATES_DIR, "configMap", refs.sign_in_templates, {"sign_in.html": "sign_in.html"}
            ),
        ]
    return Specifics(env=env, args=ui_args(settings, list(refs.upstreams["auth"])), mounted=mounted)


def mcp_specifics(settings: Settings, refs: Refs) -> Specifics:
    secret = refs.secrets[Audience.GATES]
    return Specifics(
        env=[secret_env(MCP_COOKIE_SECRET, secret, rename="OAUTH2_PROXY_COOKIE_SECRET")],
        args=mcp_args(settings, list(refs.upstreams["mcp-auth"])),
        mounted=[_htpasswd_file(secret, MCP_HTPASSWD)],
    )
