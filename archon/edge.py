"""The edge's routing table: which paths of which host reach which Service.

One table for both ways of publishing Archon (Ingress objects or Gateway API HTTPRoutes) and for
the access gates, which proxy to the same paths once a client has shown who it is. The nginx
frontend image does not proxy, so the browser's `/api/...` and `/health` calls on the UI's host
must be routed to archon-server by the edge itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from archon.components.app_config import MCP_PORT, SERVER_PORT, UI_PORT
from archon.settings import Settings
from archon.settings.model import McpAuth, UiAccess

AUTH_PORT = 4180  # oauth2-proxy's HTTP port
UI_GATE = "archon-auth"
MCP_GATE = "archon-mcp-auth"


@dataclass(frozen=True)
class Route:
    path: str
    exact: bool  # the path alone, or everything under it
    service: str
    port: int


# What the UI's host serves when nothing stands in front of Archon.
APP_ROUTES = (
    Route("/api", False, "archon-server", SERVER_PORT),
    Route("/health", True, "archon-server", SERVER_PORT),
    Route("/", False, "archon-frontend", UI_PORT),
)
MCP_ROUTE = Route("/mcp", False, "archon-mcp", MCP_PORT)


def ui_routes(settings: Settings) -> tuple[Route, ...]:
    """Behind a gate, every path of the UI's host goes to it; it proxies to APP_ROUTES."""
    return (Route("/", False, UI_GATE, AUTH_PORT),) if settings.ui_gate else APP_ROUTES


def mcp_routes(settings: Settings) -> tuple[Route, ...]:
    """MCP's host serves `/mcp` alone, through its gate when a credential is required."""
    return (Route(MCP_ROUTE.path, False, MCP_GATE, AUTH_PORT),) if settings.mcp_gate else (MCP_ROUTE,)


# On a route that publishes Archon without access control, when the stack says it knows
# (allowUnauthenticatedAccess): what the policy pack looks for before it lets one pass.
ACKNOWLEDGED_OPEN = {"access.archon/unauthenticated": "acknowledged"}


def ui_open(settings: Settings) -> bool:
    return settings.ui_access is UiAccess.NONE


def mcp_open(settings: Settings) -> bool:
    return settings.mcp_auth is McpAuth.NONE and not settings.mcp_source_ranges


def acknowledged(open_: bool, settings: Settings) -> dict[str, str]:
    return dict(ACKNOWLEDGED_OPEN) if open_ and settings.allow_unauthenticated_access else {}
