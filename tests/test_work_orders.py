"""archon-agent-work-orders: off by default; when enabled, the tightest box of all the services.

It runs the Claude Code CLI on GitHub repositories, so it is treated as running untrusted code:
its own Secret keys that no other service receives, none of theirs, one size-limited work
directory, no service-account token, and (test_reachability.py) HTTPS and DNS out, archon-server
and archon-mcp in the cluster, and only archon-server in.
"""

from __future__ import annotations

import pytest

from archon.settings import InvalidConfiguration
from harness import render
from helpers_k8s import (
    WORK_ORDERS,
    assert_restricted_container,
    assert_restricted_pod,
    containers,
    env_of,
    policies_for,
    strings,
    variant,
    volumes_by_mount,
)

NAME = "archon-agent-work-orders"
OWN_KEYS = {"ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "GH_TOKEN"}


def secret_keys(container: dict) -> set[str]:
    return {
        e["valueFrom"]["secretKeyRef"]["key"]
        for e in container.get("env", [])
        if "secretKeyRef" in e.get("valueFrom", {})
    }


@pytest.mark.parametrize("kind", ["Deployment", "Service", "ServiceAccount"])
def test_absent_by_default(shipped, kind):
    assert NAME not in [o["metadata"]["name"] for o in shipped.of_kind(kind)]
    assert not any("AGENT_WORK_ORDERS_PORT" in s for s in strings(shipped.container("archon-server")))


def test_present_when_enabled_with_its_own_policy_and_image():
    r = variant("prod", **WORK_ORDERS)
    service = r.get("Service", NAME)
    assert service["spec"]["ports"] == [{"name": "http", "port": 8053, "targetPort": 8053, "protocol": "TCP"}]
    assert len(policies_for(r, NAME)) == 1
    assert r.outputs["images"]["agent-work-orders"] == r.container(NAME)["image"]


def test_the_server_learns_its_port_only_when_it_runs():
    on = env_of(variant("prod", **WORK_ORDERS), variant("prod", **WORK_ORDERS).container("archon-server"))
    assert on["AGENT_WORK_ORDERS_PORT"] == "8053"
    off = variant("prod")
    assert "AGENT_WORK_ORDERS_PORT" not in env_of(off, off.container("archon-server"))


def test_restricted_pod_without_a_token():
    r = variant("prod", **WORK_ORDERS)
    assert_restricted_pod(r.pod_spec(NAME), 1000)
    for container in containers(r, NAME):
        assert_restricted_container(container, 1000)
    assert r.pod_spec(NAME)["automountServiceAccountToken"] is False
    assert r.get("ServiceAccount", NAME)["automountServiceAccountToken"] is False


def test_only_it_receives_its_keys_and_it_receives_no_other():
    r = variant("prod", **WORK_ORDERS)
    assert secret_keys(r.container(NAME)) == {"ANTHROPIC_API_KEY", "GH_TOKEN"}  # the token is not set
    others = [d["metadata"]["name"] for d in r.of_kind("Deployment") if d["metadata"]["name"] != NAME]
    for deployment in others:
        for container in containers(r, deployment):
            assert not secret_keys(container) & OWN_KEYS, deployment
    assert "envFrom" not in r.container(NAME)  # not the Python services' shared ConfigMap either
    (own,) = {e["valueFrom"]["secretKeyRef"]["name"] for e in r.container(NAME)["env"] if "valueFrom" in e}
    assert own.startswith("archon-agent-work-orders-secrets-")
    assert set(r.get("Secret", own)["stringData"]) == {"ANTHROPIC_API_KEY", "GH_TOKEN"}


def test_one_size_limited_work_directory_holds_everything_it_writes():
    r = variant("prod", **WORK_ORDERS, agentWorkOrdersWorkDirSize="6Gi")
    volumes = volumes_by_mount(r, NAME)
    assert list(volumes) == ["/tmp"]
    assert volumes["/tmp"]["emptyDir"] == {"sizeLimit": "6Gi"}
    env = env_of(r, r.container(NAME))
    for variable in ("HOME", "AGENT_WORK_ORDER_TEMP_DIR", "FILE_STATE_DIRECTORY", "WORKTREE_BASE_DIR"):
        assert env[variable].startswith("/tmp/"), variable
    assert env["STATE_STORAGE_TYPE"] == "file"  # never Supabase: it holds no Supabase key
    assert env["ARCHON_SERVER_URL"] == "http://archon-server:8181"
    assert env["ARCHON_MCP_URL"] == "http://archon-mcp:8051"


def test_its_work_directory_must_fit_its_ephemeral_storage():
    with pytest.raises(InvalidConfiguration) as caught:
        render("prod", {**WORK_ORDERS, "agentWorkOrdersWorkDirSize": "20Gi"})
    assert [p.key for p in caught.value.problems] == ["agentWorkOrdersEphemeralStorageLimit"]


@pytest.mark.parametrize(
    ("missing", "key"),
    [(("anthropicApiKey",), "anthropicApiKey"), (("githubToken",), "githubToken")],
)
def test_its_credentials_are_required(missing: tuple[str, ...], key: str):
    from harness import FAKE_SECRETS

    secrets = {k: v for k, v in FAKE_SECRETS.items() if k not in missing}
    with pytest.raises(InvalidConfiguration) as caught:
        render("prod", WORK_ORDERS, secrets=secrets)
    assert [p.key for p in caught.value.problems] == [key]


def test_an_oauth_token_stands_in_for_the_api_key():
    from harness import FAKE_SECRETS

    secrets = {**{k: v for k, v in FAKE_SECRETS.items() if k != "anthropicApiKey"}, "claudeCodeOauthToken": "fake"}
    r = render("prod", WORK_ORDERS, secrets=secrets)
    assert secret_keys(r.container(NAME)) == {"CLAUDE_CODE_OAUTH_TOKEN", "GH_TOKEN"}
