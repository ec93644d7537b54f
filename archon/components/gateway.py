"""ArchonGatewayRoutes: Gateway API HTTPRoutes for the UI, the API and (when so exposed) MCP.

The routes attach to a Gateway the platform team runs (`gateway`, optionally one listener of it:
`gatewaySection`); TLS terminates there. Paths and backends come from the same table as the
Ingress's (`edge`). Archon keeps crawl progress and MCP sessions in process memory: with more than
one pod, the routes ask for `sessionPersistence` (a cookie for the UI, the `Mcp-Session-Id`
header for MCP), which only the experimental channel's CRDs define; the settings refuse more than
one pod behind a Gateway without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from archon.edge import ACKNOWLEDGED_OPEN, EdgeHost, Stickiness
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
from archon.settings.types import GatewayRef

AFFINITY = {
    Stickiness.COOKIE: SessionPersistence(session_name="archon-server-affinity", type=SessionPersistenceType.COOKIE),
    Stickiness.MCP_SESSION: SessionPersistence(session_name="Mcp-Session-Id", type=SessionPersistenceType.HEADER),
}
# A tool call may run long before its answer starts, and answers stream.
STREAMING_TIMEOUTS = RouteTimeouts(request="1h")


def rules(host: EdgeHost) -> list[RouteRule]:
    """One rule per route; affinity on the rules that reach a service that keeps state in memory."""
    affinity = AFFINITY[host.sticky] if host.sticky else None
    return [
        RouteRule(
            matches=[
                RouteMatch(
                    path=PathMatch(type=PathMatchType.EXACT if r.exact else PathMatchType.PATH_PREFIX, value=r.path)
                )
            ],
            backend_refs=[BackendRef(name=r.backend, port=r.port)],
            session_persistence=affinity if r.stateful else None,
            timeouts=STREAMING_TIMEOUTS if host.streaming else None,
        )
        for r in host.routes
    ]


@dataclass(frozen=True)
class ArchonGatewayRoutesArgs:
    namespace: pulumi.Input[str]
    instance: str
    gateway: GatewayRef
    section: str  # one listener of the Gateway; empty: every listener that allows the routes
    hosts: Sequence[EdgeHost]


class ArchonGatewayRoutes(pulumi.ComponentResource):
    def __init__(
        self, resource_name: str, args: ArchonGatewayRoutesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("archon:index:ArchonGatewayRoutes", resource_name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        parent = ParentReference(
            name=args.gateway.name, namespace=args.gateway.namespace, section_name=args.section or None
        )
        self.routes: list[k8s.apiextensions.CustomResource] = []
        for host in args.hosts:
            spec = HTTPRouteSpec(parent_refs=[parent], hostnames=[host.host], rules=rules(host))
            self.routes.append(
                k8s.apiextensions.CustomResource(
                    host.name,
                    api_version=API_VERSION,
                    kind="HTTPRoute",
                    metadata=object_meta(
                        host.name,
                        args.namespace,
                        kl.labels(host.name, args.instance, "route"),
                        ACKNOWLEDGED_OPEN if host.acknowledged_open else None,
                    ),
                    spec=spec.manifest(),
                    opts=child,
                )
            )
        self.register_outputs({"routes": [r.metadata["name"] for r in self.routes]})
