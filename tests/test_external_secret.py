"""externalSecret: the External Secrets Operator syncs the stack's Secret from a store. The program
creates the ExternalSecret (validated against the operator's own CRD on the local cluster, see
test_cluster_stacks.py and test_cluster_external_secret.py), reads no secret value, and every pod
reads the synced Secret, which `pulumi up` waits for."""

from __future__ import annotations

import pytest

from archon.settings import InvalidConfiguration
from harness import render
from helpers_k8s import WORK_ORDERS

EXTERNAL = {
    "externalSecret": {
        "store": "vault-archon",
        "remoteKeys": {
            "SUPABASE_URL": "archon/supabase-url",
            "SUPABASE_SERVICE_KEY": "archon/supabase-service-key",
            "AUTH_COOKIE_SECRET": "archon/auth-cookie",
            "MCP_AUTH_COOKIE_SECRET": "archon/mcp-auth-cookie",
            "OIDC_CLIENT_SECRET": "archon/oidc-client-secret",
            "MCP_HTPASSWD": "archon/mcp-htpasswd",
        },
    }
}


@pytest.fixture(scope="module")
def synced():
    # No secret values at all: the store holds them.
    return render("prod", EXTERNAL, secrets={})


def test_an_external_secret_names_the_store_and_each_key(synced):
    (external,) = synced.of_kind("ExternalSecret")
    assert external["apiVersion"] == "external-secrets.io/v1"
    assert external["metadata"]["name"] == "archon-secrets"
    assert external["metadata"]["annotations"]["pulumi.com/waitFor"] == "condition=Ready"
    spec = external["spec"]
    assert spec["secretStoreRef"] == {"name": "vault-archon", "kind": "SecretStore"}
    assert spec["target"]["name"] == "archon-secrets"
    assert {d["secretKey"]: d["remoteRef"]["key"] for d in spec["data"]} == EXTERNAL["externalSecret"]["remoteKeys"]


def test_no_secret_of_the_stack_and_every_pod_reads_the_synced_one(synced):
    assert synced.of_kind("Secret") == []
    for deployment in synced.of_kind("Deployment"):
        names = {
            e["valueFrom"]["secretKeyRef"]["name"]
            for c in deployment["spec"]["template"]["spec"]["containers"]
            for e in c.get("env", [])
            if "secretKeyRef" in e.get("valueFrom", {})
        }
        names |= {
            v["secret"]["secretName"]
            for v in deployment["spec"]["template"]["spec"].get("volumes", [])
            if "secret" in v
        }
        assert names <= {"archon-secrets"}, deployment["metadata"]["name"]


def test_the_deployments_wait_for_the_synced_secret(synced):
    """They take the Secret's name from the ExternalSecret, so they come after it (and after its
    Ready condition, which `pulumi up` waits for)."""
    registrations = {r.name: r for r in synced.resources}
    external = registrations["archon-secrets"]
    assert external.type == "kubernetes:external-secrets.io/v1:ExternalSecret"
    order = [r.name for r in synced.resources]
    for name in ("archon-server", "archon-mcp", "archon-auth"):
        deployment = [i for i, r in enumerate(synced.resources) if r.name == name and r.type.endswith("Deployment")]
        assert deployment and deployment[0] > order.index("archon-secrets"), name


def test_optional_keys_are_referenced_only_when_the_store_has_them(synced):
    server_env = {e["name"] for e in synced.container("archon-server")["env"]}
    assert {"SUPABASE_URL", "SUPABASE_SERVICE_KEY"} <= server_env
    assert "OPENAI_API_KEY" not in server_env


@pytest.mark.parametrize(
    ("overrides", "key", "says"),
    [
        ({**EXTERNAL, "existingSecret": "archon-managed"}, "externalSecret", "existingSecret"),
        (
            {"externalSecret": {"store": "vault", "remoteKeys": {"SUPABASE_URL": "u"}}},
            "externalSecret",
            "SUPABASE_SERVICE_KEY",
        ),
        ({"externalSecret": {"remoteKeys": {"SUPABASE_URL": "u"}}}, "externalSecret", "names no store"),
        ({"externalSecret": {"store": "vault", "storeKind": "Vault"}}, "externalSecret", "storeKind"),
    ],
)
def test_an_incomplete_external_secret_is_refused(overrides, key, says):
    with pytest.raises(InvalidConfiguration) as caught:
        render("prod", overrides, secrets={})
    (problem,) = [p for p in caught.value.problems if p.key == key]
    assert says in problem.message


def test_work_orders_read_the_synced_secret_too():
    remote = {
        **EXTERNAL["externalSecret"]["remoteKeys"],
        "GH_TOKEN": "archon/gh",
        "ANTHROPIC_API_KEY": "archon/anthropic",
    }
    r = render("prod", {**WORK_ORDERS, "externalSecret": {"store": "vault-archon", "remoteKeys": remote}}, secrets={})
    env = {
        e["name"]: e["valueFrom"]["secretKeyRef"]["name"]
        for e in r.container("archon-agent-work-orders")["env"]
        if "valueFrom" in e
    }
    assert env == {"ANTHROPIC_API_KEY": "archon-secrets", "GH_TOKEN": "archon-secrets"}
