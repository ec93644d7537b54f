"""The example ESC environments (esc/archon-<stack>.yaml): their `pulumiConfig` supplies the stack's
secrets. ESC hands `fn::secret` values to the program as secret config, which the harness models
by passing them as `secrets`; the stack must render with them, and they must end up only in the
Secret. A value that arrived in plain text (an environment without `fn::secret`) is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from archon.settings import InvalidConfiguration
from archon.settings.keys import BY_NAME, NAMESPACE, SECRET_KEYS
from harness import ROOT, render
from verify.secrets import leaks, unprotected_secret_data

ENVIRONMENTS = sorted((ROOT / "esc").glob("archon-*.yaml"))
APP_SECRETS = {"supabaseUrl", "supabaseServiceKey", "openaiApiKey", "logfireToken"}  # land in the Secret


def stack_of(path: Path) -> str:
    return path.stem.removeprefix("archon-")


def pulumi_config(path: Path) -> dict[str, Any]:
    """`values.pulumiConfig` with the `archon:` prefix stripped (values still wrapped)."""
    document = yaml.safe_load(path.read_text())
    config = document["values"]["pulumiConfig"]
    assert all(key.startswith(f"{NAMESPACE}:") for key in config), f"{path.name}: keys must be {NAMESPACE}:<key>"
    return {key.split(":", 1)[1]: value for key, value in config.items()}


def unwrap_secret(value: Any) -> str:
    assert isinstance(value, dict) and list(value) == ["fn::secret"], f"not an fn::secret value: {value!r}"
    return value["fn::secret"]


def test_both_stacks_have_an_example_environment() -> None:
    assert [stack_of(p) for p in ENVIRONMENTS] == ["dev", "prod"]


@pytest.mark.parametrize("path", ENVIRONMENTS, ids=stack_of)
def test_environment_is_esc_yaml_supplying_known_keys(path: Path) -> None:
    document = yaml.safe_load(path.read_text())
    assert set(document) <= {"imports", "values"}, "an ESC environment has only `imports` and `values`"
    config = pulumi_config(path)
    assert {"supabaseUrl", "supabaseServiceKey"} <= set(config)
    unknown = set(config) - set(BY_NAME)
    assert not unknown, f"{path.name}: {sorted(unknown)} are no archon config keys"


@pytest.mark.parametrize("path", ENVIRONMENTS, ids=stack_of)
def test_every_secret_key_is_an_esc_secret(path: Path) -> None:
    secret_names = {key.name for key in SECRET_KEYS}
    for key, value in pulumi_config(path).items():
        if key in secret_names:
            unwrap_secret(value)  # fails on a plain-text secret


@pytest.mark.parametrize("path", ENVIRONMENTS, ids=stack_of)
def test_stack_renders_with_the_environments_secrets_and_keeps_them_in_the_secret(path: Path) -> None:
    config = pulumi_config(path)
    secret_names = {key.name for key in SECRET_KEYS}
    secrets = {key: unwrap_secret(value) for key, value in config.items() if key in secret_names}
    plain = {key: value for key, value in config.items() if key not in secret_names}

    rendered = render(stack_of(path), overrides=plain, secrets=secrets)

    assert leaks(rendered.objects, secrets.values()) == []
    (secret,) = [s for s in rendered.of_kind("Secret") if s["metadata"]["name"].startswith("archon-secrets-")]
    expected = {value for key, value in secrets.items() if key in APP_SECRETS}
    assert set(secret["stringData"].values()) == expected
    # The gates' credentials reach their own Secret (the cookie key only in derived form).
    gates = [s for s in rendered.of_kind("Secret") if s["metadata"]["name"].startswith("archon-auth-secrets-")]
    gate_values = {v for s in gates for v in s["stringData"].values()}
    for key in ("oidcClientSecret", "mcpHtpasswd"):
        if key in secrets:
            assert secrets[key] in gate_values, key
    assert unprotected_secret_data(rendered.objects, rendered.secret_paths) == []
    if "kubeconfig" in secrets:
        # It configures the Kubernetes provider and reaches no object.
        (provider,) = [r for r in rendered.resources if r.type == "pulumi:providers:kubernetes"]
        assert provider.inputs["kubeconfig"] == secrets["kubeconfig"]
        assert not any(secrets["kubeconfig"] in repr(o) for o in rendered.objects)


@pytest.mark.parametrize("path", ENVIRONMENTS, ids=stack_of)
def test_values_without_fn_secret_would_be_refused(path: Path) -> None:
    """If an environment supplied these values in plain text, they would arrive as plain config:
    the loader refuses each of them, before any resource, without showing the value."""
    secret_names = {key.name for key in SECRET_KEYS}
    values = {key: unwrap_secret(v) for key, v in pulumi_config(path).items() if key in secret_names}
    with pytest.raises(InvalidConfiguration) as caught:
        render(stack_of(path), secrets={}, plaintext=values)
    assert sorted(p.key for p in caught.value.problems) == sorted(values)
    assert caught.value.registrations == []  # type: ignore[attr-defined]
    assert not any(value in str(caught.value) for value in values.values())
