"""The Namespace with Pod Security `restricted` (on the Namespace, not on pods), a ResourceQuota that
fits the stack at its peak exactly, and a LimitRange for containers the program does not create."""

from __future__ import annotations

from decimal import Decimal

import pytest

from helpers_k8s import AGENTS, MCP_LOAD_BALANCER, POD_SECURITY_PREFIX, quantity, variant, with_agents

RESOURCES = ("cpu", "memory", "ephemeral-storage")


def namespace(r):
    (ns,) = r.of_kind("Namespace")
    return ns


@pytest.mark.parametrize("mode", ["enforce", "audit", "warn"])
def test_pod_security_restricted_on_the_namespace(shipped, mode):
    assert namespace(shipped)["metadata"]["labels"][f"pod-security.kubernetes.io/{mode}"] == "restricted"


def test_pod_security_labels_not_on_pod_templates(shipped):
    for deployment in shipped.of_kind("Deployment"):
        labels = deployment["spec"]["template"]["metadata"].get("labels", {})
        assert not [k for k in labels if k.startswith(POD_SECURITY_PREFIX)], deployment["metadata"]["name"]


def test_every_object_lives_in_the_namespace(shipped):
    name = namespace(shipped)["metadata"]["name"]
    assert name == shipped.outputs["namespace"]
    for obj in shipped.objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == name, (obj["kind"], obj["metadata"]["name"])


def test_shipped_namespaces(prod, dev):
    assert namespace(prod)["metadata"]["name"] == "archon"
    assert namespace(dev)["metadata"]["name"] == "archon-dev"


# --- ResourceQuota, computed here from the rendered Deployments and HPAs ---------------------


def peak_pods(r, deployment: dict) -> int:
    """Most pods of a Deployment at once: its ceiling (HPA max or replicas) plus one surge pod."""
    name = deployment["metadata"]["name"]
    hpas = [h for h in r.of_kind("HorizontalPodAutoscaler") if h["spec"]["scaleTargetRef"]["name"] == name]
    ceiling = hpas[0]["spec"]["maxReplicas"] if hpas else deployment["spec"]["replicas"]
    return ceiling + 1


def per_pod(pod_spec: dict, kind: str, resource: str) -> Decimal:
    """A pod's effective amount: the larger of any init container and the sum of its containers."""

    def amount(container):
        return quantity(container["resources"].get(kind, {}).get(resource, "0"))

    main = sum((amount(c) for c in pod_spec["containers"]), Decimal(0))
    return max([main, *(amount(c) for c in pod_spec.get("initContainers", []))])


def expected_quota(r) -> dict[str, Decimal]:
    expected = {"pods": Decimal(0)}
    for deployment in r.of_kind("Deployment"):
        pods = peak_pods(r, deployment)
        expected["pods"] += pods
        for kind in ("requests", "limits"):
            for resource in RESOURCES:
                key = f"{kind}.{resource}"
                expected[key] = expected.get(key, Decimal(0)) + pods * per_pod(
                    deployment["spec"]["template"]["spec"], kind, resource
                )
    return expected


@pytest.mark.parametrize(
    ("stack", "overrides"),
    [
        pytest.param("dev", {}, id="dev"),
        pytest.param("prod", {}, id="prod"),
        pytest.param("prod", AGENTS, id="prod-optional-services"),
        pytest.param("prod", {"serverAutoscaling": False, "serverReplicas": 3}, id="prod-fixed-server"),
    ],
)
def test_quota_is_exactly_the_peak(stack, overrides):
    rendered = variant(stack, **overrides)
    (quota,) = rendered.of_kind("ResourceQuota")
    hard = quota["spec"]["hard"]
    for key, amount in expected_quota(rendered).items():
        assert quantity(hard[key]) == amount, key


def test_quota_counts_the_init_container_when_it_is_larger():
    # Shrink the server below the warm-up container: its 512Mi limit must then count.
    r = variant("dev", serverMemoryRequest="128Mi", serverMemoryLimit="256Mi")
    init = r.pod_spec("archon-server")["initContainers"][0]["resources"]["limits"]["memory"]
    assert quantity(init) > quantity("256Mi")
    (quota,) = r.of_kind("ResourceQuota")
    assert quantity(quota["spec"]["hard"]["limits.memory"]) == expected_quota(r)["limits.memory"]


def test_quota_allows_no_volume_claims(shipped):
    (quota,) = shipped.of_kind("ResourceQuota")
    assert quota["spec"]["hard"]["persistentvolumeclaims"] == "0"
    assert not shipped.of_kind("PersistentVolumeClaim") and not shipped.of_kind("PersistentVolume")


def test_quota_admits_the_mcp_load_balancer_only_when_there_is_one(prod, dev):
    balanced = variant("prod", **MCP_LOAD_BALANCER)
    assert balanced.get("ResourceQuota", "archon-quota")["spec"]["hard"]["services.loadbalancers"] == "1"
    for r in (prod, dev):
        assert r.get("ResourceQuota", "archon-quota")["spec"]["hard"]["services.loadbalancers"] == "0"


def test_limit_range_defaults_every_container(shipped):
    (limit_range,) = shipped.of_kind("LimitRange")
    (container,) = [item for item in limit_range["spec"]["limits"] if item["type"] == "Container"]
    for resource in RESOURCES:
        assert quantity(container["defaultRequest"][resource]) <= quantity(container["default"][resource])


def test_every_program_container_sets_requests_and_limits():
    r = with_agents()
    for deployment in r.of_kind("Deployment"):
        spec = deployment["spec"]["template"]["spec"]
        for container in spec["containers"] + spec.get("initContainers", []):
            for kind in ("requests", "limits"):
                assert set(RESOURCES) <= set(container["resources"][kind]), container["name"]
