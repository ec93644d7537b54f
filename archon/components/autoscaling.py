"""Autoscaling: HorizontalPodAutoscalers and PodDisruptionBudgets of the scalable services."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from archon.k8s import labels as kl
from archon.k8s.meta import object_meta
from archon.settings.model import ScalableServiceSettings

# The guide's behaviour: scale up fast (double every 30 s), scale down slowly (half per minute
# after 5 minutes of lower load), so crawl bursts get capacity and do not flap.
BEHAVIOR = {
    "scaleDown": {
        "stabilizationWindowSeconds": 300,
        "policies": [{"type": "Percent", "value": 50, "periodSeconds": 60}],
    },
    "scaleUp": {
        "stabilizationWindowSeconds": 30,
        "policies": [{"type": "Percent", "value": 100, "periodSeconds": 30}],
    },
}


def _metric(resource: str, utilization: int) -> dict:
    return {
        "type": "Resource",
        "resource": {"name": resource, "target": {"type": "Utilization", "averageUtilization": utilization}},
    }


@dataclass(frozen=True)
class ScalingTarget:
    """One scalable service: its Deployment, its pods' selector and its scaling settings."""

    name: str  # archon-server
    component: str
    deployment: pulumi.Input[str]
    selector: dict[str, str]
    settings: ScalableServiceSettings


@dataclass(frozen=True)
class AutoscalingArgs:
    namespace: pulumi.Input[str]
    instance: str
    targets: Sequence[ScalingTarget]


class Autoscaling(pulumi.ComponentResource):
    def __init__(self, resource_name: str, args: AutoscalingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("archon:index:Autoscaling", resource_name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.autoscalers: list[k8s.autoscaling.v2.HorizontalPodAutoscaler] = []
        self.budgets: list[k8s.policy.v1.PodDisruptionBudget] = []

        for target in args.targets:
            scaling, name = target.settings, target.name

            def metadata(suffix: str, target: ScalingTarget = target) -> dict:
                return object_meta(
                    f"{target.name}-{suffix}", args.namespace, kl.labels(target.name, args.instance, target.component)
                )

            if scaling.autoscaling:
                metrics = [_metric("cpu", scaling.cpu_utilization)]
                if scaling.memory_utilization:
                    metrics.append(_metric("memory", scaling.memory_utilization))
                self.autoscalers.append(
                    k8s.autoscaling.v2.HorizontalPodAutoscaler(
                        f"{name}-hpa",
                        metadata=metadata("hpa"),
                        spec={
                            "scaleTargetRef": {
                                "apiVersion": "apps/v1",
                                "kind": "Deployment",
                                "name": target.deployment,
                            },
                            "minReplicas": scaling.min_replicas,
                            "maxReplicas": scaling.max_replicas,
                            "metrics": metrics,
                            "behavior": BEHAVIOR,
                        },
                        opts=child,
                    )
                )
            if scaling.disruption_budget:
                # Settings guarantee at least 2 pods here, so minAvailable 1 never blocks a drain;
                # AlwaysAllow lets a drain evict pods that are not ready anyway.
                self.budgets.append(
                    k8s.policy.v1.PodDisruptionBudget(
                        f"{name}-pdb",
                        metadata=metadata("pdb"),
                        spec={
                            "minAvailable": 1,
                            "selector": {"matchLabels": target.selector},
                            "unhealthyPodEvictionPolicy": "AlwaysAllow",
                        },
                        opts=child,
                    )
                )

        self.register_outputs(
            {
                "autoscalers": [hpa.metadata["name"] for hpa in self.autoscalers],
                "disruptionBudgets": [pdb.metadata["name"] for pdb in self.budgets],
            }
        )
