"""The shared ConfigMap and Secret, how every Python service reads them, and how a change to either
rolls the pods without `kubectl rollout restart`."""

from __future__ import annotations

import pytest

from harness import FAKE_SECRETS, render
from helpers_k8s import (
    PYTHON_SERVICES,
    env_of,
    pod_template,
    strings,
    values_of_key,
    variant,
    with_agents,
)

SECRET_KEYS = ("SUPABASE_URL", "SUPABASE_SERVICE_KEY", "OPENAI_API_KEY", "LOGFIRE_TOKEN")
SEED_CONFIG_KEYS = (
    "SERVICE_DISCOVERY_MODE",
    "LOG_LEVEL",
    "ARCHON_SERVER_PORT",
    "ARCHON_MCP_PORT",
    "ARCHON_AGENTS_PORT",
    "ARCHON_HOST",
    "TRANSPORT",
    "AGENTS_ENABLED",
    "PLAYWRIGHT_BROWSERS_PATH",
    "MCP_PUBLIC_URL",
    "CHROMIUM_DISABLE_DEV_SHM",
    "CHROMIUM_HEADLESS",
)
# What both image families need on every Python service (requirement 4).
EVERY_PYTHON_SERVICE = {
    "DOCKER_CONTAINER": "true",
    "SERVICE_DISCOVERY_MODE": "kubernetes",
    "API_SERVICE_URL": "http://archon-server:8181",
    "MCP_SERVICE_URL": "http://archon-mcp:8051",
    "AGENTS_SERVICE_URL": "http://archon-agents:8052",
    "ARCHON_SERVER_PORT": "8181",
    "ARCHON_MCP_PORT": "8051",
    "ARCHON_AGENTS_PORT": "8052",
}


def config_map(r):
    return r.find("ConfigMap", "archon-config")


def secret(r):
    return r.find("Secret", "archon-secrets")


@pytest.mark.parametrize("key", SEED_CONFIG_KEYS)
def test_config_map_has_the_guides_keys(shipped, key):
    assert config_map(shipped)["data"][key]


def test_mcp_public_url_per_environment(prod, dev):
    assert config_map(dev)["data"]["MCP_PUBLIC_URL"] == "localhost:8051"
    # The guide put production's MCP on archon.automatizase.com.br:8051 (a LoadBalancer). A
    # LoadBalancer cannot check a credential, so prod publishes MCP on its own HTTPS host, behind
    # its credential gate; the LoadBalancer remains a choice (test_ingress.py).
    assert config_map(prod)["data"]["MCP_PUBLIC_URL"] == "mcp.archon.automatizase.com.br:443"


def test_log_level_follows_the_stack(prod, dev):
    assert config_map(dev)["data"]["LOG_LEVEL"] == "DEBUG"
    assert config_map(prod)["data"]["LOG_LEVEL"] == "INFO"
    assert config_map(variant("prod", logLevel="WARNING"))["data"]["LOG_LEVEL"] == "WARNING"


@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize("service", PYTHON_SERVICES)
def test_every_python_service_gets_discovery_env_from_the_config_map(stack, service):
    r = with_agents(stack)
    container = r.container(service)
    assert [s["configMapRef"]["name"] for s in container["envFrom"]] == [config_map(r)["metadata"]["name"]]
    env = env_of(r, container)
    assert {k: env.get(k) for k in EVERY_PYTHON_SERVICE} == EVERY_PYTHON_SERVICE
    assert {k: config_map(r)["data"].get(k) for k in EVERY_PYTHON_SERVICE} == EVERY_PYTHON_SERVICE


def test_secret_holds_the_four_keys_as_pulumi_secrets(prod):
    s = secret(prod)
    data = s.get("stringData") or s.get("data")
    assert set(data) == set(SECRET_KEYS)
    assert data["SUPABASE_SERVICE_KEY"] == FAKE_SECRETS["supabaseServiceKey"]
    field = "/stringData" if "stringData" in s else "/data"
    marked = {p for kind, name, p in prod.secret_paths if (kind, name) == ("Secret", s["metadata"]["name"])}
    for key in SECRET_KEYS:
        assert any(f"{field}/{key}".startswith(p) for p in marked), f"{key} is not a Pulumi secret"


@pytest.mark.parametrize("service", PYTHON_SERVICES)
def test_secrets_reach_pods_only_as_secret_key_refs(service):
    r = with_agents()
    name = secret(r)["metadata"]["name"]
    env = env_of(r, r.container(service))
    for key in SECRET_KEYS:
        assert env[key] == {"secretKeyRef": {"name": name, "key": key}}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_secret_value_outside_the_secret(stack):
    r = with_agents(stack)
    leaked = [
        (o["kind"], o["metadata"]["name"])
        for o in r.objects
        if o["kind"] != "Secret"
        for text in strings(o)
        for value in FAKE_SECRETS.values()
        if value in text
    ]
    leaked += [name for name, value in r.outputs.items() for s in FAKE_SECRETS.values() if s in str(value)]
    assert not leaked


def test_optional_keys_left_out_when_not_set():
    gates = ("oidcClientSecret", "authCookieSecret", "mcpHtpasswd")  # what prod's gates need
    required = {k: FAKE_SECRETS[k] for k in ("supabaseUrl", "supabaseServiceKey", *gates)}
    r = render("prod", secrets=required)
    assert set(secret(r)["stringData"]) == {"SUPABASE_URL", "SUPABASE_SERVICE_KEY"}
    present = {s["metadata"]["name"]: set(s["stringData"]) for s in r.of_kind("Secret")}
    for ref in values_of_key(r.objects, "secretKeyRef"):
        assert ref["key"] in present[ref["name"]] or ref.get("optional"), f"pods would wait for {ref['key']}"


@pytest.fixture(scope="module")
def existing():
    """existingSecret set and no secret values in config at all."""
    return render("prod", overrides={"existingSecret": "archon-managed", "agentsEnabled": True}, secrets={})


class TestExistingSecret:
    def test_no_secret_object(self, existing):
        assert not existing.of_kind("Secret")

    @pytest.mark.parametrize("service", PYTHON_SERVICES)
    def test_refs_point_at_it(self, existing, service):
        env = env_of(existing, existing.container(service))
        for key in SECRET_KEYS:
            ref = env[key]["secretKeyRef"]
            assert (ref["name"], ref["key"]) == ("archon-managed", key)
            assert ref.get("optional", False) is (key in ("OPENAI_API_KEY", "LOGFIRE_TOKEN"))

    def test_secret_values_are_not_read(self):
        r = render("prod", overrides={"existingSecret": "archon-managed"})  # fake secrets still in config
        assert not r.of_kind("Secret")
        assert not [t for o in r.objects for t in strings(o) for v in FAKE_SECRETS.values() if v in t]


# --- config or secret changes roll the pods -------------------------------------------------


@pytest.mark.parametrize("kind", ["ConfigMap", "Secret"])
def test_config_map_and_secret_are_auto_named(prod, kind):
    for reg in [x for x in prod.resources if x.type == f"kubernetes:core/v1:{kind}"]:
        assert "name" not in reg.inputs.get("metadata", {}), f"a fixed {kind} name never changes, so pods never roll"


def test_provider_keeps_config_maps_and_secrets_immutable(prod):
    (provider,) = [x for x in prod.resources if x.type == "pulumi:providers:kubernetes"]
    assert str(provider.inputs.get("enableConfigMapMutable", "false")).lower() != "true"
    assert str(provider.inputs.get("enableSecretMutable", "false")).lower() != "true"


def test_deployments_reference_the_rendered_names(prod):
    cm, s = config_map(prod)["metadata"]["name"], secret(prod)["metadata"]["name"]
    for service in ("archon-server", "archon-mcp"):
        template = pod_template(prod, service)
        assert {ref["name"] for ref in values_of_key(template, "configMapRef")} == {cm}
        assert {ref["name"] for ref in values_of_key(template, "secretKeyRef")} == {s}


def _without(template, key):
    """The pod template with every reference of kind `key` blanked out."""
    if isinstance(template, dict):
        return {k: ("<ref>" if k == key else _without(v, key)) for k, v in template.items()}
    if isinstance(template, list):
        return [_without(v, key) for v in template]
    return template


@pytest.mark.parametrize(
    ("change", "ref"),
    [
        ({"overrides": {"logLevel": "DEBUG"}}, "configMapRef"),
        ({"secrets": {**FAKE_SECRETS, "openaiApiKey": "sk-another-fake-key"}}, "secretKeyRef"),
    ],
)
@pytest.mark.parametrize("service", ["archon-server", "archon-mcp"])
def test_a_change_rolls_the_pods(change, ref, service):
    before = pod_template(render("prod"), service)
    after = pod_template(render("prod", **change), service)
    names = lambda t: {r["name"] for r in values_of_key(t, ref)}  # noqa: E731
    assert names(before) != names(after), "the pod template does not change, so the pods do not roll"
    assert _without(before, ref) == _without(after, ref), "something other than the reference changed"


def test_unchanged_config_does_not_roll():
    first = pod_template(render("prod"), "archon-server")
    second = pod_template(render("prod"), "archon-server")
    assert first == second
