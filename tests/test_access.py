"""Access control at the edge: the gates (oauth2-proxy) for the UI and API and for MCP, source
ranges, and production's refusal of an open surface. What the gates do with real requests is
proven in test_access_proxy.py, against the real oauth2-proxy."""

from __future__ import annotations

import json

import pytest

from harness import FAKE_MCP_HTPASSWD, FAKE_SECRETS, Rendered, render
from helpers_k8s import assert_restricted_pod, env_of
from verify.secrets import leaks

OIDC = {
    "uiAccess": "oidc",
    "oidcIssuerUrl": "https://id.example.com/realms/archon",
    "oidcClientId": "archon",
    "oidcEmailDomains": ["example.com"],
}
BASIC = {"uiAccess": "basicAuth"}
MCP_CREDENTIAL = {"mcpExposure": "ingress", "mcpPublicUrl": "mcp.archon.localhost:80", "mcpAuth": "credential"}
GATEWAY = {"exposure": "gateway", "gateway": "gateway-system/public"}
NO_OIDC = {"oidcIssuerUrl": "", "oidcClientId": "", "oidcEmailDomains": []}


def paths(r: Rendered, ingress: str) -> list[tuple[str, str, str, int]]:
    (rule,) = r.get("Ingress", ingress)["spec"]["rules"]
    return [
        (p["path"], p["pathType"], p["backend"]["service"]["name"], p["backend"]["service"]["port"]["number"])
        for p in rule["http"]["paths"]
    ]


def args(r: Rendered, deployment: str) -> list[str]:
    return r.container(deployment)["args"]


# ---- the shipped prod stack -------------------------------------------------------------------


def test_prod_signs_users_in_and_asks_mcp_clients_for_a_credential(prod: Rendered) -> None:
    assert paths(prod, "archon") == [("/", "Prefix", "archon-auth", 4180)]
    assert paths(prod, "archon-mcp") == [("/mcp", "Prefix", "archon-mcp-auth", 4180)]
    assert "--provider=oidc" in args(prod, "archon-auth")
    assert "--redirect-url=https://archon.automatizase.com.br/oauth2/callback" in args(prod, "archon-auth")
    assert not prod.of_kind("Service") or all(s["spec"]["type"] == "ClusterIP" for s in prod.of_kind("Service"))


def test_prod_examples_are_marked() -> None:
    from harness import ROOT

    text = (ROOT / "Pulumi.prod.yaml").read_text()
    for key in ("oidcIssuerUrl", "oidcClientId"):
        (line,) = [line for line in text.splitlines() if line.strip().startswith(f"archon:{key}:")]
        assert "EXAMPLE" in line


# ---- the UI's gate ----------------------------------------------------------------------------


@pytest.mark.parametrize("access", [OIDC, BASIC], ids=["oidc", "basicAuth"])
def test_the_ui_gate_is_a_secure_by_default_service(access: dict) -> None:
    r = render("dev", access)
    spec = r.pod_spec("archon-auth")
    assert_restricted_pod(spec, 65532)
    assert spec["automountServiceAccountToken"] is False
    container = r.container("archon-auth")
    assert container["ports"] == [{"name": "http", "containerPort": 4180, "protocol": "TCP"}]
    assert container["livenessProbe"]["httpGet"]["path"] == "/ping"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["image"].startswith("quay.io/oauth2-proxy/oauth2-proxy:v7.15.6")
    assert r.get("Service", "archon-auth")["spec"]["ports"][0]["port"] == 4180
    # Every path of the UI's host goes through it; it proxies to what the edge would have.
    assert paths(r, "archon") == [("/", "Prefix", "archon-auth", 4180)]
    assert {a for a in args(r, "archon-auth") if a.startswith("--upstream=")} == {
        "--upstream=http://archon-server:8181/api",
        "--upstream=http://archon-server:8181/api/",
        "--upstream=http://archon-server:8181/health",
        "--upstream=http://archon-frontend:3737/",
    }
    assert "--api-route=^/api/" in args(r, "archon-auth")


def test_oidc_settings_reach_the_gate_and_secrets_only_through_key_refs() -> None:
    r = render("dev", {**OIDC, "oidcGroups": ["archon-users"]})
    gate = args(r, "archon-auth")
    for expected in (
        "--provider=oidc",
        "--oidc-issuer-url=https://id.example.com/realms/archon",
        "--client-id=archon",
        "--email-domain=example.com",
        "--allowed-group=archon-users",
        "--redirect-url=http://archon.localhost/oauth2/callback",
        "--cookie-secure=false",  # dev has no TLS
    ):
        assert expected in gate
    env = env_of(r, r.container("archon-auth"))
    secret = r.find("Secret", "archon-auth-secrets")["metadata"]["name"]
    assert env["OAUTH2_PROXY_CLIENT_SECRET"] == {"secretKeyRef": {"name": secret, "key": "OIDC_CLIENT_SECRET"}}
    assert env["OAUTH2_PROXY_COOKIE_SECRET"] == {"secretKeyRef": {"name": secret, "key": "AUTH_COOKIE_SECRET"}}
    # The gates' Secret holds what they read, as Pulumi secrets; the cookie key is derived per gate.
    data = r.find("Secret", "archon-auth-secrets")["stringData"]
    assert set(data) == {"AUTH_COOKIE_SECRET", "OIDC_CLIENT_SECRET"}
    assert data["AUTH_COOKIE_SECRET"] != FAKE_SECRETS["authCookieSecret"]
    assert leaks([o for o in r.objects if o["kind"] != "Secret"], FAKE_SECRETS.values()) == []
    assert all(kind == "Secret" for kind, _, _ in r.secret_paths)


def test_each_gate_has_its_own_cookie_key() -> None:
    r = render("prod")
    data = r.find("Secret", "archon-auth-secrets")["stringData"]
    assert data["AUTH_COOKIE_SECRET"] != data["MCP_AUTH_COOKIE_SECRET"]
    assert set(data) == {"AUTH_COOKIE_SECRET", "MCP_AUTH_COOKIE_SECRET", "OIDC_CLIENT_SECRET", "MCP_HTPASSWD"}


def test_basic_auth_checks_htpasswd_users_with_a_form_of_its_own() -> None:
    r = render("dev", BASIC)
    gate = args(r, "archon-auth")
    assert "--htpasswd-file=/etc/oauth2-proxy/htpasswd/htpasswd" in gate
    assert "--custom-templates-dir=/etc/oauth2-proxy/templates" in gate
    volumes = {v["name"]: v for v in r.pod_spec("archon-auth")["volumes"]}
    assert volumes["htpasswd"]["secret"]["items"] == [{"key": "UI_HTPASSWD", "path": "htpasswd"}]
    templates = r.find("ConfigMap", "archon-auth-templates")
    assert "/sign_in" in templates["data"]["sign_in.html"] and "Sign in with" not in templates["data"]["sign_in.html"]
    mounts = {m["name"]: m for m in r.container("archon-auth")["volumeMounts"]}
    assert mounts["htpasswd"]["readOnly"] is True and mounts["templates"]["readOnly"] is True


# ---- MCP's gate -------------------------------------------------------------------------------


def test_mcp_clients_show_a_credential_at_the_edge() -> None:
    r = render("dev", MCP_CREDENTIAL)
    assert paths(r, "archon-mcp") == [("/mcp", "Prefix", "archon-mcp-auth", 4180)]
    gate = args(r, "archon-mcp-auth")
    assert "--api-route=^/" in gate  # 401, never a login page
    assert {a for a in gate if a.startswith("--upstream=")} == {
        "--upstream=http://archon-mcp:8051/mcp",
        "--upstream=http://archon-mcp:8051/mcp/",
    }
    volumes = {v["name"]: v for v in r.pod_spec("archon-mcp-auth")["volumes"]}
    assert volumes["htpasswd"]["secret"]["items"] == [{"key": "MCP_HTPASSWD", "path": "htpasswd"}]
    assert "archon-auth" not in {d["metadata"]["name"] for d in r.of_kind("Deployment")}  # the UI stays open in dev


def test_the_mcp_client_configuration_names_the_credential_never_holds_it() -> None:
    r = render("dev", MCP_CREDENTIAL)
    config = json.loads(r.outputs["mcpClientConfig"])
    assert config["mcpServers"]["archon"] == {
        "type": "http",
        "url": "http://mcp.archon.localhost/mcp",
        "headers": {"Authorization": "Basic ${ARCHON_MCP_CREDENTIAL}"},
    }
    assert FAKE_MCP_HTPASSWD.split(":")[1] not in r.outputs["mcpClientConfig"]


# ---- source ranges ----------------------------------------------------------------------------


def test_ui_source_ranges_are_enforced_by_ingress_nginx() -> None:
    r = render("dev", {"uiAccess": "sourceRanges", "uiSourceRanges": ["203.0.113.0/24", "198.51.100.0/24"]})
    annotations = r.get("Ingress", "archon")["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/whitelist-source-range"] == "203.0.113.0/24,198.51.100.0/24"
    assert paths(r, "archon")[0][2] == "archon-server"  # no gate


def test_mcp_source_ranges_on_the_mcp_ingress() -> None:
    r = render("dev", {**MCP_CREDENTIAL, "mcpAuth": "none", "mcpSourceRanges": ["203.0.113.0/24"]})
    annotations = r.get("Ingress", "archon-mcp")["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/whitelist-source-range"] == "203.0.113.0/24"


# ---- production refuses an open surface -------------------------------------------------------


def test_production_may_acknowledge_a_private_open_surface() -> None:
    r = render("prod", {"uiAccess": "none", **NO_OIDC, "allowUnauthenticatedAccess": True})
    assert r.get("Ingress", "archon")["metadata"]["annotations"]["access.archon/unauthenticated"] == "acknowledged"
    assert "access.archon/unauthenticated" not in r.get("Ingress", "archon-mcp")["metadata"]["annotations"]


def test_no_gate_no_gate_objects(dev: Rendered) -> None:
    names = {o["metadata"]["name"] for o in dev.objects}
    assert not {n for n in names if n.startswith(("archon-auth", "archon-mcp-auth"))}
