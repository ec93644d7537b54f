"""archon-agents: nothing of it unless agentsEnabled; when enabled, a complete, restricted service."""

from __future__ import annotations

import pytest

from helpers_k8s import (
    assert_restricted_container,
    assert_restricted_pod,
    containers,
    env_of,
    policies_for,
    probe_uses_health,
    strings,
    volumes_by_mount,
    with_agents,
)

AGENTS = "archon-agents"


@pytest.mark.parametrize("kind", ["Deployment", "Service", "ServiceAccount"])
def test_absent_by_default(shipped, kind):
    assert AGENTS not in [o["metadata"]["name"] for o in shipped.of_kind(kind)]


def test_no_policy_image_or_flag_by_default(shipped):
    assert not any(AGENTS in s for o in shipped.of_kind("NetworkPolicy") for s in strings(o))
    assert "agents" not in shipped.outputs["images"]
    assert shipped.find("ConfigMap", "archon-config")["data"]["AGENTS_ENABLED"] == "false"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_present_when_enabled(stack):
    r = with_agents(stack)
    for kind in ("Deployment", "Service", "ServiceAccount"):
        r.get(kind, AGENTS)
    assert len(policies_for(r, AGENTS)) == 1
    assert r.outputs["images"]["agents"] == r.container(AGENTS)["image"]
    assert r.find("ConfigMap", "archon-config")["data"]["AGENTS_ENABLED"] == "true"


def test_every_service_is_told_agents_are_enabled():
    r = with_agents()
    for deployment in ("archon-server", "archon-mcp", AGENTS):
        assert env_of(r, r.container(deployment))["AGENTS_ENABLED"] == "true"


def test_pod_and_containers_are_restricted():
    r = with_agents()
    assert_restricted_pod(r.pod_spec(AGENTS), 1001)
    for container in containers(r, AGENTS):
        assert_restricted_container(container, 1001)
    assert r.pod_spec(AGENTS)["serviceAccountName"] == AGENTS
    assert r.get("ServiceAccount", AGENTS)["automountServiceAccountToken"] is False


def test_tmp_is_writable():
    r = with_agents()
    assert "emptyDir" in volumes_by_mount(r, AGENTS)["/tmp"]


def test_liveness_does_not_depend_on_other_services():
    assert not probe_uses_health(with_agents().container(AGENTS)["livenessProbe"])


def test_service_port_equals_target_port():
    r = with_agents()
    (port,) = r.get("Service", AGENTS)["spec"]["ports"]
    assert port["port"] == port["targetPort"] == 8052
    assert r.container(AGENTS)["ports"][0]["containerPort"] == 8052


def test_pinned_in_prod():
    assert with_agents().container(AGENTS)["imagePullPolicy"] == "IfNotPresent"
