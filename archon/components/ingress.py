"""ArchonIngress: HTTPS entry points for the UI, the API and (when so exposed) MCP.

The nginx frontend image does not proxy: the browser calls `/api/...` and `/health` on the UI's
host, so the Ingress sends those paths to archon-server and everything else to the frontend.
Archon keeps crawl progress (server) and MCP sessions (mcp) in process memory, so when either runs
more than one pod the Ingress pins clients to a pod: a cookie for browsers, a hash of the
`Mcp-Session-Id` header for MCP clients (ingress-nginx annotations; settings refuse more than one
pod without them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from archon.components import waiting
from archon.edge import ACKNOWLEDGED_OPEN, EdgeHost, Route, Stickiness
from archon.k8s import labels as kl
from archon.k8s.meta import object_meta

NGINX = "nginx.ingress.kubernetes.io"

COOKIE_AFFINITY = {
    f"{NGINX}/affinity": "cookie",
    f"{NGINX}/affinity-mode": "persistent",
    f"{NGINX}/session-cookie-name": "archon-server-affinity",
    # The cookie set on the page load must also travel with /api calls.
    f"{NGINX}/session-cookie-path": "/",
    f"{NGINX}/session-cookie-samesite": "Lax",
    f"{NGINX}/session-cookie-secure": "true",
    f"{NGINX}/session-cookie-max-age": "86400",
}

MCP_STREAMING = {
    # Streamable HTTP keeps responses open (SSE): no buffering, long reads.
    f"{NGINX}/proxy-buffering": "off",
    f"{NGINX}/proxy-read-timeout": "3600",
    f"{NGINX}/proxy-send-timeout": "3600",
}
MCP_SESSION_AFFINITY = {f"{NGINX}/upstream-hash-by": "$http_mcp_session_id"}


def _path(route: Route) -> dict:
    return {
        "path": route.path,
        "pathType": "Exact" if route.exact else "Prefix",
        "backend": {"service": {"name": route.backend, "port": {"number": route.port}}},
    }


def source_ranges(cidrs: Sequence[str]) -> dict[str, str]:
    """ingress-nginx admits only these client networks (the settings require ingress-nginx)."""
    return {f"{NGINX}/whitelist-source-range": ",".join(cidrs)} if cidrs else {}


@dataclass(frozen=True)
class ArchonIngressArgs:
    namespace: pulumi.Input[str]
    instance: str
    class_name: str
    nginx: bool  # ingress-nginx: affinity, streaming, body size and source ranges as its annotations
    tls_issuer: str  # cert-manager ClusterIssuer; empty: plain HTTP
    hosts: Sequence[EdgeHost]
    await_address: bool
    rollout_timeout_seconds: int


def nginx_annotations(host: EdgeHost, tls: bool) -> dict[str, str]:
    annotations: dict[str, str] = {}
    if host.max_body_size:
        annotations[f"{NGINX}/proxy-body-size"] = host.max_body_size
    if host.streaming:
        annotations.update(MCP_STREAMING)
    annotations.update(source_ranges(host.source_ranges))
    if host.sticky is Stickiness.COOKIE:
        annotations.update(COOKIE_AFFINITY)
        if not tls:
            annotations[f"{NGINX}/session-cookie-secure"] = "false"
    elif host.sticky is Stickiness.MCP_SESSION:
        annotations.update(MCP_SESSION_AFFINITY)
    if tls:
        annotations[f"{NGINX}/ssl-redirect"] = "true"
    return annotations


class ArchonIngress(pulumi.ComponentResource):
    """The UI's Ingress and, with mcpExposure ingress, MCP's, routed by the edge's table."""

    def __init__(self, resource_name: str, args: ArchonIngressArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("archon:index:ArchonIngress", resource_name, None, opts)
        opts_child = pulumi.ResourceOptions.merge(
            pulumi.ResourceOptions(parent=self), waiting.rollout_timeouts(args.rollout_timeout_seconds)
        )
        tls = bool(args.tls_issuer)
        self.ingresses: list[k8s.networking.v1.Ingress] = []
        for host in args.hosts:
            spec: dict = {
                "ingressClassName": args.class_name,
                "rules": [{"host": host.host, "http": {"paths": [_path(route) for route in host.routes]}}],
            }
            annotations = {
                **(nginx_annotations(host, tls) if args.nginx else {}),
                **waiting.external_address(args.await_address),
                **(ACKNOWLEDGED_OPEN if host.acknowledged_open else {}),
            }
            if tls:
                annotations["cert-manager.io/cluster-issuer"] = args.tls_issuer
                spec["tls"] = [{"hosts": [host.host], "secretName": f"{host.name}-tls"}]
            metadata = object_meta(
                host.name, args.namespace, kl.labels(host.name, args.instance, "ingress"), annotations
            )
            self.ingresses.append(k8s.networking.v1.Ingress(host.name, metadata=metadata, spec=spec, opts=opts_child))
        self.register_outputs({"ingresses": [i.metadata["name"] for i in self.ingresses]})
