"""The settings layer: config keys match Pulumi.yaml, values parse, problems name key and fix."""

from __future__ import annotations

import base64
import json
from enum import Enum
from typing import Any, get_origin

import pytest
import yaml

from archon.settings import InvalidConfiguration, load_settings
from archon.settings.keys import DECLARED_KEYS, SECRET_KEYS
from harness import FAKE_SECRETS, ROOT, assemble_config, project_defaults

PULUMI_TYPES = {bool: "boolean", int: "integer", str: "string", list: "array"}


class DictSource:
    """Config as the engine hands it over: strings, some keys marked secret."""

    def __init__(self, values: dict[str, str], secret_keys: list[str]) -> None:
        self.values = {k.split(":", 1)[1]: v for k, v in values.items()}
        self.secret = {k.split(":", 1)[1] for k in secret_keys}

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def is_secret(self, key: str) -> bool:
        return key in self.secret


def load(stack: str = "prod", overrides: dict[str, Any] | None = None, secrets: dict[str, Any] | None = None):
    return load_settings(stack, DictSource(*assemble_config(stack, overrides, secrets)))


def problems(**overrides: Any) -> dict[str, str]:
    """{key: "message / fix"} of the problems a prod config with these overrides has."""
    with pytest.raises(InvalidConfiguration) as caught:
        load("prod", overrides)
    return {p.key: f"{p.message} / {p.fix}" for p in caught.value.problems}


def _pulumi_type(annotation: Any) -> str:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "string"
    origin = get_origin(annotation) or annotation
    if origin not in PULUMI_TYPES:  # Annotated[str, ...] and friends
        origin = annotation.__origin__ if hasattr(annotation, "__metadata__") else origin
    return PULUMI_TYPES[origin]


def test_every_declared_key_is_in_pulumi_yaml_with_type_description_and_default() -> None:
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    assert set(declared) == {key.name for key in DECLARED_KEYS}
    for key in DECLARED_KEYS:
        spec = declared[key.name]
        assert spec["type"] == _pulumi_type(key.field.annotation), key.name
        assert len(spec["description"]) > 20, key.name
        assert "default" in spec, key.name


def test_secret_keys_are_not_declared_so_existing_secret_stacks_need_none() -> None:
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    assert {k.name for k in SECRET_KEYS} == {
        "supabaseUrl",
        "supabaseServiceKey",
        "openaiApiKey",
        "logfireToken",
        "kubeconfig",
        "oidcClientSecret",
        "authCookieSecret",
        "uiHtpasswd",
        "mcpHtpasswd",
    }
    assert not {k.name for k in SECRET_KEYS} & set(declared)


def test_pulumi_yaml_defaults_are_well_formed_settings() -> None:
    """The defaults alone pass field validation; only cross-field rules (host, context) need a stack."""
    with pytest.raises(InvalidConfiguration) as caught:
        load_settings("defaults", DictSource(*assemble_config_only_defaults()))
    assert {p.key for p in caught.value.problems} == {
        "kubeContext",
        "uiHost",
        "tlsIssuer",
        "serverTag",
        "mcpTag",
        "frontendTag",
        "uiAccess",  # production with nobody at the door
    }


def assemble_config_only_defaults() -> tuple[dict[str, str], list[str]]:
    values = {
        f"archon:{k}": (json.dumps(v) if isinstance(v, list) else str(v).lower() if isinstance(v, bool) else str(v))
        for k, v in project_defaults().items()
    }
    values.update({f"archon:{k}": v for k, v in FAKE_SECRETS.items()})
    return values, [f"archon:{k}" for k in FAKE_SECRETS]


def test_prod_settings_carry_the_guides_values() -> None:
    settings = load("prod")
    assert settings.production
    server = settings.server
    assert (server.cpu_request, server.memory_request, server.cpu_limit, server.memory_limit) == (
        "500m",
        "768Mi",
        "2000m",
        "2Gi",
    )
    assert server.ephemeral_storage_limit == "5Gi"
    assert (server.autoscaling, server.min_replicas, server.max_replicas) == (True, 2, 5)
    assert (server.cpu_utilization, server.memory_utilization) == (70, 80)
    assert (settings.frontend.min_replicas, settings.frontend.max_replicas, settings.frontend.cpu_utilization) == (
        2,
        4,
        75,
    )
    assert settings.mcp_public_url == "mcp.archon.automatizase.com.br:443"  # behind its gate, see test_app_config


def test_dev_settings_are_small_single_replica_and_allow_moving_tags() -> None:
    settings = load("dev")
    assert not settings.production
    assert settings.mcp_public_url == "localhost:8051"
    for service in (settings.server, settings.frontend):
        assert not service.autoscaling and not service.disruption_budget and service.replicas == 1
    assert settings.server.tag == "k8s-latest"


def test_secret_values_never_show_in_a_repr() -> None:
    settings = load("prod")
    text = repr(settings) + str(settings.model_dump())
    for value in FAKE_SECRETS.values():
        assert value not in text


def test_existing_secret_reads_no_secret_value() -> None:
    class Recording(DictSource):
        read: list[str] = []

        def get(self, key: str) -> str | None:
            self.read.append(key)
            return super().get(key)

    source = Recording(*assemble_config("prod", {"existingSecret": "archon-credentials"}))
    settings = load_settings("prod", source)
    assert settings.secrets.supabase_url is None and settings.secrets.supabase_service_key is None
    assert not {"supabaseUrl", "supabaseServiceKey", "openaiApiKey", "logfireToken"} & set(source.read)


def test_list_values_arrive_as_json() -> None:
    settings = load("prod", {"internetEgressExcept": ["10.0.0.0/8"], "crawlerEgressPorts": [443]})
    assert settings.internet_egress_except == ["10.0.0.0/8"]
    assert settings.crawler_egress_ports == [443]


def test_all_problems_are_reported_together() -> None:
    found = problems(serverMinReplicas=6, frontendTag="latest", frontendDigest="", kubeContext="")
    assert {"serverMaxReplicas", "frontendTag", "kubeContext"} <= set(found)


def test_each_problem_names_the_key_and_the_fix_command() -> None:
    with pytest.raises(InvalidConfiguration) as caught:
        load("prod", {"serverMinReplicas": 6})
    message = str(caught.value)
    assert "Stack 'prod' has an invalid configuration (1 problem); nothing was changed." in message
    assert "archon:serverMaxReplicas: is 5, below archon:serverMinReplicas (6)" in message
    assert "Fix: pulumi config set archon:serverMaxReplicas 6" in message


def test_a_secret_in_plain_text_is_refused_without_echoing_it() -> None:
    config, secret_keys = assemble_config("prod")
    secret_keys.remove("archon:supabaseServiceKey")
    with pytest.raises(InvalidConfiguration) as caught:
        load_settings("prod", DictSource(config, secret_keys))
    (problem,) = caught.value.problems
    assert problem.key == "supabaseServiceKey"
    assert "pulumi config set --secret archon:supabaseServiceKey" in problem.fix
    assert FAKE_SECRETS["supabaseServiceKey"] not in str(caught.value)


def _jwt(role: str) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256'})}.{part({'role': role, 'iss': 'supabase'})}.signature"


def test_service_role_jwt_is_accepted_and_anon_jwt_refused() -> None:
    assert load("prod", secrets={**FAKE_SECRETS, "supabaseServiceKey": _jwt("service_role")})
    with pytest.raises(InvalidConfiguration) as caught:
        load("prod", secrets={**FAKE_SECRETS, "supabaseServiceKey": _jwt("anon")})
    (problem,) = caught.value.problems
    assert problem.key == "supabaseServiceKey" and "'anon'" in problem.message
    assert _jwt("anon") not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    ["http://supabase-kong.supabase.svc.cluster.local:8000", "http://10.1.2.3:8000", "http://supabase-kong:8000"],
)
def test_plain_http_supabase_is_allowed_on_private_addresses(url: str) -> None:
    assert load("prod", secrets={**FAKE_SECRETS, "supabaseUrl": url})


def test_review_stacks_get_their_own_namespace_and_host() -> None:
    """Review stacks copy the `pr` template; {stack} makes their names their own."""
    config, secret_keys = assemble_config("pr")
    settings = load_settings("pr-pulumi-Acme-archon-42", DictSource(config, secret_keys))
    assert settings.namespace == "archon-pr-pulumi-acme-archon-42"
    assert settings.ui_host == "pr-pulumi-acme-archon-42.review.example.com"
    assert load("pr").namespace == "archon-pr"
