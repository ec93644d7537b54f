"""ArchonNamespace: the Namespace with Pod Security "restricted" enforced, a ResourceQuota sized
from the services it will run, and a LimitRange for anything started by hand in it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pulumi
import pulumi_kubernetes as k8s

from archon.components.service import Footprint
from archon.k8s import labels as kl
from archon.k8s.meta import object_meta
from archon.k8s.quantity import format_bytes, format_cpu

# The labels belong on the Namespace: on a pod template (where the guide put them) they do nothing.
POD_SECURITY = {
    f"pod-security.kubernetes.io/{mode}{suffix}": value
    for mode in ("enforce", "audit", "warn")
    for suffix, value in (("", "restricted"), ("-version", "latest"))
}


def quota_hard(footprints: Sequence[Footprint], load_balancers: int) -> dict[str, str]:
    """Exactly what the stack may use at its peak: every pod at its ceiling plus a rollout surge."""

    def total(kind: str, resource: str) -> Decimal:
        return sum((getattr(f, kind).get(resource, Decimal(0)) * f.pods for f in footprints), Decimal(0))

    hard = {"pods": str(sum(f.pods for f in footprints))}
    for kind in ("requests", "limits"):
        hard[f"{kind}.cpu"] = format_cpu(total(kind, "cpu"))
        hard[f"{kind}.memory"] = format_bytes(total(kind, "memory"))
        hard[f"{kind}.ephemeral-storage"] = format_bytes(total(kind, "ephemeral-storage"))
    # Archon is stateless (all data in Supabase): no volume claims. The only Service reachable
    # from outside the cluster is MCP's LoadBalancer, when so exposed (it takes a node port too).
    hard["persistentvolumeclaims"] = "0"
    hard["services.loadbalancers"] = str(load_balancers)
    hard["services.nodeports"] = str(load_balancers)
    return hard


@dataclass(frozen=True)
class ArchonNamespaceArgs:
    name: str
    quota: dict[str, str]  # the ResourceQuota's hard limits (quota_hard)


class ArchonNamespace(pulumi.ComponentResource):
    def __init__(
        self, resource_name: str, args: ArchonNamespaceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("archon:index:ArchonNamespace", resource_name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        instance = args.name

        self.namespace = k8s.core.v1.Namespace(
            args.name,
            metadata=object_meta(args.name, None, {**kl.labels("archon", instance, "namespace"), **POD_SECURITY}),
            opts=child,
        )
        self.name: pulumi.Output[str] = self.namespace.metadata["name"]

        def metadata(name: str) -> dict:
            return object_meta(name, self.name, kl.labels(name, instance, "namespace"))

        self.quota = k8s.core.v1.ResourceQuota(
            "archon-quota", metadata=metadata("archon-quota"), spec={"hard": args.quota}, opts=child
        )
        # Defaults for containers that the program does not create (kubectl debug, run, ...), which
        # the quota would otherwise refuse for lack of requests and limits.
        self.limit_range = k8s.core.v1.LimitRange(
            "archon-limits",
            metadata=metadata("archon-limits"),
            spec={
                "limits": [
                    {
                        "type": "Container",
                        "defaultRequest": {"cpu": "50m", "memory": "64Mi", "ephemeral-storage": "64Mi"},
                        "default": {"cpu": "250m", "memory": "256Mi", "ephemeral-storage": "256Mi"},
                    }
                ]
            },
            opts=child,
        )
        self.register_outputs({"name": self.name, "quota": self.quota.metadata["name"]})
