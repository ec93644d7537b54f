"""The edge with Gateway API: HTTPRoutes attached to the Gateway the settings name, routed by the
same table as the Ingress, with sessionPersistence where the experimental channel has it. The
local cluster validates them against the CRDs of gateway-api v1.6.3 (test_cluster_gateway.py)."""

from __future__ import annotations

import pytest

from harness import Rendered
from helpers_k8s import variant

GATEWAY = {"exposure": "gateway", "gateway": "gateway-system/public", "gatewaySection": "https"}
EXPERIMENTAL = {**GATEWAY, "gatewayApiChannel": "experimental"}
PROD = {"tlsIssuer": ""}  # behind a Gateway, its listener holds the certificate


def route(r: Rendered, name: str) -> dict:
    (found,) = [o for o in r.of_kind("HTTPRoute") if o["metadata"]["name"] == name]
    assert found["apiVersion"] == "gateway.networking.k8s.io/v1"
    return found


def table(r: Rendered, name: str) -> list[tuple[str, str, str, int]]:
    return [
        (rule["matches"][0]["path"]["type"], rule["matches"][0]["path"]["value"], ref["name"], ref["port"])
        for rule in route(r, name)["spec"]["rules"]
        for ref in rule["backendRefs"]
    ]


def test_routes_replace_the_ingress_and_attach_to_the_named_gateway() -> None:
    r = variant("dev", **GATEWAY)
    assert not r.of_kind("Ingress")
    spec = route(r, "archon")["spec"]
    assert spec["parentRefs"] == [
        {
            "group": "gateway.networking.k8s.io",
            "kind": "Gateway",
            "name": "public",
            "namespace": "gateway-system",
            "sectionName": "https",
        }
    ]
    assert spec["hostnames"] == ["archon.localhost"]
    assert table(r, "archon") == [
        ("PathPrefix", "/api", "archon-server", 8181),
        ("Exact", "/health", "archon-server", 8181),
        ("PathPrefix", "/", "archon-frontend", 3737),
    ]


def test_without_a_section_the_route_attaches_to_every_allowed_listener() -> None:
    r = variant("dev", exposure="gateway", gateway="gateway-system/public")
    assert "sectionName" not in route(r, "archon")["spec"]["parentRefs"][0]


def test_behind_gates_routes_go_to_the_gates() -> None:
    r = variant("prod", **PROD, **EXPERIMENTAL)
    assert table(r, "archon") == [("PathPrefix", "/", "archon-auth", 4180)]
    assert table(r, "archon-mcp") == [("PathPrefix", "/mcp", "archon-mcp-auth", 4180)]
    assert route(r, "archon-mcp")["spec"]["hostnames"] == ["mcp.archon.automatizase.com.br"]
    (rule,) = route(r, "archon-mcp")["spec"]["rules"]
    assert rule["timeouts"] == {"request": "1h"}  # streamable HTTP answers may run long


def test_session_persistence_for_more_than_one_pod_on_the_experimental_channel() -> None:
    r = variant("prod", **PROD, **EXPERIMENTAL, mcpReplicas=2)
    (ui_rule,) = route(r, "archon")["spec"]["rules"]
    assert ui_rule["sessionPersistence"] == {"sessionName": "archon-server-affinity", "type": "Cookie"}
    (mcp_rule,) = route(r, "archon-mcp")["spec"]["rules"]
    assert mcp_rule["sessionPersistence"] == {"sessionName": "Mcp-Session-Id", "type": "Header"}


@pytest.mark.parametrize(
    "overrides",
    [GATEWAY, {**EXPERIMENTAL, "serverAutoscaling": False, "serverReplicas": 1, "serverDisruptionBudget": False}],
    ids=["standard-channel", "one-pod"],
)
def test_no_session_persistence_where_none_is_needed_or_possible(overrides: dict) -> None:
    r = variant("dev", **overrides)
    for name in ("archon",):
        assert all("sessionPersistence" not in rule for rule in route(r, name)["spec"]["rules"])


def test_routes_carry_the_recommended_labels_and_no_ingress_annotations() -> None:
    r = variant("prod", **PROD, **EXPERIMENTAL)
    metadata = route(r, "archon")["metadata"]
    assert metadata["labels"]["app.kubernetes.io/part-of"] == "archon"
    assert not [key for key in metadata.get("annotations", {}) if key.startswith("nginx.ingress")]


@pytest.mark.parametrize(("gateway_tls", "scheme"), [(True, "https"), (False, "http")])
def test_the_gateway_listener_decides_the_scheme(gateway_tls: bool, scheme: str) -> None:
    """TLS terminates at the Gateway: no cert-manager annotation or tls block of ours, and the URLs
    (and the gates' secure cookies) follow what its listener serves."""
    r = variant(
        "prod",
        **PROD,
        **EXPERIMENTAL,
        gatewayTls=gateway_tls,
        mcpPublicUrl=f"mcp.example.com:{443 if gateway_tls else 80}",
        environment="development",
    )
    assert r.outputs["uiUrl"] == f"{scheme}://archon.automatizase.com.br"
    assert r.outputs["mcpUrl"] == f"{scheme}://mcp.example.com/mcp"
    assert all("tls" not in route(r, name)["spec"] for name in ("archon", "archon-mcp"))
    args = r.container("archon-auth")["args"]
    assert f"--cookie-secure={str(gateway_tls).lower()}" in args
