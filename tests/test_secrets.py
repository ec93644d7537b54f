"""Secrets stay secrets: only the Secret holds them, as Pulumi secrets; pods get secretKeyRefs;
with existingSecret no value is read or rendered at all."""

from __future__ import annotations

import copy

import pytest

from harness import FAKE_SECRETS, SHIPPED_STACKS, Rendered, render, stack_file_config
from helpers_k8s import AGENTS
from verify.secrets import leaks, unprotected_secret_data

SECRET_ENV = {"SUPABASE_URL", "SUPABASE_SERVICE_KEY", "OPENAI_API_KEY", "LOGFIRE_TOKEN"}
# Stacks whose Secret the program manages (all shipped ones); `make render` and operators who
# keep credentials elsewhere name an existingSecret instead.
MANAGED = [s for s in SHIPPED_STACKS if not stack_file_config(s).get("existingSecret")]
EXISTING_SECRET = {"existingSecret": "archon-credentials"}


ARCHON_SECRETS = ("supabaseUrl", "supabaseServiceKey", "openaiApiKey", "logfireToken")


@pytest.mark.parametrize("stack", MANAGED)
def test_no_secret_value_outside_the_secret(stack: str) -> None:
    """Archon's credentials live in archon-secrets; the gates' (when the stack has gates) in
    archon-auth-secrets, the cookie key only in derived form; nothing else holds any of them."""
    rendered = render(stack, AGENTS)
    secrets = {s["metadata"]["name"].rsplit("-", 1)[0]: s for s in rendered.of_kind("Secret")}
    outside = [o for o in rendered.objects if o["kind"] != "Secret"]
    assert leaks(outside, FAKE_SECRETS.values()) == []
    assert set(secrets["archon-secrets"]["stringData"].values()) == {FAKE_SECRETS[k] for k in ARCHON_SECRETS}
    gates = secrets.get("archon-auth-secrets", {"stringData": {}})["stringData"]
    assert FAKE_SECRETS["authCookieSecret"] not in gates.values()
    assert leaks([secrets["archon-secrets"]], [v for k, v in FAKE_SECRETS.items() if k not in ARCHON_SECRETS]) == []


@pytest.mark.parametrize("stack", MANAGED)
def test_secret_data_is_a_pulumi_secret(stack: str) -> None:
    rendered = render(stack)
    assert rendered.of_kind("Secret")
    assert unprotected_secret_data(rendered.objects, rendered.secret_paths) == []


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_pods_read_credentials_only_through_secret_key_refs(stack: str) -> None:
    rendered = render(stack)
    managed = rendered.of_kind("Secret")
    secret_name = managed[0]["metadata"]["name"] if managed else stack_file_config(stack)["existingSecret"]
    for deployment in rendered.of_kind("Deployment"):
        spec = deployment["spec"]["template"]["spec"]
        for container in spec["containers"] + spec.get("initContainers", []):
            for env in container.get("env", []):
                if env["name"] in SECRET_ENV:
                    assert "value" not in env
                    ref = dict(env["valueFrom"]["secretKeyRef"])
                    # A Secret managed elsewhere may lack the optional keys.
                    optional = ref.pop("optional", False)
                    assert ref == {"name": secret_name, "key": env["name"]}
                    assert optional == (not managed and env["name"] in {"OPENAI_API_KEY", "LOGFIRE_TOKEN"})


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_a_stack_with_an_existing_secret_renders_no_value(stack: str) -> None:
    sentinel = {key: f"must-never-be-read-{key}" for key in FAKE_SECRETS}
    rendered = render(stack, EXISTING_SECRET, secrets=sentinel)
    assert rendered.of_kind("Secret") == []
    assert leaks(rendered.objects, sentinel.values()) == []


def test_existing_secret_reads_and_renders_no_value() -> None:
    sentinel = {key: f"must-never-be-read-{key}" for key in FAKE_SECRETS}
    rendered = render("prod", {"existingSecret": "archon-credentials"}, secrets=sentinel)
    assert rendered.of_kind("Secret") == []
    assert leaks(rendered.objects, sentinel.values()) == []
    assert not any(value in repr(r.inputs) for r in rendered.resources for value in sentinel.values())
    refs = {
        env["valueFrom"]["secretKeyRef"]["name"]
        for d in rendered.of_kind("Deployment")
        for env in d["spec"]["template"]["spec"]["containers"][0].get("env", [])
        if "valueFrom" in env
    }
    assert refs == {"archon-credentials"}


def test_the_checks_catch_a_seeded_leak(prod: Rendered) -> None:
    objects = copy.deepcopy(prod.objects)
    server = next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "archon-server")
    env = server["spec"]["template"]["spec"]["containers"][0]["env"]
    env.append({"name": "DEBUG_KEY", "value": f"key={FAKE_SECRETS['supabaseServiceKey']}"})
    assert leaks(objects, FAKE_SECRETS.values()) == [
        f"Deployment/archon-server/spec/template/spec/containers/0/env/{len(env) - 1}/value"
    ]
    assert unprotected_secret_data(objects, set()) == [
        f"Secret/{secret['metadata']['name']}/stringData/{k}"
        for secret in objects
        if secret["kind"] == "Secret"
        for k in secret["stringData"]
    ]
