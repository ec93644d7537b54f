"""Malformed or dangerous configuration: one clear error per problem, naming the key and the fix,
raised before the program registers any resource (not even the provider)."""

from __future__ import annotations

from typing import Any

import pytest

from archon.settings import InvalidConfiguration
from harness import FAKE_SECRETS, render

WITHOUT = object()  # marks a secret that the case leaves unset
# prod, with MCP on a LoadBalancer restricted to one network instead of behind its gate
LB = {"mcpExposure": "loadBalancer", "mcpAuth": "none", "mcpPublicUrl": "archon.example.com:8051"}
LB_RESTRICTED = {**LB, "mcpSourceRanges": ["203.0.113.0/24"]}
NO_OIDC = {"oidcIssuerUrl": "", "oidcClientId": "", "oidcEmailDomains": []}
GATEWAY = {
    "exposure": "gateway",
    "gateway": "gateway-system/public",
    "gatewayApiChannel": "experimental",
    "tlsIssuer": "",
}

CASES: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    # (case, config overrides, secret overrides, the key the error must name)
    ("wrong type: replicas", {"mcpReplicas": "two"}, {}, "mcpReplicas"),
    ("wrong type: boolean", {"agentsEnabled": "maybe"}, {}, "agentsEnabled"),
    ("wrong type: list", {"internetEgressExcept": "10.0.0.0/8"}, {}, "internetEgressExcept"),
    ("unknown enum value", {"mcpExposure": "public"}, {}, "mcpExposure"),
    ("unknown log level", {"logLevel": "VERBOSE"}, {}, "logLevel"),
    ("invalid namespace name", {"namespace": "Archon_Prod"}, {}, "namespace"),
    ("not a quantity", {"serverCpuRequest": "lots"}, {}, "serverCpuRequest"),
    ("request above limit", {"serverMemoryRequest": "4Gi"}, {}, "serverMemoryRequest"),
    ("utilization above 100%", {"serverCpuUtilization": 150}, {}, "serverCpuUtilization"),
    ("malformed CIDR", {"internetEgressExcept": ["10.0.0.0/33"]}, {}, "internetEgressExcept"),
    ("malformed label selector", {"ingressPodLabels": ["ingress-nginx"]}, {}, "ingressPodLabels"),
    ("port out of range", {"crawlerEgressPorts": [0]}, {}, "crawlerEgressPorts"),
    ("malformed digest", {"serverDigest": "sha256:abc"}, {}, "serverDigest"),
    ("invalid existing secret name", {"existingSecret": "Bad Name"}, {}, "existingSecret"),
    ("no Kubernetes context", {"kubeContext": ""}, {}, "kubeContext"),
    ("no UI host", {"uiHost": ""}, {}, "uiHost"),
    ("production without TLS", {"tlsIssuer": "", "mcpPublicUrl": "mcp.archon.example.com:80"}, {}, "tlsIssuer"),
    ("mutable tag in production", {"serverTag": "latest", "serverDigest": ""}, {}, "serverTag"),
    ("*-latest tag in production", {"frontendTag": "k8s-latest", "frontendDigest": ""}, {}, "frontendTag"),
    ("HPA min above max", {"serverMinReplicas": 6}, {}, "serverMaxReplicas"),
    (
        "budget over one pod blocks drains",
        {"serverAutoscaling": False, "serverReplicas": 1},
        {},
        "serverDisruptionBudget",
    ),
    ("budget over an HPA floor of one", {"frontendMinReplicas": 1}, {}, "frontendDisruptionBudget"),
    ("MCP URL with scheme and path", {"mcpPublicUrl": "https://archon.example.com/mcp"}, {}, "mcpPublicUrl"),
    ("MCP URL without port", {"mcpPublicUrl": "archon.example.com"}, {}, "mcpPublicUrl"),
    ("MCP LoadBalancer at localhost", {**LB_RESTRICTED, "mcpPublicUrl": "localhost:8051"}, {}, "mcpPublicUrl"),
    (
        "MCP LoadBalancer on another port",
        {**LB_RESTRICTED, "mcpPublicUrl": "archon.example.com:9000"},
        {},
        "mcpPublicUrl",
    ),
    ("unexposed MCP at a public host", {"mcpExposure": "none", "mcpAuth": "none"}, {}, "mcpPublicUrl"),
    ("MCP ingress not on 443", {"mcpPublicUrl": "mcp.example.com:8051"}, {}, "mcpPublicUrl"),
    ("MCP LoadBalancer open by default", LB, {}, "mcpSourceRanges"),
    ("MCP LoadBalancer open to the internet", {**LB, "mcpSourceRanges": ["0.0.0.0/0"]}, {}, "mcpSourceRanges"),
    ("MCP LoadBalancer open to the IPv6 internet", {**LB, "mcpSourceRanges": ["::/0"]}, {}, "mcpSourceRanges"),
    ("MCP scaled without affinity", {**LB_RESTRICTED, "mcpReplicas": 2}, {}, "mcpReplicas"),
    ("MCP credential on a LoadBalancer", {**LB_RESTRICTED, "mcpAuth": "credential"}, {}, "mcpAuth"),
    ("MCP credential without users", {}, {"mcpHtpasswd": WITHOUT}, "mcpHtpasswd"),
    ("htpasswd entry that is not bcrypt", {}, {"mcpHtpasswd": "mcp-client:{SHA}abc"}, "mcpHtpasswd"),
    ("open MCP in production", {"mcpAuth": "none"}, {}, "mcpAuth"),
    ("MCP source ranges behind a Gateway", {**GATEWAY, "mcpSourceRanges": ["203.0.113.0/24"]}, {}, "mcpSourceRanges"),
    ("open UI in production", {**NO_OIDC, "uiAccess": "none"}, {}, "uiAccess"),
    ("OIDC without issuer", {"oidcIssuerUrl": ""}, {}, "oidcIssuerUrl"),
    ("OIDC issuer over plain http", {"oidcIssuerUrl": "http://id.example.com"}, {}, "oidcIssuerUrl"),
    ("OIDC without client id", {"oidcClientId": ""}, {}, "oidcClientId"),
    ("OIDC that lets nobody in", {"oidcEmailDomains": []}, {}, "oidcEmailDomains"),
    ("OIDC without client secret", {}, {"oidcClientSecret": WITHOUT}, "oidcClientSecret"),
    ("OIDC settings left over", {"uiAccess": "basicAuth"}, {}, "uiAccess"),
    ("gates without a cookie key", {}, {"authCookieSecret": WITHOUT}, "authCookieSecret"),
    ("cookie key too short", {}, {"authCookieSecret": "short"}, "authCookieSecret"),
    ("basicAuth without users", {**NO_OIDC, "uiAccess": "basicAuth"}, {"uiHtpasswd": WITHOUT}, "uiHtpasswd"),
    ("sourceRanges without networks", {**NO_OIDC, "uiAccess": "sourceRanges"}, {}, "uiSourceRanges"),
    (
        "sourceRanges behind a Gateway",
        {**NO_OIDC, **GATEWAY, "uiAccess": "sourceRanges", "uiSourceRanges": ["203.0.113.0/24"]},
        {},
        "uiAccess",
    ),
    ("UI source ranges left over", {"uiSourceRanges": ["203.0.113.0/24"]}, {}, "uiSourceRanges"),
    ("gateway exposure without a Gateway", {**GATEWAY, "gateway": ""}, {}, "gateway"),
    ("Gateway that is no namespace/name", {**GATEWAY, "gateway": "public"}, {}, "gateway"),
    ("Gateway named with ingress exposure", {"gateway": "gateway-system/public"}, {}, "gateway"),
    ("certificate issuer behind a Gateway", {**GATEWAY, "tlsIssuer": "letsencrypt-prod"}, {}, "tlsIssuer"),
    (
        "production behind a plain-HTTP Gateway listener",
        {**GATEWAY, "gatewayTls": False, "mcpPublicUrl": "mcp.archon.example.com:80"},
        {},
        "gatewayTls",
    ),
    (
        "server scaled behind a standard-channel Gateway",
        {**GATEWAY, "gatewayApiChannel": "standard"},
        {},
        "serverAutoscaling",
    ),
    ("server scaled without cookie affinity", {"ingressClassName": "traefik"}, {}, "serverAutoscaling"),
    (
        "scratch volumes above the storage limit",
        {"serverEphemeralStorageLimit": "1Gi"},
        {},
        "serverEphemeralStorageLimit",
    ),
    ("missing Supabase URL", {}, {"supabaseUrl": WITHOUT}, "supabaseUrl"),
    ("missing service key", {}, {"supabaseServiceKey": WITHOUT}, "supabaseServiceKey"),
    ("http Supabase on a public host", {}, {"supabaseUrl": "http://fake-project.supabase.co"}, "supabaseUrl"),
    ("Supabase URL that is no URL", {}, {"supabaseUrl": "fake-project.supabase.co"}, "supabaseUrl"),
    ("OpenAI key without sk-", {}, {"openaiApiKey": "pk-123"}, "openaiApiKey"),
    ("publishable key as service key", {}, {"supabaseServiceKey": "sb_publishable_abc"}, "supabaseServiceKey"),
]


def _secrets(changes: dict[str, Any]) -> dict[str, Any]:
    merged = {**FAKE_SECRETS, **changes}
    return {k: v for k, v in merged.items() if v is not WITHOUT}


@pytest.mark.parametrize("overrides, secret_changes, key", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_config_is_refused_before_anything_is_registered(overrides: dict, secret_changes: dict, key: str) -> None:
    with pytest.raises(InvalidConfiguration) as caught:
        render("prod", overrides, _secrets(secret_changes))
    problems = caught.value.problems
    assert [p.key for p in problems] == [key], str(caught.value)
    assert f"archon:{key}: " in str(caught.value)
    assert problems[0].fix.startswith("pulumi config ") and f"archon:{key}" in problems[0].fix
    assert caught.value.registrations == []  # type: ignore[attr-defined]


def test_a_secret_set_in_plain_text_is_refused_before_anything_is_registered() -> None:
    secrets = dict(FAKE_SECRETS)
    plaintext = {"supabaseServiceKey": secrets.pop("supabaseServiceKey")}
    with pytest.raises(InvalidConfiguration) as caught:
        render("prod", secrets=secrets, plaintext=plaintext)
    assert [p.key for p in caught.value.problems] == ["supabaseServiceKey"]
    assert caught.value.registrations == []  # type: ignore[attr-defined]
    assert plaintext["supabaseServiceKey"] not in str(caught.value)


def test_a_valid_variant_of_the_same_settings_renders() -> None:
    """The cases above fail for their own reason: the same stack with a fix applied renders."""
    rendered = render("prod", {"serverTag": "latest", "mcpReplicas": 1})  # the digest pins it
    assert rendered.get("Deployment", "archon-server")
