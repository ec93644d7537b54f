"""The Archon component package: its schema (inferred from the typed inputs, finished from the
settings model), its inputs turned into the same settings as a stack file, and its version.

The real engine runs it from Pulumi YAML in test_package_engine.py (template) and
test_cluster_package.py (on the local cluster)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from pulumi.errors import InputPropertiesError, InputPropertyError
from pulumi.output import Output
from pulumi.provider.server import ProviderServicer
from pulumi.runtime import rpc
from pulumi.runtime.sync_await import _sync_await

from archon.package import NAME, VERSION
from archon.package.component import ArchonStack, InputNotKnown, InputSource, InvalidInputs, settings_from_inputs
from archon.package.provider import STACK_TOKEN, ArchonProvider, schema
from archon.settings.keys import ALL_KEYS, DECLARED_KEYS, SECRET_KEYS
from engine import normalized
from harness import (
    EXAMPLE_SECRETS,
    FAKE_SECRETS,
    ROOT,
    example_inputs,
    kubernetes_objects,
    render,
    run_under_mocks,
    settings_of,
    stack_file_config,
)


def as_the_sdk_passes_it(value: Any, secret: bool = True) -> Any:
    """A secret input as the provider SDK hands it to construct (ProviderServicer._select_value)."""
    wire = rpc.wrap_rpc_secret(value) if secret else value
    return _sync_await(ProviderServicer._select_value(wire, deps=set()))


@pytest.fixture(scope="module")
def package_schema() -> dict[str, Any]:
    return schema()


# ---- the schema ---------------------------------------------------------------------------------


def test_the_committed_schema_is_the_one_the_provider_serves(package_schema):
    committed = json.loads((ROOT / "package" / "schema.json").read_text())
    assert committed == package_schema, "regenerate: .venv/bin/python -m archon.generate"
    assert committed["name"] == NAME and committed["version"] == VERSION


def test_every_config_key_is_an_input_of_the_same_name_and_nothing_else(package_schema):
    inputs = package_schema["resources"][STACK_TOKEN]["inputProperties"]
    assert list(inputs) == [key.name for key in ALL_KEYS]
    assert package_schema["resources"][STACK_TOKEN]["requiredInputs"] == []


def test_secrets_are_secret_inputs_and_nothing_else_is(package_schema):
    inputs = package_schema["resources"][STACK_TOKEN]["inputProperties"]
    assert {name for name, prop in inputs.items() if prop.get("secret")} == {key.name for key in SECRET_KEYS}
    for key in SECRET_KEYS:
        assert inputs[key.name]["type"] == "string" and "default" not in inputs[key.name]


def test_descriptions_and_defaults_are_the_models_and_pulumi_yamls(package_schema):
    inputs = package_schema["resources"][STACK_TOKEN]["inputProperties"]
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    for key in DECLARED_KEYS:
        prop = inputs[key.name]
        assert prop["description"] == " ".join(key.field.description.split()), key.name
        default = declared[key.name]["default"]
        if isinstance(default, (str, int, bool)):
            assert prop["default"] == default, key.name
        else:
            assert "default" not in prop, key.name  # a schema default is a scalar


def test_choices_are_enums_with_the_models_values(package_schema):
    inputs = package_schema["resources"][STACK_TOKEN]["inputProperties"]
    assert inputs["uiAccess"]["$ref"] == "#/types/archon:index:UiAccess"
    values = {t: [e["value"] for e in spec.get("enum", [])] for t, spec in package_schema["types"].items()}
    assert values["archon:index:UiAccess"] == ["oidc", "basicAuth", "sourceRanges", "none"]
    assert values["archon:index:McpExposure"] == ["none", "ingress", "loadBalancer"]
    assert values["archon:index:Environment"] == ["development", "production"]


def test_pod_options_are_typed_as_kubernetes_types_them(package_schema):
    types = package_schema["types"]
    pod = types["archon:index:PodOptions"]["properties"]
    assert set(pod) == {
        "imagePullSecrets",
        "nodeSelector",
        "tolerations",
        "affinity",
        "priorityClassName",
        "env",
        "labels",
        "annotations",
    }
    assert pod["tolerations"]["items"]["$ref"] == "#/types/archon:index:Toleration"
    assert "tolerationSeconds" in types["archon:index:Toleration"]["properties"]
    assert "requiredDuringSchedulingIgnoredDuringExecution" in types["archon:index:NodeAffinity"]["properties"]
    assert set(types["archon:index:ExternalSecret"]["properties"]) == {
        "store",
        "storeKind",
        "remoteKeys",
        "refreshInterval",
    }


def test_the_outputs_are_what_the_python_program_exports(package_schema):
    outputs = package_schema["resources"][STACK_TOKEN]["properties"]
    exported = set(render("local").outputs)
    assert set(outputs) == exported
    required = set(package_schema["resources"][STACK_TOKEN]["required"])
    assert required == set(render("prod").outputs)  # mcpAccess only exists with mcpExposure none


# ---- inputs become settings -----------------------------------------------------------------------


def test_the_example_is_the_local_stack_written_as_yaml():
    inputs = {k: v for k, v in example_inputs().items() if k not in EXAMPLE_SECRETS}
    local = stack_file_config("local")
    assert set(inputs) == set(local) - set(EXAMPLE_SECRETS)
    for key, value in inputs.items():
        expected = local[key]
        if key == "namespace":
            continue  # its own namespace, so that both can run side by side
        assert value == (yaml.safe_load(expected) if isinstance(expected, str) else expected), key


def test_inputs_give_the_same_settings_as_the_stack_file():
    secrets = {k: FAKE_SECRETS[k] for k in EXAMPLE_SECRETS}
    inputs = example_inputs(namespace="archon-local") | {k: as_the_sdk_passes_it(v) for k, v in secrets.items()}
    assert settings_from_inputs("archon", inputs, stack="local") == settings_of("local", secrets=secrets)


def test_numbers_arrive_as_floats_and_are_read_as_integers():
    source = InputSource({"serverReplicas": 3.0, "crawlerEgressPorts": [443.0, 80.0], "uiHost": "a.example"})
    assert source.get("serverReplicas") == "3"
    assert json.loads(source.get("crawlerEgressPorts") or "") == [443, 80]
    assert source.get("uiHost") == "a.example"


def test_a_secret_input_is_read_and_kept_secret():
    source = InputSource({"supabaseServiceKey": as_the_sdk_passes_it("the-key")})
    assert source.get("supabaseServiceKey") == "the-key" and source.is_secret("supabaseServiceKey")


def test_a_secret_passed_in_plain_text_is_refused_by_name():
    inputs = example_inputs(namespace="archon-local") | {
        "supabaseUrl": as_the_sdk_passes_it(FAKE_SECRETS["supabaseUrl"]),
        "supabaseServiceKey": FAKE_SECRETS["supabaseServiceKey"],
    }
    with pytest.raises(InvalidInputs) as error:
        settings_from_inputs("archon", inputs, stack="local")
    assert "supabaseServiceKey: is stored in plain text" in str(error.value)
    assert FAKE_SECRETS["supabaseServiceKey"] not in str(error.value)


def test_an_input_not_known_yet_is_refused_by_name():
    unknown = Output.from_input("x").apply(lambda _: "y")  # not resolved: as another resource's output in a preview
    with pytest.raises(InputNotKnown, match="'uiHost' is not known yet"):
        InputSource({"uiHost": unknown})


def test_bad_inputs_are_one_error_that_names_each():
    inputs = {"environment": "production", "serverReplicas": 0.0, "uiAccess": "everyone"}
    with pytest.raises(InvalidInputs) as error:
        settings_from_inputs("archon", inputs, stack="prod")
    message = str(error.value)
    assert "ArchonStack 'archon' has invalid inputs" in message and "nothing was changed" in message
    assert "  - serverReplicas: " in message and "  - uiAccess: " in message


def test_the_provider_reports_bad_inputs_one_per_input_before_registering_anything():
    provider = ArchonProvider()
    raised: list[Exception] = []

    def program() -> None:
        for inputs in (
            {"environment": "production", "uiAccess": "none", "serverTag": "latest"},
            {"uiHost": Output.from_input("x").apply(lambda _: "y")},
        ):
            try:
                provider.construct("archon", STACK_TOKEN, inputs)
            except Exception as error:  # noqa: BLE001 - the test looks at what was raised
                raised.append(error)

    assert run_under_mocks(program, "prod", {}, []) == []
    invalid, unknown = raised
    assert isinstance(invalid, InputPropertiesError)
    assert {e["property_path"] for e in invalid.errors or []} >= {"uiAccess", "serverTag"}
    reasons = " ".join(e["reason"] for e in invalid.errors or [])
    assert "archon:" not in reasons and "set allowMutableTags true" in reasons  # inputs have no namespace
    assert isinstance(unknown, InputPropertyError) and unknown.property_path == "uiHost"


def test_the_component_builds_the_same_objects_as_the_program():
    """Under Pulumi's mocks: the package resource with the example's inputs, and the program's
    `local` stack with the same settings, register the same Kubernetes objects."""
    secrets = {k: FAKE_SECRETS[k] for k in EXAMPLE_SECRETS}
    program = render("local", secrets=secrets)
    inputs = example_inputs(namespace="archon-local") | {k: as_the_sdk_passes_it(v) for k, v in secrets.items()}
    registrations = run_under_mocks(lambda: ArchonStack("archon", inputs), "local", {}, [])
    objects, secret_paths = kubernetes_objects(registrations)
    assert normalized(objects) == normalized(program.objects)
    assert secret_paths == program.secret_paths and secret_paths
    assert STACK_TOKEN in {r.type for r in registrations}


def test_the_version_is_the_changelogs_newest():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    newest = re.search(r"^## \[?v?(\d+\.\d+\.\d+)\]?", changelog, re.MULTILINE)
    assert newest and newest.group(1) == VERSION
