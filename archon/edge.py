"""The edge's routing table: which paths of which host reach which service.

One table for both ways of publishing Archon (Ingress objects or Gateway API HTTPRoutes), for the
access gates, which proxy to the same paths once a client has shown who it is, and for the
NetworkPolicies, which open exactly these routes. The nginx frontend image does not proxy, so the
browser's `/api/...` and `/health` calls on the UI's host must be routed to archon-server by the
edge itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from archon.services import BY_KEY
from archon.services.gates import upstream_args
from archon.settings.model import McpAuth, McpExposure, Settings, UiAccess

UI_GATE = "auth"
MCP_GATE = "mcp-auth"


@dataclass(frozen=True)
class Route:
    path: str
    exact: bool  # the path alone, or everything under it
    service: str  # the key of the service in archon/services

    @property
    def backend(self) -> str:
        """The Service's name (its in-cluster hostname)."""
        return BY_KEY[self.service].name

    @property
    def port(self) -> int:
        return BY_KEY[self.service].port

    @property
    def url(self) -> str:
        return f"http://{self.backend}:{self.port}"

    @property
    def stateful(self) -> bool:
        """It reaches a service that keeps client state in memory (directly, or through a gate)."""
        guarded = GUARDED.get(self.service, ())
        return BY_KEY[self.service].stateful or any(route.stateful for route in guarded)


# What the UI's host serves when nothing stands in front of Archon.
APP_ROUTES = (
    Route("/api", False, "server"),
    Route("/health", True, "server"),
    Route("/", False, "frontend"),
)
MCP_ROUTE = Route("/mcp", False, "mcp")
# What each gate proxies to, once a client has shown who it is.
GUARDED = {UI_GATE: APP_ROUTES, MCP_GATE: (MCP_ROUTE,)}


def ui_routes(settings: Settings) -> tuple[Route, ...]:
    """Behind a gate, every path of the UI's host goes to it; it proxies to APP_ROUTES."""
    return (Route("/", False, UI_GATE),) if settings.ui_gate else APP_ROUTES


def mcp_routes(settings: Settings) -> tuple[Route, ...]:
    """MCP's host serves `/mcp` alone, through its gate when a credential is required."""
    return (Route(MCP_ROUTE.path, False, MCP_GATE),) if settings.mcp_gate else (MCP_ROUTE,)


def gate_upstreams() -> dict[str, list[str]]:
    """Each gate's oauth2-proxy --upstream flags: the routes it guards."""
    return {
        gate: [arg for route in routes for arg in upstream_args(route.path, route.exact, route.url)]
        for gate, routes in GUARDED.items()
    }


# On a route that publishes Archon without access control, when the stack says it knows
# (allowUnauthenticatedAccess): what the policy pack looks for before it lets one pass.
ACKNOWLEDGED_OPEN = {"access.archon/unauthenticated": "acknowledged"}


def ui_open(settings: Settings) -> bool:
    return settings.ui_access is UiAccess.NONE


def mcp_open(settings: Settings) -> bool:
    return settings.mcp_auth is McpAuth.NONE and not settings.mcp_source_ranges


def acknowledged(open_: bool, settings: Settings) -> dict[str, str]:
    return dict(ACKNOWLEDGED_OPEN) if open_ and settings.allow_unauthenticated_access else {}


class Stickiness(Enum):
    """How the edge keeps a client on one pod of a service that holds its state in memory."""

    COOKIE = "cookie"  # browsers: a cookie set on the page load travels with every /api call
    MCP_SESSION = "mcp-session"  # MCP clients: the Mcp-Session-Id header


@dataclass(frozen=True)
class EdgeHost:
    """One published host: its object's name, its routes, and what its traffic needs."""

    name: str  # the Ingress's or HTTPRoute's name
    host: str
    routes: tuple[Route, ...]
    sticky: Stickiness | None  # keep a client on one pod (behind a gate: on one gate pod)
    streaming: bool  # long-lived responses (MCP's streamable HTTP)
    source_ranges: tuple[str, ...]  # client networks, enforced by ingress-nginx
    acknowledged_open: bool  # published without access control, on purpose
    max_body_size: str | None = None  # document uploads


def hosts(settings: Settings) -> tuple[EdgeHost, ...]:
    """What the edge publishes: the UI's host and, with mcpExposure ingress, MCP's."""
    ui = EdgeHost(
        "archon",
        settings.ui_host,
        ui_routes(settings),
        Stickiness.COOKIE if settings.server.multi_replica and settings.session_persistence else None,
        streaming=False,
        source_ranges=tuple(settings.ui_source_ranges),
        acknowledged_open=bool(acknowledged(ui_open(settings), settings)),
        max_body_size=settings.upload_max_body_size,
    )
    if settings.mcp_exposure is not McpExposure.INGRESS:
        return (ui,)
    mcp = EdgeHost(
        "archon-mcp",
        settings.mcp_host,
        mcp_routes(settings),
        Stickiness.MCP_SESSION if settings.mcp.replicas > 1 and settings.session_persistence else None,
        streaming=True,
        source_ranges=tuple(settings.mcp_source_ranges),
        acknowledged_open=bool(acknowledged(mcp_open(settings), settings)),
    )
    return (ui, mcp)
