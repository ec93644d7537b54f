"""ArchonGatewayRoutes: Gateway API HTTPRoutes for the UI, the API and (when so exposed) MCP.

The routes attach to a Gateway the platform team runs (`gateway`, optionally one listener of it:
`gatewaySection`); TLS terminates there. Paths and backends come from the same table as the
Ingress's (`edge`). Archon keeps crawl progress and MCP sessions in process memory: with more than
one pod, the routes ask for `sessionPersistence` (a cookie for the UI, the `Mcp-Session-Id`
header for MCP), which only the experimental channel's CRDs define; the settings refuse more than
one pod behind a Gateway without it.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from archon.components import edge
from archon.components.edge import Route
from archon.k8s import labels as kl
from archon.k8s.gateway import (
    API_VERSION,
    BackendRef,
    HTTPRouteSpec,
    ParentReference,
    PathMatch,
    PathMatchType,
    RouteMatch,
    RouteRule,
    RouteTimeouts,
    SessionPersistence,
    SessionPersistenceType,
)
from archon.k8s.meta import object_meta
from archon.settings import McpExposure, Settings

UI_AFFINITY = SessionPersistence(session_name="archon-server-affinity", type=SessionPersistenceType.COOKIE)
MCP_AFFINITY = SessionPersistence(session_name="Mcp-Session-Id", type=SessionPersistenceType.HEADER)
# A tool call may run long before its answer starts, and answers stream.
MCP_TIMEOUTS = RouteTimeouts(request="1h")


def rules(
    routes: tuple[Route, ...],
    sticky: set[str],
    affinity: SessionPersistence | None,
    timeouts: RouteTimeouts | None = None,
) -> list[RouteRule]:
    """One rule per route; `affinity` on the rules that reach a service in `sticky`."""
    return [
        RouteRule(
            matches=[
                RouteMatch(
                    path=PathMatch(type=PathMatchType.EXACT if r.exact else PathMatchType.PATH_PREFIX, value=r.path)
                )
            ],
            backend_refs=[BackendRef(name=r.service, port=r.port)],
            session_persistence=affinity if r.service in sticky else None,
            timeouts=timeouts,
        )
        for r in routes
    ]


class ArchonGatewayRoutes(pulumi.ComponentResource):
    def __init__(
        self,
        resource_name: str,
        settings: Settings,
        namespace: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("archon:index:ArchonGatewayRoutes", resource_name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        gateway_namespace, gateway_name = settings.gateway.split("/")
        parent = ParentReference(
            name=gateway_name, namespace=gateway_namespace, section_name=settings.gateway_section or None
        )
        self.routes: list[k8s.apiextensions.CustomResource] = []

        def route(name: str, host: str, route_rules: list[RouteRule], open_: bool) -> None:
            spec = HTTPRouteSpec(parent_refs=[parent], hostnames=[host], rules=route_rules)
            self.routes.append(
                k8s.apiextensions.CustomResource(
                    name,
                    api_version=API_VERSION,
                    kind="HTTPRoute",
                    metadata=object_meta(
                        name,
                        namespace,
                        kl.labels(name, settings.namespace, "route"),
                        edge.acknowledged(open_, settings),
                    ),
                    spec=spec.manifest(),
                    opts=child,
                )
            )

        ui_affinity = UI_AFFINITY if settings.server.multi_replica and settings.session_persistence else None
        route(
            "archon",
            settings.ui_host,
            rules(edge.ui_routes(settings), {"archon-server", edge.UI_GATE}, ui_affinity),
            edge.ui_open(settings),
        )
        if settings.mcp_exposure is McpExposure.INGRESS:
            mcp_affinity = MCP_AFFINITY if settings.mcp.replicas > 1 and settings.session_persistence else None
            route(
                "archon-mcp",
                settings.mcp_host,
                rules(edge.mcp_routes(settings), {"archon-mcp", edge.MCP_GATE}, mcp_affinity, MCP_TIMEOUTS),
                edge.mcp_open(settings),
            )
        self.register_outputs({"routes": [r.metadata["name"] for r in self.routes]})
