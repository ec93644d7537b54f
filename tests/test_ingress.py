"""Ingress and MCP exposure: /api and /health to the server, / to the frontend, TLS in prod, cookie
affinity whenever the server may run more than one pod, MCP as configured and MCP_PUBLIC_URL to match."""

from __future__ import annotations

import json

import pytest

from helpers_k8s import MCP_INGRESS, variant

NGINX = "nginx.ingress.kubernetes.io"
UI_HOST = "archon.automatizase.com.br"


def ui_ingress(r):
    (ingress,) = [i for i in r.of_kind("Ingress") if "/api" in routes(i)]
    return ingress


def routes(ingress) -> dict[str, tuple[str, str, int]]:
    (rule,) = ingress["spec"]["rules"]
    return {
        p["path"]: (p["pathType"], p["backend"]["service"]["name"], p["backend"]["service"]["port"]["number"])
        for p in rule["http"]["paths"]
    }


def annotations(ingress) -> dict[str, str]:
    return ingress["metadata"].get("annotations") or {}


def mcp_ingresses(r):
    return [i for i in r.of_kind("Ingress") if any(b == "archon-mcp" for _, b, _ in routes(i).values())]


def config(r):
    return r.find("ConfigMap", "archon-config")["data"]


def test_api_and_health_go_to_the_server_the_rest_to_the_frontend(shipped):
    paths = routes(ui_ingress(shipped))
    assert paths["/api"] == ("Prefix", "archon-server", 8181)
    assert paths["/health"][1:] == ("archon-server", 8181)
    assert paths["/"] == ("Prefix", "archon-frontend", 3737)
    assert set(paths) == {"/api", "/health", "/"}


def test_prod_serves_https_with_cert_manager(prod):
    ingress = ui_ingress(prod)
    (tls,) = ingress["spec"]["tls"]
    assert tls["hosts"] == [UI_HOST] and tls["secretName"]
    assert annotations(ingress)["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"
    assert prod.outputs["uiUrl"] == f"https://{UI_HOST}"


def test_dev_serves_plain_http(dev):
    ingress = ui_ingress(dev)
    assert not ingress["spec"].get("tls")
    assert "cert-manager.io/cluster-issuer" not in annotations(ingress)


# --- server affinity ----------------------------------------------------------------------------


def has_cookie_affinity(r) -> bool:
    a = annotations(ui_ingress(r))
    return a.get(f"{NGINX}/affinity") == "cookie"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, True),  # HPA 2..5
        ({"serverAutoscaling": False, "serverReplicas": 3}, True),
        ({"serverAutoscaling": False, "serverReplicas": 1, "serverDisruptionBudget": False}, False),
        ({"serverMinReplicas": 1, "serverMaxReplicas": 2, "serverDisruptionBudget": False}, True),
    ],
    ids=["prod-hpa", "prod-fixed-3", "prod-single", "prod-hpa-from-1"],
)
def test_cookie_affinity_exactly_when_the_server_may_run_more_than_one_pod(overrides, expected):
    assert has_cookie_affinity(variant("prod", **overrides)) is expected


def test_no_cookie_affinity_in_dev(dev):
    assert not has_cookie_affinity(dev)


def test_affinity_cookie_travels_with_api_calls(prod):
    a = annotations(ui_ingress(prod))
    assert a.get(f"{NGINX}/session-cookie-path", "/") == "/"
    assert a[f"{NGINX}/session-cookie-name"]


# --- MCP exposure ---------------------------------------------------------------------------------


def test_prod_exposes_mcp_on_a_load_balancer(prod):
    service = prod.get("Service", "archon-mcp-public")
    spec = service["spec"]
    assert spec["type"] == "LoadBalancer"
    assert spec["externalTrafficPolicy"] == "Local"
    assert spec["loadBalancerSourceRanges"] == ["0.0.0.0/0"]
    assert [(p["port"], p["targetPort"]) for p in spec["ports"]] == [(8051, 8051)]
    assert spec["selector"] == prod.get("Deployment", "archon-mcp")["spec"]["selector"]["matchLabels"]
    assert not mcp_ingresses(prod)


def test_load_balancer_source_ranges_follow_config():
    r = variant("prod", mcpLoadBalancerSourceRanges=["203.0.113.0/24"])
    assert r.get("Service", "archon-mcp-public")["spec"]["loadBalancerSourceRanges"] == ["203.0.113.0/24"]


def test_load_balancer_mcp_public_url(prod):
    host, port = config(prod)["MCP_PUBLIC_URL"].rsplit(":", 1)
    assert (host, int(port)) == (UI_HOST, prod.get("Service", "archon-mcp-public")["spec"]["ports"][0]["port"])
    assert prod.outputs["mcpUrl"] == f"http://{UI_HOST}:8051/mcp"


def test_unexposed_mcp_has_neither_ingress_nor_load_balancer(dev):
    assert not mcp_ingresses(dev)
    assert not [s for s in dev.of_kind("Service") if s["spec"]["type"] != "ClusterIP"]
    assert config(dev)["MCP_PUBLIC_URL"] == "localhost:8051"
    assert "port-forward" in dev.outputs["mcpAccess"]


def test_mcp_behind_the_ingress():
    r = variant("prod", **MCP_INGRESS)
    (ingress,) = mcp_ingresses(r)
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == "mcp.automatizase.com.br"
    assert routes(ingress)["/mcp"][1:] == ("archon-mcp", 8051)
    assert ingress["spec"]["tls"][0]["hosts"] == ["mcp.automatizase.com.br"]
    assert annotations(ingress)["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"
    assert not [s for s in r.of_kind("Service") if s["spec"]["type"] == "LoadBalancer"]
    assert config(r)["MCP_PUBLIC_URL"] == "mcp.automatizase.com.br:443"
    assert r.outputs["mcpUrl"] == "https://mcp.automatizase.com.br/mcp"


@pytest.mark.parametrize(("replicas", "hashed"), [(1, False), (2, True)])
def test_mcp_session_affinity_only_with_more_than_one_pod(replicas, hashed):
    r = variant("prod", **MCP_INGRESS, mcpReplicas=replicas)
    (ingress,) = mcp_ingresses(r)
    assert (annotations(ingress).get(f"{NGINX}/upstream-hash-by") == "$http_mcp_session_id") is hashed
    assert (f"{NGINX}/upstream-hash-by" in annotations(ingress)) is hashed


@pytest.mark.parametrize("overrides", [{}, MCP_INGRESS], ids=["load-balancer", "ingress"])
def test_client_configuration_points_at_the_public_mcp_url(overrides):
    r = variant("prod", **overrides)
    client = json.loads(r.outputs["mcpClientConfig"])
    assert client["mcpServers"]["archon"]["url"] == r.outputs["mcpUrl"]
    host = config(r)["MCP_PUBLIC_URL"].rsplit(":", 1)[0]
    assert host in r.outputs["mcpUrl"]
