"""The services of Archon on Kubernetes, in one table.

Each row says what one service is: its name and port, the user it runs as, where its image and
size settings live, its probes, the paths it writes, which secrets it reads, whom it calls and who
may call it. Everything that depends on the services is derived from this table: the Deployments
and Services (`ArchonService`), the NetworkPolicies, the namespace quota, the stack's outputs, the
reachability matrix the tests expect, and the object list and traffic diagram of the docs. What is
truly specific to one service (the server's Playwright check, the gates' command lines, the work
orders' environment) is a function next to the table, in this package.
"""

from __future__ import annotations

from collections.abc import Sequence

from archon.k8s.pod import Probes, WritableDir, http_probe, tcp_probe
from archon.services import gates, server, work_orders
from archon.services.rows import APP_SECRETS, Audience, Call, Peer, SecretKey, Service
from archon.settings.model import Settings, UiAccess

__all__ = ["APP_SECRETS", "Audience", "Call", "Peer", "SecretKey", "Service", "SERVICES", "enabled"]

APP_UID = 1001  # `appuser` in Archon's Python images
NGINX_UID = 101
OAUTH2_PROXY_UID = 65532  # `nonroot` in oauth2-proxy's distroless image
WORK_ORDERS_UID = 1000  # `agentuser` in Dockerfile.agent-work-orders

DNS_PORT = 53
HTTPS = 443
DNS = Call(Peer.DNS, (DNS_PORT,), ("UDP", "TCP"))
INTERNET_HTTPS = Call(Peer.INTERNET, (HTTPS,))


# Liveness only checks the listener, so a slow dependency never restarts the pod; readiness asks
# /health, which keeps traffic away until the service is really ready.
PYTHON_PROBES = Probes(
    startup=tcp_probe(5, 5, 3, 24),
    liveness=tcp_probe(0, 20, 5, 3),
    readiness=http_probe("/health", 0, 10, 5, 3),
)


def _agents(settings: Settings) -> bool:
    return settings.agents_enabled


def _work_orders(settings: Settings) -> bool:
    return settings.agent_work_orders_enabled


def _oidc(settings: Settings) -> bool:
    return settings.ui_access is UiAccess.OIDC


def _crawler_ports(settings: Settings) -> Sequence[int]:
    return settings.crawler_egress_ports


SERVICES: tuple[Service, ...] = (
    Service(
        key="server",
        name="archon-server",
        summary="the API (FastAPI); crawls with Playwright/Chromium and processes documents",
        port=8181,
        uid=APP_UID,
        settings="server",
        # /health answers 503 while the database schema needs a migration. A liveness probe on it
        # would restart every pod in a loop, so liveness and startup only check that the process
        # listens; readiness uses /health to keep traffic away until the server is really ready.
        probes=Probes(
            startup=tcp_probe(10, 10, 5, 12),
            liveness=tcp_probe(60, 30, 15, 5),
            readiness=http_probe("/health", 15, 10, 5, 3),
        ),
        writable=server.WRITABLE,
        type_token="archon:index:ArchonServer",
        python=True,
        secrets=APP_SECRETS,
        calls=(
            Call("mcp"),  # the API checks MCP's health
            Call("agents"),
            Call("agent-work-orders"),  # it proxies /api/agent-work-orders/*
            DNS,
            Call(Peer.INTERNET, _crawler_ports),  # Supabase, OpenAI, the sites it crawls
        ),
        stateful=True,  # crawl progress lives in one pod's memory
        specifics=server.specifics,
    ),
    Service(
        key="mcp",
        name="archon-mcp",
        summary="the MCP server, streamable HTTP at /mcp",
        port=8051,
        uid=APP_UID,
        settings="mcp",
        # /health calls archon-server but still answers 200 when it is degraded.
        probes=PYTHON_PROBES,
        writable=(WritableDir("tmp", "/tmp", "256Mi"),),  # /tmp/mcp_server.log
        type_token="archon:index:ArchonMcp",
        python=True,
        secrets=APP_SECRETS,
        calls=(Call("server"), Call("agents"), DNS, INTERNET_HTTPS),  # MCP's tools call the API
        stateful=True,  # MCP sessions live in one pod's memory
    ),
    Service(
        key="agents",
        name="archon-agents",
        summary="the PydanticAI agents (optional, agentsEnabled)",
        port=8052,
        uid=APP_UID,
        settings="agents",
        probes=PYTHON_PROBES,
        writable=(WritableDir("tmp", "/tmp", "256Mi"),),
        type_token="archon:index:ArchonAgents",
        enabled=_agents,
        python=True,
        secrets=APP_SECRETS,
        calls=(Call("server"), Call("mcp"), DNS, INTERNET_HTTPS),  # credentials from the API; MCP's tools
    ),
    Service(
        key="agent-work-orders",
        name="archon-agent-work-orders",
        summary="the coding agent (optional, agentWorkOrdersEnabled): Claude Code CLI and gh on GitHub repositories",
        port=work_orders.PORT,
        uid=WORK_ORDERS_UID,
        settings="agent_work_orders",
        probes=PYTHON_PROBES,
        writable=(),  # its work directory's size is a setting: see work_orders.specifics
        type_token="archon:index:ArchonAgentWorkOrders",
        enabled=_work_orders,
        secrets=work_orders.SECRETS,
        # It runs untrusted code: in the cluster it reaches archon-server and archon-mcp only, and
        # outside only HTTPS (GitHub, Anthropic) and DNS.
        calls=(Call("server"), Call("mcp"), DNS, INTERNET_HTTPS),
        specifics=work_orders.specifics,
    ),
    Service(
        key="frontend",
        name="archon-frontend",
        summary="the UI: the static React build served by nginx",
        port=3737,
        uid=NGINX_UID,
        settings="frontend",
        # Static files only: nothing behind / depends on another service.
        probes=Probes(liveness=http_probe("/", 5, 20, 3, 3), readiness=http_probe("/", 2, 10, 3, 3)),
        # nginx writes its cache, pid file and logs; /tmp for anything an image's config puts there.
        writable=(
            WritableDir("nginx-cache", "/var/cache/nginx", "64Mi"),
            WritableDir("nginx-run", "/var/run", "8Mi"),
            WritableDir("nginx-logs", "/var/log/nginx", "64Mi"),
            WritableDir("tmp", "/tmp", "64Mi"),
        ),
        type_token="archon:index:ArchonFrontend",
        # Calls nobody: the browser calls /api on the UI's host, which the edge routes to the server.
    ),
    Service(
        key="auth",
        name="archon-auth",
        summary="the UI's and API's access gate: oauth2-proxy (uiAccess oidc or basicAuth)",
        port=gates.PORT,
        uid=OAUTH2_PROXY_UID,
        settings="auth",
        probes=gates.PROBES,
        writable=(),
        type_token="archon:index:ArchonAuth",
        enabled=lambda settings: settings.ui_gate,
        secrets=gates.UI_SECRETS,
        # It proxies to the routes it guards (archon/edge.py); with OIDC it also talks to the issuer.
        calls=(DNS, Call(Peer.INTERNET, (HTTPS,), when=_oidc)),
        specifics=gates.ui_specifics,
    ),
    Service(
        key="mcp-auth",
        name="archon-mcp-auth",
        summary="MCP's access gate: oauth2-proxy checking the client's credential (mcpAuth credential)",
        port=gates.PORT,
        uid=OAUTH2_PROXY_UID,
        settings="auth",
        probes=gates.PROBES,
        writable=(),
        type_token="archon:index:ArchonMcpAuth",
        enabled=lambda settings: settings.mcp_gate,
        secrets=gates.MCP_SECRETS,
        calls=(DNS,),  # and MCP's route (archon/edge.py)
        specifics=gates.mcp_specifics,
    ),
)

BY_KEY: dict[str, Service] = {service.key: service for service in SERVICES}


def enabled(settings: Settings) -> tuple[Service, ...]:
    """The services this stack runs."""
    return tuple(service for service in SERVICES if service.enabled(settings))


PORTS: dict[str, int] = {service.key: service.port for service in SERVICES}
# How the other services reach one: its Service's name is its hostname.
URLS: dict[str, str] = {service.key: f"http://{service.name}:{service.port}" for service in SERVICES}
