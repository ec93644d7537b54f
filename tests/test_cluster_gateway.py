"""Gateway API exposure on the local cluster: the dev stack deployed with `exposure: gateway`, its
HTTPRoutes accepted by the API server against the CRDs of gateway-api v1.6.3 (experimental
channel), attached to a Gateway that exists, and gone with `pulumi destroy`."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from live import LiveStack, compare_live
from localcluster import Cluster

GATEWAY_NAMESPACE = "e2e-gateway-system"
OVERRIDES = {
    "exposure": "gateway",
    "gateway": f"{GATEWAY_NAMESPACE}/public",
    "gatewaySection": "http",
    "gatewayTls": False,  # the test Gateway's listener is plain HTTP
    "gatewayApiChannel": "experimental",
}


@pytest.fixture(scope="module")
def gateway_stack(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    """dev with Gateway API exposure, and the Gateway a platform team would run (no controller
    here: nothing programs it, but the routes' parent exists)."""
    gateway = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": GATEWAY_NAMESPACE}},
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "GatewayClass",
            "metadata": {"name": "e2e"},
            "spec": {"controllerName": "example.com/e2e"},
        },
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "Gateway",
            "metadata": {"name": "public", "namespace": GATEWAY_NAMESPACE},
            "spec": {
                "gatewayClassName": "e2e",
                "listeners": [
                    {"name": "http", "port": 80, "protocol": "HTTP", "allowedRoutes": {"namespaces": {"from": "All"}}}
                ],
            },
        },
    ]
    cluster.apply(gateway)
    stack = LiveStack(cluster, "dev", tmp_path_factory.mktemp("e2e-gateway"), name="e2e-gateway", overrides=OVERRIDES)
    yield stack
    stack.pulumi("destroy", "--yes", "--skip-preview", check=False)
    cluster.kubectl("delete", "namespace", GATEWAY_NAMESPACE, stack.namespace, "--ignore-not-found", "--wait=false")
    cluster.kubectl("delete", "gatewayclass", "e2e", "--ignore-not-found")


def test_dev_deploys_with_gateway_exposure(gateway_stack: LiveStack) -> None:
    rendered = gateway_stack.rendered()
    gateway_stack.up()
    live = gateway_stack.live_objects({o["kind"] for o in rendered.objects} - {"HTTPRoute"})
    live += gateway_stack.items("httproutes.gateway.networking.k8s.io")
    assert compare_live(rendered, live) == {}
    assert not gateway_stack.items("ingresses")
    (route,) = gateway_stack.items("httproutes.gateway.networking.k8s.io")
    assert route["spec"]["parentRefs"][0]["name"] == "public"
    gateway_stack.up("--expect-no-changes")


def test_the_api_server_judges_routes_by_the_crds(gateway_stack: LiveStack) -> None:
    """The CRDs' own schema refuses what the typed models would not let through either."""
    route = gateway_stack.get("httproute", "archon")
    route["spec"]["rules"][0]["sessionPersistence"] = {"sessionName": "x", "type": "Sticky"}
    for key in ("resourceVersion", "uid", "creationTimestamp", "managedFields", "generation"):
        route["metadata"].pop(key, None)
    refused = gateway_stack.kubectl("apply", "--dry-run=server", "-f", "-", input=json.dumps(route), check=False)
    assert refused.returncode != 0 and 'Unsupported value: "Sticky"' in refused.stderr


def test_destroy_takes_the_routes(gateway_stack: LiveStack) -> None:
    gateway_stack.pulumi("destroy", "--yes", "--skip-preview")
    left = gateway_stack.cluster.kubectl("get", "httproutes", "-A", check=False)
    assert "archon" not in left.stdout
