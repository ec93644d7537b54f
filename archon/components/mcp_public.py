"""ArchonMcp: Archon's MCP server (streamable HTTP at /mcp), and its LoadBalancer when exposed so."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from archon.components import waiting
from archon.components.app_config import MCP_PORT, ArchonConfig
from archon.components.python_service import python_service_fields
from archon.components.service import ArchonService, ServiceSpec
from archon.k8s.pod import Manifest, Probes, Timing, WritableDir, http_probe, tcp_probe
from archon.settings import McpExposure, Settings
from archon.settings.model import label_terms_to_dict

# The MCP server logs to /tmp/mcp_server.log.
WRITABLE = (WritableDir("tmp", "/tmp", "256Mi"),)

# /health calls archon-server but still answers 200 when it is degraded, so readiness may use it;
# liveness only checks the listener, so an unreachable server never restarts MCP.
PROBES = Probes(
    startup=tcp_probe(MCP_PORT, Timing(initial_delay=5, period=5, timeout=3, failures=24)),
    liveness=tcp_probe(MCP_PORT, Timing(initial_delay=0, period=20, timeout=5, failures=3)),
    readiness=http_probe("/health", MCP_PORT, Timing(initial_delay=0, period=10, timeout=5, failures=3)),
)

PUBLIC_SERVICE = "archon-mcp-public"


class ArchonMcp(ArchonService):
    """archon-mcp on port 8051."""

    component = "mcp"
    writable = WRITABLE
    type_token = "archon:index:ArchonMcp"

    @classmethod
    def build_spec(cls, settings: Settings, config: ArchonConfig) -> ServiceSpec:
        return cls.make_spec(
            settings,
            probes=PROBES,
            client_ip_affinity=settings.mcp.replicas > 1,
            **python_service_fields(settings, config, MCP_PORT),
        )

    def _extra_resources(self, settings: Settings, metadata: Any, opts: pulumi.ResourceOptions) -> Manifest:
        if settings.mcp_exposure is not McpExposure.LOAD_BALANCER:
            return {}
        self.public_service = k8s.core.v1.Service(
            PUBLIC_SERVICE,
            metadata=metadata(
                PUBLIC_SERVICE,
                # Load-balancer specific options: a static address, an internal LB, ...
                {**label_terms_to_dict(settings.mcp_load_balancer_annotations), **waiting.external_address(settings)},
            ),
            spec={
                "type": "LoadBalancer",
                "selector": self.selector,
                "ports": [{"name": "mcp", "port": MCP_PORT, "targetPort": MCP_PORT, "protocol": "TCP"}],
                # Keep the client's address, so that the NetworkPolicy can admit exactly
                # mcpLoadBalancerSourceRanges, and the cloud firewall enforces them too.
                "externalTrafficPolicy": "Local",
                "loadBalancerSourceRanges": list(settings.mcp_source_ranges),
            },
            opts=pulumi.ResourceOptions.merge(opts, waiting.rollout_timeouts(settings)),
        )
        return {"publicService": self.public_service.metadata["name"]}
