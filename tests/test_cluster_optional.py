"""The optional pieces on the local cluster: dev with the agents, the agent work orders, and its
Secret synced by the External Secrets Operator (its CRDs v0.16.2 are installed; this test plays
the operator: it writes the Secret from a "store" and reports the ExternalSecret Ready).

It shows that the ExternalSecret passes the API server's validation against the operator's CRD,
that no Deployment exists until the Secret is synced (`pulumi up` waits on the ExternalSecret's
Ready condition, and the Deployments come after it), that every service then becomes Available
with the fields the program sets, and that the coding agent reads its keys from the synced Secret.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator

import pytest

from live import LiveStack, compare_live
from localcluster import Cluster

STORE = {  # what the "store" holds: key in the store -> value
    "archon/supabase-url": "https://fake-project.supabase.co",
    "archon/supabase-service-key": "fake-service-key-from-the-store",
    "archon/gh": "fake-github-token-from-the-store",
    "archon/anthropic": "fake-anthropic-key-from-the-store",
}
REMOTE_KEYS = {
    "SUPABASE_URL": "archon/supabase-url",
    "SUPABASE_SERVICE_KEY": "archon/supabase-service-key",
    "GH_TOKEN": "archon/gh",
    "ANTHROPIC_API_KEY": "archon/anthropic",
}
OVERRIDES = {
    "agentsEnabled": True,
    "agentWorkOrdersEnabled": True,
    "externalSecret": {"store": "e2e-store", "remoteKeys": REMOTE_KEYS},
}


@pytest.fixture(scope="module")
def optional_stack(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    stack = LiveStack(cluster, "dev", tmp_path_factory.mktemp("e2e-optional"), name="e2e-optional", overrides=OVERRIDES)
    yield stack
    stack.pulumi("destroy", "--yes", "--skip-preview", check=False)
    cluster.kubectl("delete", "namespace", stack.namespace, "--ignore-not-found", "--wait=false")


def play_the_operator(stack: LiveStack, deadline: float) -> list[str]:
    """Wait for the ExternalSecret, note what Deployments exist then, sync its Secret from STORE
    and report it Ready. Returns the Deployments that existed before the Secret was synced."""
    while time.monotonic() < deadline:
        found = stack.kubectl("get", "externalsecret", "archon-secrets", "-o", "json", check=False)
        if found.returncode == 0:
            break
        time.sleep(0.5)
    else:
        raise AssertionError("pulumi up never created the ExternalSecret")
    time.sleep(3)  # time enough for a Deployment that did not wait to show up
    early = [d["metadata"]["name"] for d in stack.items("deployments")]
    spec = json.loads(found.stdout)["spec"]
    data = {d["secretKey"]: base64.b64encode(STORE[d["remoteRef"]["key"]].encode()).decode() for d in spec["data"]}
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "archon-secrets"}, "data": data}
    stack.kubectl("apply", "-f", "-", input=json.dumps(secret))
    ready = {"status": {"conditions": [{"type": "Ready", "status": "True", "reason": "SecretSynced"}]}}
    stack.kubectl(
        "patch", "externalsecret", "archon-secrets", "--subresource=status", "--type=merge", "-p", json.dumps(ready)
    )
    return early


def test_the_deployments_wait_for_the_synced_secret_then_all_become_available(optional_stack: LiveStack) -> None:
    with optional_stack.running() as up:
        early = play_the_operator(optional_stack, time.monotonic() + 120)
        output, _ = up.communicate(timeout=300)
    assert up.returncode == 0, output
    # The frontend reads no secret, so it need not wait; every other service does.
    assert set(early) <= {"archon-frontend"}, f"Deployments created before their Secret was synced: {early}"
    deployments = {d["metadata"]["name"]: d for d in optional_stack.items("deployments")}
    assert set(deployments) == {
        "archon-server",
        "archon-mcp",
        "archon-agents",
        "archon-agent-work-orders",
        "archon-frontend",
    }
    for name, deployment in deployments.items():
        conditions = {c["type"]: c["status"] for c in deployment["status"].get("conditions", [])}
        assert conditions.get("Available") == "True", name


def test_live_objects_carry_every_field_the_program_sets(optional_stack: LiveStack) -> None:
    rendered = optional_stack.rendered()
    live = optional_stack.live_objects({o["kind"] for o in rendered.objects} - {"ExternalSecret"})
    live += optional_stack.items("externalsecrets.external-secrets.io")
    assert compare_live(rendered, live) == {}


def test_the_coding_agent_reads_its_keys_from_the_synced_secret_and_nothing_else(optional_stack: LiveStack) -> None:
    (pod,) = optional_stack.get("pods", "-l", "app.kubernetes.io/name=archon-agent-work-orders")["items"]
    container = pod["spec"]["containers"][0]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e}
    assert {name: ref["name"] for name, ref in refs.items()} == {
        "ANTHROPIC_API_KEY": "archon-secrets",
        "GH_TOKEN": "archon-secrets",
    }
    assert pod["spec"]["automountServiceAccountToken"] is False
    (server,) = optional_stack.get("pods", "-l", "app.kubernetes.io/name=archon-server")["items"]
    server_refs = {e["name"] for e in server["spec"]["containers"][0]["env"] if "valueFrom" in e}
    assert not server_refs & {"GH_TOKEN", "ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN"}


def test_destroy_removes_everything(optional_stack: LiveStack) -> None:
    optional_stack.pulumi("destroy", "--yes", "--skip-preview")
    gone = optional_stack.cluster.kubectl("get", "namespace", optional_stack.namespace, check=False)
    assert (
        gone.returncode != 0
        or json.loads(
            optional_stack.cluster.kubectl("get", "namespace", optional_stack.namespace, "-o", "json").stdout
        )["status"]["phase"]
        == "Terminating"
    )
