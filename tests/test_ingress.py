"""The edge with Ingress objects: the UI's host routed by the edge table (to the gate when there is
one), TLS in prod, cookie affinity whenever the server may run more than one pod, MCP as configured
and MCP_PUBLIC_URL to match."""

from __future__ import annotations

import json

import pytest

from helpers_k8s import MCP_INGRESS, MCP_LOAD_BALANCER, OPEN_UI, variant

NGINX = "nginx.ingress.kubernetes.io"
UI_HOST = "archon.automatizase.com.br"


def routes(ingress) -> dict[str, tuple[str, str, int]]:
    (rule,) = ingress["spec"]["rules"]
    return {
        p["path"]: (p["pathType"], p["backend"]["service"]["name"], p["backend"]["service"]["port"]["number"])
        for p in rule["http"]["paths"]
    }


def annotations(ingress) -> dict[str, str]:
    return ingress["metadata"].get("annotations") or {}


def config(r):
    return r.find("ConfigMap", "archon-config")["data"]


def test_api_and_health_go_to_the_server_the_rest_to_the_frontend(shipped):
    """Without a gate the edge routes; behind one, the gate proxies the same paths."""
    ingress = shipped.get("Ingress", "archon")
    if shipped.outputs["namespace"] == "archon":  # prod: behind its OIDC gate
        assert routes(ingress) == {"/": ("Prefix", "archon-auth", 4180)}
        return
    paths = routes(ingress)
    assert paths["/api"] == ("Prefix", "archon-server", 8181)
    assert paths["/health"] == ("Exact", "archon-server", 8181)
    assert paths["/"] == ("Prefix", "archon-frontend", 3737)
    assert set(paths) == {"/api", "/health", "/"}


def test_prod_serves_https_with_cert_manager(prod):
    for name, host in (("archon", UI_HOST), ("archon-mcp", f"mcp.{UI_HOST}")):
        ingress = prod.get("Ingress", name)
        (tls,) = ingress["spec"]["tls"]
        assert tls["hosts"] == [host] and tls["secretName"]
        assert annotations(ingress)["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"
        assert annotations(ingress)[f"{NGINX}/ssl-redirect"] == "true"
    assert prod.outputs["uiUrl"] == f"https://{UI_HOST}"


def test_dev_serves_plain_http(dev):
    ingress = dev.get("Ingress", "archon")
    assert not ingress["spec"].get("tls")
    assert "cert-manager.io/cluster-issuer" not in annotations(ingress)


# --- server affinity ----------------------------------------------------------------------------


def has_cookie_affinity(r) -> bool:
    return annotations(r.get("Ingress", "archon")).get(f"{NGINX}/affinity") == "cookie"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, True),  # HPA 2..5
        ({"serverAutoscaling": False, "serverReplicas": 3}, True),
        ({"serverAutoscaling": False, "serverReplicas": 1, "serverDisruptionBudget": False}, False),
        ({"serverMinReplicas": 1, "serverMaxReplicas": 2, "serverDisruptionBudget": False}, True),
        (OPEN_UI, True),  # without the gate, straight to the server pods
    ],
    ids=["prod-hpa", "prod-fixed-3", "prod-single", "prod-hpa-from-1", "prod-no-gate"],
)
def test_cookie_affinity_exactly_when_the_server_may_run_more_than_one_pod(overrides, expected):
    assert has_cookie_affinity(variant("prod", **overrides)) is expected


def test_no_cookie_affinity_in_dev(dev):
    assert not has_cookie_affinity(dev)


def test_affinity_cookie_travels_with_api_calls(prod):
    a = annotations(prod.get("Ingress", "archon"))
    assert a.get(f"{NGINX}/session-cookie-path", "/") == "/"
    assert a[f"{NGINX}/session-cookie-name"]


# --- MCP exposure ---------------------------------------------------------------------------------


def test_prod_publishes_mcp_behind_its_credential_gate(prod):
    ingress = prod.get("Ingress", "archon-mcp")
    assert routes(ingress) == {"/mcp": ("Prefix", "archon-mcp-auth", 4180)}
    assert not [s for s in prod.of_kind("Service") if s["spec"]["type"] == "LoadBalancer"]
    assert config(prod)["MCP_PUBLIC_URL"] == f"mcp.{UI_HOST}:443"
    assert prod.outputs["mcpUrl"] == f"https://mcp.{UI_HOST}/mcp"


def test_mcp_on_a_load_balancer():
    r = variant("prod", **MCP_LOAD_BALANCER)
    spec = r.get("Service", "archon-mcp-public")["spec"]
    assert spec["type"] == "LoadBalancer"
    assert spec["externalTrafficPolicy"] == "Local"
    assert spec["loadBalancerSourceRanges"] == ["203.0.113.0/24"]
    assert [(p["port"], p["targetPort"]) for p in spec["ports"]] == [(8051, 8051)]
    assert spec["selector"] == r.get("Deployment", "archon-mcp")["spec"]["selector"]["matchLabels"]
    assert [i["metadata"]["name"] for i in r.of_kind("Ingress")] == ["archon"]
    host, port = config(r)["MCP_PUBLIC_URL"].rsplit(":", 1)
    assert (host, int(port)) == (UI_HOST, 8051)
    assert r.outputs["mcpUrl"] == f"http://{UI_HOST}:8051/mcp"


def test_unexposed_mcp_has_neither_ingress_nor_load_balancer(dev):
    assert [i["metadata"]["name"] for i in dev.of_kind("Ingress")] == ["archon"]
    assert not [s for s in dev.of_kind("Service") if s["spec"]["type"] != "ClusterIP"]
    assert config(dev)["MCP_PUBLIC_URL"] == "localhost:8051"
    assert "port-forward" in dev.outputs["mcpAccess"]


def test_mcp_behind_the_ingress_without_a_gate():
    r = variant("prod", **MCP_INGRESS)
    ingress = r.get("Ingress", "archon-mcp")
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == "mcp.automatizase.com.br"
    assert routes(ingress)["/mcp"] == ("Prefix", "archon-mcp", 8051)
    assert annotations(ingress)[f"{NGINX}/whitelist-source-range"] == "203.0.113.0/24"
    assert ingress["spec"]["tls"][0]["hosts"] == ["mcp.automatizase.com.br"]
    assert config(r)["MCP_PUBLIC_URL"] == "mcp.automatizase.com.br:443"
    assert r.outputs["mcpUrl"] == "https://mcp.automatizase.com.br/mcp"


@pytest.mark.parametrize(("replicas", "hashed"), [(1, False), (2, True)])
def test_mcp_session_affinity_only_with_more_than_one_pod(replicas, hashed):
    for overrides in ({}, MCP_INGRESS):  # through the gate, and straight to MCP
        ingress = variant("prod", **overrides, mcpReplicas=replicas).get("Ingress", "archon-mcp")
        assert (annotations(ingress).get(f"{NGINX}/upstream-hash-by") == "$http_mcp_session_id") is hashed
        assert annotations(ingress)[f"{NGINX}/proxy-buffering"] == "off"


@pytest.mark.parametrize("overrides", [{}, MCP_INGRESS, MCP_LOAD_BALANCER], ids=["gate", "ingress", "load-balancer"])
def test_client_configuration_points_at_the_public_mcp_url(overrides):
    r = variant("prod", **overrides)
    client = json.loads(r.outputs["mcpClientConfig"])
    assert client["mcpServers"]["archon"]["url"] == r.outputs["mcpUrl"]
    host = config(r)["MCP_PUBLIC_URL"].rsplit(":", 1)[0]
    assert host in r.outputs["mcpUrl"]
