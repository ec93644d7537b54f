"""The settings layer: config keys match Pulumi.yaml, values parse, problems name key and fix."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from archon import generate
from archon.settings import InvalidConfiguration
from archon.settings.keys import BY_NAME, DECLARED_KEYS, SECRET_KEYS
from archon.settings.loader import load_settings
from harness import FAKE_SECRETS, ROOT, DictSource, assemble_config, project_defaults


def load(stack: str = "prod", overrides: dict[str, Any] | None = None, secrets: dict[str, Any] | None = None):
    return load_settings(stack, DictSource(*assemble_config(stack, overrides, secrets)))


def problems(**overrides: Any) -> dict[str, str]:
    """{key: "message / fix"} of the problems a prod config with these overrides has."""
    with pytest.raises(InvalidConfiguration) as caught:
        load("prod", overrides)
    return {p.key: f"{p.message} / {p.fix}" for p in caught.value.problems}


def test_every_key_is_declared_once_in_the_model_by_name() -> None:
    """A search for a key finds its declaration: each alias is written out in the model."""
    source = (ROOT / "archon" / "settings" / "model.py").read_text()
    for key in DECLARED_KEYS + SECRET_KEYS:
        declarations = re.findall(rf'(?:key|secret)\(\s*"{key.name}"|\(\s*"{key.name}",', source)
        assert len(declarations) == 1, key.name
        assert len(key.field.description or "") > 20, key.name


def test_generated_files_are_in_step_with_the_model() -> None:
    assert generate.stale() == {}, "regenerate: .venv/bin/python -m archon.generate"


def test_the_drift_check_notices_a_stale_file(tmp_path: Path) -> None:
    for name in (*generate.OUTPUTS, *(f"Pulumi.{s}.yaml" for s in generate.SHIPPED_STACKS)):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text((ROOT / name).read_text())
    assert generate.stale(tmp_path) == {}
    declared = (tmp_path / "Pulumi.yaml").read_text().replace("default: 600", "default: 601")
    (tmp_path / "Pulumi.yaml").write_text(declared)
    assert set(generate.stale(tmp_path)) == {"Pulumi.yaml"}


def test_pulumi_yaml_declares_what_the_model_does() -> None:
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    assert list(declared) == [key.name for key in DECLARED_KEYS]
    assert declared["mcpPublicUrl"] == {
        "type": "string",
        "description": BY_NAME["mcpPublicUrl"].field.description,
        "default": "localhost:8051",
    }
    assert declared["ingressPodLabels"]["items"] == {"type": "string"}
    assert declared["serverPod"]["type"] == "object"


def test_secret_keys_are_not_declared_so_stacks_with_secrets_elsewhere_need_none() -> None:
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
        "anthropicApiKey",
        "claudeCodeOauthToken",
        "githubToken",
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
        f"archon:{k}": (
            json.dumps(v) if isinstance(v, list | dict) else str(v).lower() if isinstance(v, bool) else str(v)
        )
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
    assert str(settings.mcp_public_url) == "mcp.archon.automatizase.com.br:443"  # behind its gate, see test_app_config


def test_dev_settings_are_small_single_replica_and_allow_moving_tags() -> None:
    settings = load("dev")
    assert not settings.production
    assert (settings.mcp_public_url.host, settings.mcp_public_url.port) == ("localhost", 8051)
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
