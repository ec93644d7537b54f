"""Stack validators: checks that relate several objects (NetworkPolicies and Deployments;
PodDisruptionBudgets, workloads and their HorizontalPodAutoscalers).

Each takes every Kubernetes resource of the stack (`Resource`, props as plain dicts) and returns
(urn, message) pairs; the urn names the object the message is about.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from archon_policy.k8s import SCALABLE_KINDS, Resource, dig, pod_template, selector_matches

Violation = tuple[str, str]


def _of_kind(resources: Iterable[Resource], *kinds: str) -> list[Resource]:
    return [r for r in resources if r.kind in kinds]


def _template_labels(resource: Resource) -> dict[str, Any]:
    template = pod_template(resource.kind, resource.props)
    return dict((template.metadata.get("labels") if template else None) or {})


def validate_network_policy_coverage(resources: list[Resource], config: Any = None) -> list[Violation]:
    """Every Deployment's pods are selected by the podSelector of a NetworkPolicy in its namespace."""
    policies = _of_kind(resources, "NetworkPolicy")
    violations = []
    for deployment in _of_kind(resources, "Deployment"):
        labels = _template_labels(deployment)
        selected = [
            p
            for p in policies
            if p.namespace == deployment.namespace
            and selector_matches(dig(p.props, "spec", "podSelector") or {}, labels)
        ]
        if not selected:
            violations.append(
                (
                    deployment.urn,
                    f"{deployment.describe()}: no NetworkPolicy in namespace {deployment.namespace} selects its pods "
                    f"(labels {labels}), so all their traffic is allowed; add a NetworkPolicy whose podSelector "
                    "matches them (a default-deny policy with podSelector {} covers every pod)",
                )
            )
    return violations


def _scaled_value(value: Any, total: int, round_up: bool) -> int | None:
    """minAvailable / maxUnavailable as a pod count: an int, or a percentage of the pods."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return int(value)
    text = str(value).strip()
    if text.endswith("%"):
        try:
            percent = float(text[:-1])
        except ValueError:
            return None
        scaled = percent * total / 100
        return math.ceil(scaled) if round_up else math.floor(scaled)
    try:
        return int(text)
    except ValueError:
        return None


def floor_replicas(workload: Resource, autoscalers: list[Resource]) -> tuple[int, str]:
    """The fewest pods a workload may run, and why: its HPA's minReplicas, else spec.replicas (default 1)."""
    for hpa in autoscalers:
        target = dig(hpa.props, "spec", "scaleTargetRef") or {}
        if (
            hpa.namespace == workload.namespace
            and target.get("kind") == workload.kind
            and target.get("name") == workload.object_name
        ):
            minimum = dig(hpa.props, "spec", "minReplicas")
            return (1 if minimum is None else int(minimum)), f"minReplicas of {hpa.describe()}"
    replicas = dig(workload.props, "spec", "replicas")
    return (1 if replicas is None else int(replicas)), "replicas"


def validate_disruption_budgets(resources: list[Resource], config: Any = None) -> list[Violation]:
    """A PodDisruptionBudget must leave at least one of the pods it selects evictable, or every node
    drain blocks on it: minAvailable below the pods' floor (HPA minReplicas, else replicas), and
    maxUnavailable above 0."""
    workloads = _of_kind(resources, *SCALABLE_KINDS)
    autoscalers = _of_kind(resources, "HorizontalPodAutoscaler")
    violations = []
    for pdb in _of_kind(resources, "PodDisruptionBudget"):
        spec = pdb.props.get("spec") or {}
        selector = spec.get("selector")
        selected = [
            w for w in workloads if w.namespace == pdb.namespace and selector_matches(selector, _template_labels(w))
        ]
        floors = [(w, *floor_replicas(w, autoscalers)) for w in selected]
        total = sum(count for _, count, _ in floors)
        if total == 0:
            continue  # selects no pods: nothing to block
        counted = ", ".join(f"{w.describe()} ({count}, {why})" for w, count, why in floors)
        if spec.get("maxUnavailable") is not None:
            allowed = _scaled_value(spec["maxUnavailable"], total, round_up=True)
            if allowed is not None and allowed <= 0:
                violations.append(
                    (
                        pdb.urn,
                        f"{pdb.describe()}: maxUnavailable {spec['maxUnavailable']} never lets a pod of {counted} be "
                        "evicted, so it blocks every node drain; allow at least 1 (maxUnavailable: 1)",
                    )
                )
        if spec.get("minAvailable") is not None:
            needed = _scaled_value(spec["minAvailable"], total, round_up=True)
            if needed is not None and needed >= total:
                violations.append(
                    (
                        pdb.urn,
                        f"{pdb.describe()}: minAvailable {spec['minAvailable']} needs {needed} of the {total} pods it "
                        f"selects ({counted}) to stay up, so it blocks every node drain; run at least {needed + 1} "
                        f"pods or lower minAvailable to {max(total - 1, 0)}",
                    )
                )
    return violations
