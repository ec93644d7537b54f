"""HorizontalPodAutoscalers and PodDisruptionBudgets: the guide's numbers in prod, nothing in dev,
the HPA alone owning the replica count, and no budget that could block a node drain."""

from __future__ import annotations

import pytest

from helpers_k8s import selector_of, variant

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


def hpa_for(r, deployment):
    matches = [h for h in r.of_kind("HorizontalPodAutoscaler") if h["spec"]["scaleTargetRef"]["name"] == deployment]
    assert len(matches) <= 1
    return matches[0] if matches else None


def pdb_for(r, deployment):
    selector = selector_of(r, deployment)
    matches = [p for p in r.of_kind("PodDisruptionBudget") if p["spec"]["selector"]["matchLabels"] == selector]
    assert len(matches) <= 1
    return matches[0] if matches else None


def utilization(hpa) -> dict[str, int]:
    return {
        m["resource"]["name"]: m["resource"]["target"]["averageUtilization"]
        for m in hpa["spec"]["metrics"]
        if m["type"] == "Resource" and m["resource"]["target"]["type"] == "Utilization"
    }


def test_server_hpa_is_the_guides(prod):
    hpa = hpa_for(prod, "archon-server")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "archon-server"}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 5)
    assert utilization(hpa) == {"cpu": 70, "memory": 80}
    assert hpa["spec"]["behavior"] == BEHAVIOR


def test_frontend_hpa_is_the_guides(prod):
    hpa = hpa_for(prod, "archon-frontend")
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 4)
    assert utilization(hpa) == {"cpu": 75}  # no memory metric
    assert len(hpa["spec"]["metrics"]) == 1


@pytest.mark.parametrize("deployment", ["archon-mcp", "archon-agents"])
def test_stateful_or_optional_services_are_not_autoscaled(deployment):
    assert hpa_for(variant("prod", agentsEnabled=True), deployment) is None


@pytest.mark.parametrize("deployment", ["archon-server", "archon-frontend"])
def test_autoscaled_deployment_has_no_replicas_field(prod, deployment):
    assert hpa_for(prod, deployment) is not None
    assert "replicas" not in prod.get("Deployment", deployment)["spec"]


def test_deployments_without_hpa_set_replicas(shipped):
    for deployment in shipped.of_kind("Deployment"):
        if hpa_for(shipped, deployment["metadata"]["name"]) is None:
            assert deployment["spec"]["replicas"] >= 1


@pytest.mark.parametrize("deployment", ["archon-server", "archon-frontend"])
def test_disruption_budgets(prod, deployment):
    pdb = pdb_for(prod, deployment)
    assert pdb["spec"]["minAvailable"] == 1
    assert pdb["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow"
    assert "maxUnavailable" not in pdb["spec"]


def floor_replicas(r, deployment) -> int:
    hpa = hpa_for(r, deployment)
    return hpa["spec"]["minReplicas"] if hpa else r.get("Deployment", deployment)["spec"]["replicas"]


@pytest.mark.parametrize(
    "overrides",
    [{}, {"serverAutoscaling": False, "serverReplicas": 3}, {"frontendMinReplicas": 3, "frontendMaxReplicas": 3}],
    ids=["defaults", "fixed-server", "fixed-frontend-range"],
)
def test_no_budget_blocks_a_drain(overrides):
    r = variant("prod", **overrides)
    assert r.of_kind("PodDisruptionBudget")
    for deployment in r.of_kind("Deployment"):
        name = deployment["metadata"]["name"]
        pdb = pdb_for(r, name)
        if pdb:
            assert floor_replicas(r, name) > pdb["spec"]["minAvailable"], name


def test_fixed_server_keeps_its_budget_and_replicas():
    r = variant("prod", serverAutoscaling=False, serverReplicas=3)
    assert hpa_for(r, "archon-server") is None
    assert r.get("Deployment", "archon-server")["spec"]["replicas"] == 3
    assert pdb_for(r, "archon-server")["spec"]["minAvailable"] == 1


def test_dev_has_no_autoscalers_or_budgets(dev):
    assert not dev.of_kind("HorizontalPodAutoscaler")
    assert not dev.of_kind("PodDisruptionBudget")
    assert {d["metadata"]["name"]: d["spec"]["replicas"] for d in dev.of_kind("Deployment")} == {
        "archon-server": 1,
        "archon-mcp": 1,
        "archon-frontend": 1,
    }


def test_hpas_have_resource_requests_to_measure(prod):
    for hpa in prod.of_kind("HorizontalPodAutoscaler"):
        container = prod.container(hpa["spec"]["scaleTargetRef"]["name"])
        for resource in utilization(hpa):
            assert resource in container["resources"]["requests"]
