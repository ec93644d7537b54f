"""Rules that relate several settings; each broken rule becomes one `Problem` with its fix.

Field-level checks (types, formats, ranges) are done by the pydantic model first; these run only
on a model that is already well-formed.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

from archon.k8s.quantity import parse_quantity
from archon.rules.images import is_mutable
from archon.services import BY_KEY, enabled
from archon.settings.keys import key_for, set_command
from archon.settings.model import Exposure, McpAuth, McpExposure, ScalableServiceSettings, Settings, UiAccess
from archon.settings.problems import Problem, problem

Rule = Callable[[Settings], Iterator[Problem]]
_RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    _RULES.append(fn)
    return fn


def check(settings: Settings) -> list[Problem]:
    return [problem for fn in _RULES for problem in fn(settings)]


def _problem(path: tuple[str, ...], message: str, value: object = None, fix: str | None = None) -> Problem:
    key = key_for(*path)
    return problem(key.name, message, fix or set_command(key, value))


def _active_services(settings: Settings) -> Iterator[str]:
    """The settings fields of the services this stack runs (the two gates share one)."""
    return iter(dict.fromkeys(service.settings for service in enabled(settings)))


def _scalable(settings: Settings) -> Iterator[tuple[str, ScalableServiceSettings]]:
    for name in _active_services(settings):
        service = getattr(settings, name)
        if isinstance(service, ScalableServiceSettings):
            yield name, service


@rule
def kubernetes_target(settings: Settings) -> Iterator[Problem]:
    if not settings.kube_context and not settings.render_yaml_to_directory:
        yield _problem(
            ("kube_context",),
            "names no Kubernetes context; the program never deploys into whatever context is current",
            "<context name from `kubectl config get-contexts`>",
        )


@rule
def ui_has_a_host(settings: Settings) -> Iterator[Problem]:
    # The UI calls /api on its own host and nginx does not proxy: only the Ingress joins the two.
    if not settings.ui_host:
        yield _problem(("ui_host",), "names no host for the UI and API Ingress", "archon.example.com")


@rule
def production_needs_https(settings: Settings) -> Iterator[Problem]:
    if not settings.production or settings.tls:
        return
    if settings.exposure is Exposure.GATEWAY:
        yield _problem(
            ("gateway_tls",),
            "production serves HTTPS only; attach the routes to a Gateway listener that terminates TLS",
            True,
        )
    else:
        yield _problem(
            ("tls_issuer",),
            "production serves HTTPS only; name the cert-manager ClusterIssuer that signs its certificate",
            "letsencrypt-prod",
        )


@rule
def production_pins_images(settings: Settings) -> Iterator[Problem]:
    if not settings.production or settings.allow_mutable_tags:
        return
    for name in _active_services(settings):
        service = getattr(settings, name)
        if is_mutable(service.tag, service.digest):
            yield _problem(
                (name, "tag"),
                f"{service.tag or '(empty)'!s} is a mutable tag; production runs pinned images "
                f"(a version tag or a digest), or set {key_for('allow_mutable_tags').full_name} true "
                "to accept the risk",
                "v1.2.3",
            )


@rule
def mcp_public_url_matches_exposure(settings: Settings) -> Iterator[Problem]:
    host, port, local = settings.mcp_public_url.host, settings.mcp_public_url.port, settings.mcp_public_url.local
    exposure = settings.mcp_exposure
    if exposure is McpExposure.NONE and not local:
        yield _problem(
            ("mcp_public_url",),
            f"MCP is not exposed (mcpExposure none), so clients reach it through "
            f"`kubectl port-forward` on localhost, not at {host}",
            f"localhost:{port}",
        )
    mcp_port = BY_KEY["mcp"].port  # the LoadBalancer's port is MCP's own
    if exposure is McpExposure.LOAD_BALANCER and (local or port != mcp_port):
        yield _problem(
            ("mcp_public_url",),
            f"the MCP LoadBalancer listens on port {mcp_port} at a public DNS name; "
            f"{settings.mcp_public_url} cannot reach it",
            f"{'archon.example.com' if local else host}:{mcp_port}",
        )
    if exposure is McpExposure.INGRESS:
        expected_port = 443 if settings.tls else 80
        if local or port != expected_port:
            yield _problem(
                ("mcp_public_url",),
                f"MCP behind the ingress is served at its own host on port {expected_port}",
                f"{'mcp.example.com' if local else host}:{expected_port}",
            )
        elif host == settings.ui_host:
            yield _problem(("mcp_public_url",), "MCP needs its own host, not the UI's", f"mcp.{host}:{port}")
    if exposure is McpExposure.LOAD_BALANCER and not settings.mcp_source_ranges:
        yield _problem(
            ("mcp_source_ranges",),
            "Archon's MCP server has no authentication and a LoadBalancer cannot check a credential; "
            "name the networks that may reach it",
            "203.0.113.0/24",
        )


@rule
def autoscaling_bounds(settings: Settings) -> Iterator[Problem]:
    for name, service in _scalable(settings):
        if service.autoscaling and service.min_replicas > service.max_replicas:
            yield _problem(
                (name, "max_replicas"),
                f"is {service.max_replicas}, below {key_for(name, 'min_replicas').full_name} ({service.min_replicas})",
                service.min_replicas,
            )


@rule
def disruption_budget_allows_drains(settings: Settings) -> Iterator[Problem]:
    for name, service in _scalable(settings):
        if service.disruption_budget and service.floor_replicas < 2:
            counted = "min_replicas" if service.autoscaling else "replicas"
            yield _problem(
                (name, "disruption_budget"),
                f"a budget of minAvailable 1 over {service.floor_replicas} pod would block every "
                f"node drain; run at least 2 pods ({key_for(name, counted).full_name} 2) or turn it off",
                False,
            )


@rule
def stateful_services_have_affinity(settings: Settings) -> Iterator[Problem]:
    """Archon keeps crawl progress and MCP sessions in process memory (see README, Limitations)."""
    where = (
        "on an ingress-nginx Ingress (ingressClassName nginx) or with Gateway API's sessionPersistence "
        "(exposure gateway, gatewayApiChannel experimental)"
    )
    if settings.server.multi_replica and not settings.session_persistence:
        yield _problem(
            ("server", "autoscaling" if settings.server.autoscaling else "replicas"),
            "more than one archon-server pod needs cookie affinity for browser traffic (crawl "
            f"progress lives in one pod's memory); the program sets it up {where}, or run one pod",
            False if settings.server.autoscaling else 1,
        )
    if settings.mcp.replicas > 1 and not (
        settings.mcp_exposure is McpExposure.INGRESS and settings.session_persistence
    ):
        yield _problem(
            ("mcp", "replicas"),
            "MCP sessions live in one pod's memory; more than one archon-mcp pod needs affinity on "
            f"the Mcp-Session-Id header, which the program sets up with mcpExposure ingress {where}",
            1,
        )


# ---- exposure and access control --------------------------------------------------------------

ANYWHERE = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))


@rule
def gateway_named(settings: Settings) -> Iterator[Problem]:
    if settings.exposure is Exposure.GATEWAY and not settings.gateway:
        yield _problem(("gateway",), "names no Gateway for the HTTPRoutes to attach to (exposure gateway)", None)
    if settings.exposure is Exposure.GATEWAY and settings.tls_issuer:
        yield _problem(
            ("tls_issuer",),
            "has no effect with exposure gateway: TLS terminates at the Gateway, whose listener holds "
            "the certificate (cert-manager's Gateway support can issue it there); remove it",
            None,
            f"pulumi config rm {key_for('tls_issuer').full_name}",
        )
    if settings.exposure is not Exposure.GATEWAY:
        for field in ("gateway", "gateway_section"):
            if getattr(settings, field):
                yield _problem(
                    (field,),
                    "has no effect with exposure ingress; remove it, or set exposure gateway",
                    None,
                    f"pulumi config rm {key_for(field).full_name}",
                )


@rule
def ui_access_complete(settings: Settings) -> Iterator[Problem]:
    """Each access mode has what it needs, and no setting of another mode is left lying around."""
    access, secrets = settings.ui_access, settings.secrets
    managed = not secrets.managed_elsewhere
    if access is UiAccess.OIDC:
        for field, example in (("oidc_issuer_url", "https://accounts.google.com"), ("oidc_client_id", "<client id>")):
            if not getattr(settings, field):
                yield _problem((field,), "is required with uiAccess oidc", example)
        if not settings.oidc_email_domains and not settings.oidc_groups:
            yield _problem(
                ("oidc_email_domains",),
                "says nobody may sign in; name the e-mail domains (or oidcGroups) whose users may",
                "example.com",
            )
        if managed and secrets.oidc_client_secret is None:
            yield _problem(("secrets", "oidc_client_secret"), "is required with uiAccess oidc", "<client secret>")
    elif settings.oidc_issuer_url or settings.oidc_client_id:
        yield _problem(("ui_access",), "is not oidc, but oidcIssuerUrl or oidcClientId is set", "oidc")
    if access is UiAccess.BASIC_AUTH and managed and secrets.ui_htpasswd is None:
        yield _problem(
            ("secrets", "ui_htpasswd"), "is required with uiAccess basicAuth", '"$(htpasswd -nbB <user> <password>)"'
        )
    if access is UiAccess.SOURCE_RANGES:
        if not settings.ui_source_ranges:
            yield _problem(("ui_source_ranges",), "names no network for uiAccess sourceRanges", "203.0.113.0/24")
        if not settings.nginx_ingress:
            yield _problem(
                ("ui_access",),
                "sourceRanges is enforced by ingress-nginx (exposure ingress, ingressClassName nginx); "
                "a Gateway has no standard way to filter clients: use oidc or basicAuth",
                "oidc",
            )
    elif settings.ui_source_ranges:
        yield _problem(
            ("ui_source_ranges",),
            f"has no effect unless {key_for('ui_access').full_name} is sourceRanges; remove it, or set that",
            None,
            f"pulumi config rm {key_for('ui_source_ranges').full_name}",
        )
    if (settings.ui_gate or settings.mcp_gate) and managed and secrets.auth_cookie_secret is None:
        yield _problem(
            ("secrets", "auth_cookie_secret"),
            "is required by the access gates (oauth2-proxy signs its session cookies with keys derived from it)",
            '"$(openssl rand -base64 32)"',
        )


@rule
def mcp_access_consistent(settings: Settings) -> Iterator[Problem]:
    exposure, secrets = settings.mcp_exposure, settings.secrets
    if settings.mcp_auth is McpAuth.CREDENTIAL:
        if exposure is McpExposure.LOAD_BALANCER:
            yield _problem(
                ("mcp_auth",),
                "a LoadBalancer cannot check a credential (and would carry it unencrypted); publish MCP "
                "with mcpExposure ingress, or restrict the LoadBalancer with mcpSourceRanges",
                "none",
            )
        elif exposure is McpExposure.NONE:
            yield _problem(("mcp_auth",), "has no effect: MCP is not exposed (mcpExposure none)", "none")
        elif not secrets.managed_elsewhere and secrets.mcp_htpasswd is None:
            yield _problem(
                ("secrets", "mcp_htpasswd"),
                "is required with mcpAuth credential",
                '"$(htpasswd -nbB <user> <password>)"',
            )
    if settings.mcp_source_ranges and exposure is McpExposure.NONE:
        yield _problem(
            ("mcp_source_ranges",),
            "has no effect: MCP is not exposed (mcpExposure none)",
            None,
            f"pulumi config rm {key_for('mcp_source_ranges').full_name}",
        )
    if settings.mcp_source_ranges and exposure is McpExposure.INGRESS and not settings.nginx_ingress:
        yield _problem(
            ("mcp_source_ranges",),
            "is enforced at the edge by ingress-nginx only (a Gateway has no standard way to filter "
            "clients); use mcpAuth credential",
            None,
            f"pulumi config rm {key_for('mcp_source_ranges').full_name}",
        )


@rule
def production_refuses_an_open_surface(settings: Settings) -> Iterator[Problem]:
    """Archon has no login and its API returns the provider keys it stores: nothing public
    without access control in production, short of a loud acknowledgement."""
    if not settings.production:
        return
    acknowledged = settings.allow_unauthenticated_access
    ack = (
        f"set {key_for('allow_unauthenticated_access').full_name} true if the host is reachable from a "
        "private network only"
    )
    if settings.ui_access is UiAccess.NONE and not acknowledged:
        yield _problem(
            ("ui_access",),
            f"none publishes the UI and the API, which returns the stored provider keys, to anyone who "
            f"reaches {settings.ui_host}; choose oidc, basicAuth or sourceRanges (or {ack})",
            "oidc",
        )
    if (
        settings.mcp_exposure is McpExposure.INGRESS
        and settings.mcp_auth is McpAuth.NONE
        and not settings.mcp_source_ranges
        and not acknowledged
    ):
        yield _problem(
            ("mcp_auth",),
            f"none publishes MCP to anyone who reaches {settings.mcp_host}; require a credential (or "
            f"restrict mcpSourceRanges, or {ack})",
            "credential",
        )
    if settings.mcp_exposure is McpExposure.LOAD_BALANCER:
        for cidr in settings.mcp_source_ranges:
            if ipaddress.ip_network(cidr) in ANYWHERE:
                yield _problem(
                    ("mcp_source_ranges",),
                    f"{cidr} opens the MCP LoadBalancer to the whole internet, and a LoadBalancer cannot "
                    "check a credential; list your MCP clients' networks, or publish MCP with "
                    "mcpExposure ingress and mcpAuth credential",
                    "203.0.113.0/24",
                )


@rule
def requests_within_limits(settings: Settings) -> Iterator[Problem]:
    for name in _active_services(settings):
        service = getattr(settings, name)
        for resource in ("cpu", "memory", "ephemeral_storage"):
            request = getattr(service, f"{resource}_request")
            limit = getattr(service, f"{resource}_limit")
            if parse_quantity(request) > parse_quantity(limit):
                yield _problem(
                    (name, f"{resource}_request"),
                    f"{request} is more than the limit {limit}",
                    limit,
                )


@rule
def secrets_present_and_plausible(settings: Settings) -> Iterator[Problem]:
    secrets = settings.secrets
    if secrets.managed_elsewhere:
        return
    for field, example in (
        ("supabase_url", "https://<project>.supabase.co"),
        ("supabase_service_key", "<service-role key>"),
    ):
        if getattr(secrets, field) is None:
            yield _problem(
                ("secrets", field),
                "is required (or set existingSecret to the name of a Secret managed elsewhere)",
                example,
            )
    if secrets.supabase_url is not None:
        yield from _check_supabase_url(secrets.supabase_url.get_secret_value())
    if secrets.supabase_service_key is not None:
        yield from _check_service_key(secrets.supabase_service_key.get_secret_value())
    if secrets.openai_api_key is not None and not secrets.openai_api_key.get_secret_value().startswith("sk-"):
        yield _problem(("secrets", "openai_api_key"), "is not an OpenAI API key (they start with sk-)", "sk-...")


def _check_supabase_url(url: str) -> Iterator[Problem]:
    parts = urlsplit(url)
    fix_example = "https://<project>.supabase.co"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        yield _problem(("secrets", "supabase_url"), "is not an http(s) URL", fix_example)
    elif parts.scheme == "http" and not _private_host(parts.hostname):
        yield _problem(
            ("secrets", "supabase_url"),
            "uses plain http to a public host; the service key would cross the internet unencrypted",
            fix_example,
        )


def _private_host(host: str) -> bool:
    if host == "localhost" or host.endswith((".svc", ".svc.cluster.local", ".cluster.local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host  # a bare Service name in the cluster
    return address.is_private or address.is_loopback


def _check_service_key(key: str) -> Iterator[Problem]:
    """Refuse the anon/publishable key, a classic mix-up that makes every write fail."""
    if key.startswith("sb_publishable_"):
        yield _problem(
            ("secrets", "supabase_service_key"),
            "is a publishable key; Archon needs the secret (service-role) key",
            "<sb_secret_... key>",
        )
        return
    parts = key.split(".")
    if len(parts) != 3:
        return  # not a JWT: nothing more to check without calling Supabase
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):
        return
    role = payload.get("role") if isinstance(payload, dict) else None
    if role and role != "service_role":
        yield _problem(
            ("secrets", "supabase_service_key"),
            f"is a JWT for role {role!r}; Archon needs the service_role key",
            "<service-role key>",
        )


# ---- agent work orders, pod options, secrets managed elsewhere --------------------------------


@rule
def work_orders_have_their_credentials(settings: Settings) -> Iterator[Problem]:
    secrets = settings.secrets
    if not settings.agent_work_orders_enabled or secrets.managed_elsewhere:
        return
    if secrets.anthropic_api_key is None and secrets.claude_code_oauth_token is None:
        yield _problem(
            ("secrets", "anthropic_api_key"),
            "is required with agentWorkOrdersEnabled (or claudeCodeOauthToken): the agent runs the Claude Code CLI",
            "<Anthropic API key>",
        )
    if secrets.github_token is None:
        yield _problem(
            ("secrets", "github_token"),
            "is required with agentWorkOrdersEnabled: the agent clones and works on GitHub repositories",
            "<GitHub token>",
        )


# Environment variables that the program sets itself, which an extra `env` may not replace.
RESERVED_ENV = re.compile(
    r"^(ARCHON_.*|SUPABASE_.*|OPENAI_API_KEY|LOGFIRE_TOKEN|SERVICE_DISCOVERY_MODE|.*_SERVICE_URL|HOME|"
    r"AGENT_WORK_ORDER.*|OAUTH2_PROXY_.*|ANTHROPIC_API_KEY|CLAUDE_CODE_OAUTH_TOKEN|GH_TOKEN|PLAYWRIGHT_.*)$"
)
PROGRAM_LABELS = "app.kubernetes.io/"


@rule
def pod_options_leave_the_programs_own_alone(settings: Settings) -> Iterator[Problem]:
    """Extra env and labels add to what the program sets; they never replace it."""
    groups = [("pod_defaults",), *((name, "pod") for name in _active_services(settings))]
    for path in groups:
        options = settings.pod_defaults if path == ("pod_defaults",) else getattr(settings, path[0]).pod
        reserved = sorted(name for name in options.env if RESERVED_ENV.match(name))
        if reserved:
            yield _problem(
                path,
                f"env may not set {', '.join(reserved)}: the program sets these itself",
                None,
                f"pulumi config rm --path '{key_for(*path).full_name}.env.{reserved[0]}'",
            )
        owned = sorted(label for label in options.labels if label.startswith(PROGRAM_LABELS))
        if owned:
            yield _problem(
                path,
                f"labels may not set {', '.join(owned)}: app.kubernetes.io/* labels select the pods and belong "
                "to the program",
                None,
                f"pulumi config rm --path '{key_for(*path).full_name}.labels[\"{owned[0]}\"]'",
            )


@rule
def one_source_of_secrets(settings: Settings) -> Iterator[Problem]:
    secrets = settings.secrets
    external = secrets.external_secret
    if secrets.existing_secret and external.enabled:
        yield _problem(
            ("secrets", "external_secret"),
            "and existingSecret both name where the Secret comes from; keep one",
            None,
            f"pulumi config rm {key_for('secrets', 'external_secret').full_name}",
        )
    if external.enabled:
        missing = [k for k in ("SUPABASE_URL", "SUPABASE_SERVICE_KEY") if k not in external.remote_keys]
        if missing:
            yield _problem(
                ("secrets", "external_secret"),
                f"remoteKeys must name the store's key for {', '.join(missing)}",
                None,
                f"pulumi config set --path '{key_for('secrets', 'external_secret').full_name}.remoteKeys.{missing[0]}' "
                "<key in the store>",
            )
    elif external.remote_keys:
        yield _problem(
            ("secrets", "external_secret"),
            "has remoteKeys but names no store; set store (a SecretStore in the namespace)",
            None,
            f"pulumi config set --path '{key_for('secrets', 'external_secret').full_name}.store' <SecretStore name>",
        )
