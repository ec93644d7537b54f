"""McpLoadBalancer: MCP on a LoadBalancer Service of its own, with mcpExposure loadBalancer.

A LoadBalancer cannot check a credential, so it admits only the client networks named in
mcpSourceRanges: the cloud's firewall enforces `loadBalancerSourceRanges`, and the NetworkPolicy
checks the same ranges on the client addresses that `externalTrafficPolicy: Local` keeps.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from archon.components import waiting
from archon.k8s import labels as kl
from archon.k8s.meta import object_meta

NAME = "archon-mcp-public"


@dataclass(frozen=True)
class McpLoadBalancerArgs:
    namespace: pulumi.Input[str]
    instance: str
    selector: dict[str, str]  # archon-mcp's pods
    port: int
    source_ranges: list[str]
    annotations: dict[str, str]  # load-balancer specific: a static address, an internal LB, ...
    await_address: bool
    rollout_timeout_seconds: int


class McpLoadBalancer(pulumi.ComponentResource):
    def __init__(
        self, resource_name: str, args: McpLoadBalancerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("archon:index:McpLoadBalancer", resource_name, None, opts)
        self.service = k8s.core.v1.Service(
            NAME,
            metadata=object_meta(
                NAME,
                args.namespace,
                kl.labels(NAME, args.instance, "mcp"),
                {**args.annotations, **waiting.external_address(args.await_address)},
            ),
            spec={
                "type": "LoadBalancer",
                "selector": args.selector,
                "ports": [{"name": "mcp", "port": args.port, "targetPort": args.port, "protocol": "TCP"}],
                # Keep the client's address, so that the NetworkPolicy can admit exactly the
                # source ranges, and the cloud firewall enforces them too.
                "externalTrafficPolicy": "Local",
                "loadBalancerSourceRanges": list(args.source_ranges),
            },
            opts=pulumi.ResourceOptions.merge(
                pulumi.ResourceOptions(parent=self), waiting.rollout_timeouts(args.rollout_timeout_seconds)
            ),
        )
        self.register_outputs({"service": self.service.metadata["name"]})
