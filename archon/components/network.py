"""NetworkPolicies: deny everything in the namespace, then open exactly the flows Archon uses
(planned in archon/flows.py, from the service table and the edge's routes)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from archon.flows import PolicyPlan
from archon.k8s import labels as kl
from archon.k8s.meta import object_meta


@dataclass(frozen=True)
class NetworkPoliciesArgs:
    namespace: pulumi.Input[str]
    instance: str
    policies: list[PolicyPlan]


class NetworkPolicies(pulumi.ComponentResource):
    def __init__(
        self, resource_name: str, args: NetworkPoliciesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("archon:index:NetworkPolicies", resource_name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        def metadata(name: str, component: str) -> dict:
            return object_meta(name, args.namespace, kl.labels(name, args.instance, component))

        # Every pod in the namespace, including any started by hand, starts with no traffic at all.
        self.default_deny = k8s.networking.v1.NetworkPolicy(
            "default-deny-all",
            metadata=metadata("default-deny-all", "network"),
            spec={"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
            opts=child,
        )
        self.policies = {
            plan.component: k8s.networking.v1.NetworkPolicy(
                plan.name, metadata=metadata(plan.name, plan.component), spec=plan.spec, opts=child
            )
            for plan in args.policies
        }
        self.register_outputs(
            {"policies": [self.default_deny.metadata["name"], *(p.metadata["name"] for p in self.policies.values())]}
        )
