"""ArchonIngress: HTTPS entry points for the UI, the API and (when so exposed) MCP.

The nginx frontend image does not proxy: the browser calls `/api/...` and `/health` on the UI's
host, so the Ingress sends those paths to archon-server and everything else to the frontend.
Archon keeps crawl progress (server) and MCP sessions (mcp) in process memory, so when either runs
more than one pod the Ingress pins clients to a pod: a cookie for browsers, a hash of the
`Mcp-Session-Id` header for MCP clients (ingress-nginx annotations; settings refuse more than one
pod without them).
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from archon.components import edge, waiting
from archon.components.edge import Route
from archon.k8s import labels as kl
from archon.k8s.meta import object_meta
from archon.settings import McpExposure, Settings

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
        "backend": {"service": {"name": route.service, "port": {"number": route.port}}},
    }


def source_ranges(cidrs: list[str]) -> dict[str, str]:
    """ingress-nginx admits only these client networks (the settings require ingress-nginx)."""
    return {f"{NGINX}/whitelist-source-range": ",".join(cidrs)} if cidrs else {}


class ArchonIngress(pulumi.ComponentResource):
    """The UI's Ingress and, with mcpExposure ingress, MCP's, routed by `edge`'s table."""

    def __init__(
        self,
        resource_name: str,
        settings: Settings,
        namespace: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("archon:index:ArchonIngress", resource_name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.ingresses: list[k8s.networking.v1.Ingress] = []

        def ingress(name: str, host: str, routes: tuple[Route, ...], annotations: dict[str, str], open_: bool) -> None:
            spec: dict = {
                "ingressClassName": settings.ingress_class_name,
                "rules": [{"host": host, "http": {"paths": [_path(route) for route in routes]}}],
            }
            annotations = {**annotations, **waiting.external_address(settings), **edge.acknowledged(open_, settings)}
            if settings.tls:
                annotations["cert-manager.io/cluster-issuer"] = settings.tls_issuer
                spec["tls"] = [{"hosts": [host], "secretName": f"{name}-tls"}]
                if settings.nginx_ingress:
                    annotations[f"{NGINX}/ssl-redirect"] = "true"
            self.ingresses.append(
                k8s.networking.v1.Ingress(
                    name,
                    metadata=object_meta(name, namespace, kl.labels(name, settings.namespace, "ingress"), annotations),
                    spec=spec,
                    opts=pulumi.ResourceOptions.merge(child, waiting.rollout_timeouts(settings)),
                )
            )

        annotations: dict[str, str] = {}
        if settings.nginx_ingress:
            annotations[f"{NGINX}/proxy-body-size"] = settings.upload_max_body_size
            annotations.update(source_ranges(settings.ui_source_ranges))
            if settings.server.multi_replica:
                annotations.update(COOKIE_AFFINITY)
                if not settings.tls:
                    annotations[f"{NGINX}/session-cookie-secure"] = "false"
        ingress("archon", settings.ui_host, edge.ui_routes(settings), annotations, edge.ui_open(settings))

        if settings.mcp_exposure is McpExposure.INGRESS:
            annotations = (
                {**MCP_STREAMING, **source_ranges(settings.mcp_source_ranges)} if settings.nginx_ingress else {}
            )
            if settings.mcp.replicas > 1:
                annotations.update(MCP_SESSION_AFFINITY)
            ingress("archon-mcp", settings.mcp_host, edge.mcp_routes(settings), annotations, edge.mcp_open(settings))

        self.register_outputs({"ingresses": [i.metadata["name"] for i in self.ingresses]})
