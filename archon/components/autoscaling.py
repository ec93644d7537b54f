"""Autoscaling: HorizontalPodAutoscalers and PodDisruptionBudgets of the scalable services."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_kubernetes as k8s

from archon.components.service import ArchonService
from archon.k8s import labels as kl
from archon.k8s.meta import object_meta
from archon.settings import ScalableServiceSettings, Settings

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


def _metadata(service: ArchonService, settings: Settings, suffix: str) -> dict:
    name = service.spec.name
    return object_meta(
        f"{name}-{suffix}",
        service.deployment.metadata["namespace"],
        kl.labels(name, settings.namespace, service.spec.component),
    )


class Autoscaling(pulumi.ComponentResource):
    def __init__(
        self,
        resource_name: str,
        settings: Settings,
        services: Sequence[ArchonService],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("archon:index:Autoscaling", resource_name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.autoscalers: list[k8s.autoscaling.v2.HorizontalPodAutoscaler] = []
        self.budgets: list[k8s.policy.v1.PodDisruptionBudget] = []

        for service in services:
            scaling = service.spec.service
            if not isinstance(scaling, ScalableServiceSettings):
                continue
            name = service.spec.name

            if scaling.autoscaling:
                metrics = [_metric("cpu", scaling.cpu_utilization)]
                if scaling.memory_utilization:
                    metrics.append(_metric("memory", scaling.memory_utilization))
                self.autoscalers.append(
                    k8s.autoscaling.v2.HorizontalPodAutoscaler(
                        f"{name}-hpa",
                        metadata=_metadata(service, settings, "hpa"),
                        spec={
                            "scaleTargetRef": {
                                "apiVersion": "apps/v1",
                                "kind": "Deployment",
                                "name": service.deployment.metadata["name"],
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
                        metadata=_metadata(service, settings, "pdb"),
                        spec={
                            "minAvailable": 1,
                            "selector": {"matchLabels": service.selector},
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
