"""Runs the real `__main__.py` under Pulumi's mocks and returns what it would create.

Config is assembled the way the engine does it: Pulumi.yaml's declared defaults, overlaid by the
stack file, overlaid by a test's overrides, all as the strings the engine hands to a program.
Secret values are not in the stack files (they are set per stack with `pulumi config set
--secret`), so the harness supplies visibly fake ones, marked secret, unless a test says otherwise.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import runpy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime.rpc import _special_secret_sig, _special_sig_key
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from archon.generate import SHIPPED_STACKS as SHIPPED_STACKS  # the one list, for the tests

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "archon"

FAKE_SERVICE_KEY = "fake-service-role-key-for-tests"
# bcrypt htpasswd entries, made with `htpasswd -nbB`: ui-user / ui-test-password and
# mcp-client / mcp-test-password.
FAKE_UI_HTPASSWD = "ui-user:$2b$12$pqZ.itV4GBa78XhyEewx8OE8st1Ouj7iz67nctuCdKttjpouGYWRK"
FAKE_MCP_HTPASSWD = "mcp-client:$2b$12$8RSatCho.1YYdHDr42BElOHHKtmnqBHnM4uOzYSqtiwZemLGpsCMm"
FAKE_SECRETS = {
    "supabaseUrl": "https://fake-project.supabase.co",
    "supabaseServiceKey": FAKE_SERVICE_KEY,
    "openaiApiKey": "sk-fake-openai-key-for-tests",
    "logfireToken": "fake-logfire-token-for-tests",
    "oidcClientSecret": "fake-oidc-client-secret-for-tests",
    "authCookieSecret": "fake-auth-cookie-secret-for-tests-0123456789",
    "uiHtpasswd": FAKE_UI_HTPASSWD,
    "mcpHtpasswd": FAKE_MCP_HTPASSWD,
    "anthropicApiKey": "fake-anthropic-key-for-tests",
    "githubToken": "fake-github-token-for-tests",
}
# libyaml's loader when PyYAML has it: the pure-Python one costs a tenth of a second per render.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=_YAML_LOADER)  # noqa: S506 - a safe loader


def config_string(value: Any) -> str:
    """A config value as the engine passes it to a program."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def project_defaults() -> dict[str, Any]:
    project = _load_yaml(ROOT / "Pulumi.yaml")
    return {key: spec["default"] for key, spec in project["config"].items() if "default" in spec}


def plain_stack_file(stack: str) -> str:
    """A copy of a shipped stack file with its plain values only: no encrypted values and no
    encryption salt, which belong to whoever set them (a developer's own `pulumi config set
    --secret` must never break the tests). The tests set their own fake secrets."""
    config = {f"{PROJECT}:{key}": value for key, value in stack_file_config(stack).items()}
    return yaml.safe_dump({"config": config}, sort_keys=False)


def stack_file_config(stack: str) -> dict[str, Any]:
    """The stack file's plain values; its encrypted ones (`secure:`) are the harness's to supply."""
    document = _load_yaml(ROOT / f"Pulumi.{stack}.yaml") or {}
    return {
        key.split(":", 1)[1]: value
        for key, value in (document.get("config") or {}).items()
        if not (isinstance(value, dict) and "secure" in value)
    }


@dataclass
class Registration:
    type: str
    name: str
    custom: bool
    provider: str
    inputs: dict[str, Any]
    urn: str = ""


@dataclass
class Rendered:
    """What one program run registered: Kubernetes objects, all resources, stack outputs."""

    objects: list[dict[str, Any]]
    resources: list[Registration]
    outputs: dict[str, Any]
    secret_paths: set[tuple[str, str, str]] = field(default_factory=set)  # (kind, name, json path)

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o["kind"] == kind]

    def get(self, kind: str, name: str) -> dict[str, Any]:
        matches = [o for o in self.of_kind(kind) if o["metadata"]["name"] == name]
        if len(matches) != 1:
            names = sorted(o["metadata"]["name"] for o in self.of_kind(kind))
            raise KeyError(f"{kind}/{name} not rendered (have {names})")
        return matches[0]

    def find(self, kind: str, prefix: str) -> dict[str, Any]:
        """An auto-named object, by the prefix of its name."""
        matches = [o for o in self.of_kind(kind) if o["metadata"]["name"].startswith(prefix)]
        assert len(matches) == 1, f"expected one {kind} named {prefix}*, got {len(matches)}"
        return matches[0]

    def pod_spec(self, deployment: str) -> dict[str, Any]:
        return self.get("Deployment", deployment)["spec"]["template"]["spec"]

    def container(self, deployment: str) -> dict[str, Any]:
        (container,) = self.pod_spec(deployment)["containers"]
        return container

    def components(self) -> list[Registration]:
        return [r for r in self.resources if not r.custom]


class RenderMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.registrations: list[Registration] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        state = copy.deepcopy(args.inputs)
        if args.typ.startswith("kubernetes:") and args.custom:
            metadata = state.setdefault("metadata", {})
            if "name" not in metadata:
                metadata["name"] = autoname(args.name, args.inputs)
        self.registrations.append(Registration(args.typ, args.name, args.custom, args.provider or "", args.inputs))
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        raise AssertionError(f"the program made an unexpected call: {args.token}")


def autoname(name: str, inputs: dict[str, Any]) -> str:
    """Stands in for the provider's random suffix on auto-named objects. pulumi-kubernetes replaces
    a ConfigMap or Secret whose data changed, under a new random name; a hash of the inputs gives
    the same effect deterministically: new content, new name; same content, same name."""
    digest = hashlib.sha256(json.dumps([name, inputs], sort_keys=True, default=str).encode())
    return f"{name}-{digest.hexdigest()[:8]}"


def assemble_config(
    stack: str, overrides: dict[str, Any] | None = None, secrets: dict[str, Any] | None = None
) -> tuple[dict[str, str], list[str]]:
    values = {**project_defaults(), **stack_file_config(stack), **(overrides or {})}
    secret_values = dict(FAKE_SECRETS if secrets is None else secrets)
    config = {f"{PROJECT}:{k}": config_string(v) for k, v in values.items() if v is not None}
    config.update({f"{PROJECT}:{k}": config_string(v) for k, v in secret_values.items() if v is not None})
    return config, [f"{PROJECT}:{k}" for k, v in secret_values.items() if v is not None]


class DictSource:
    """Config as the engine hands it over: strings, some keys marked secret."""

    def __init__(self, values: dict[str, str], secret_keys: list[str]) -> None:
        self.values = {k.split(":", 1)[1]: v for k, v in values.items()}
        self.secret = {k.split(":", 1)[1] for k in secret_keys}

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def is_secret(self, key: str) -> bool:
        return key in self.secret


def settings_of(stack: str, overrides: dict[str, Any] | None = None, secrets: dict[str, Any] | None = None) -> Any:
    """The validated settings of a stack (with overrides), as the program would load them."""
    from archon.settings.loader import load_settings

    return load_settings(stack, DictSource(*assemble_config(stack, overrides, secrets)))


def run_under_mocks(
    program: Callable[[], Any], stack: str, config: dict[str, str], secret_keys: list[str], project: str = PROJECT
) -> list[Registration]:
    """Run `program` as the Pulumi program of `project`'s `stack` under fresh RenderMocks and return what
    it registered, URNs included; on failure the error carries the registrations so far, as
    `error.registrations`."""
    mocks = RenderMocks()
    monitor = pulumi.runtime.mocks.MockMonitor(mocks)
    # set_mocks keeps an existing root Stack; a fresh one keeps outputs of earlier renders out.
    pulumi.runtime.settings.set_root_resource(None)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(config, secret_keys)
    try:
        _sync_await(run_pulumi_func(program))
    except BaseException as error:
        error.registrations = mocks.registrations  # type: ignore[attr-defined]
        raise
    urns = {(urn.split("::")[2].split("$")[-1], urn.split("::")[3]): urn for urn in monitor.resources}
    for reg in mocks.registrations:
        reg.urn = urns.get((reg.type, reg.name), "")
    return mocks.registrations


def render(
    stack: str = "prod",
    overrides: dict[str, Any] | None = None,
    secrets: dict[str, Any] | None = None,
    plaintext: dict[str, Any] | None = None,
    name: str | None = None,
) -> Rendered:
    """Run `__main__.py` for `stack`; `plaintext` adds config values that are NOT marked secret;
    `name` is the stack's name as the engine knows it, when it is not `stack` (a copy of a stack)."""
    config, secret_keys = assemble_config(stack, overrides, secrets)
    config.update({f"{PROJECT}:{k}": config_string(v) for k, v in (plaintext or {}).items()})
    registrations = run_under_mocks(
        lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__"), name or stack, config, secret_keys
    )
    root = pulumi.runtime.settings.get_root_resource()
    outputs = {name: resolve(value) for name, value in (root.outputs or {}).items()}
    objects, secret_paths = kubernetes_objects(registrations)
    return Rendered(objects, registrations, outputs, secret_paths)


def kubernetes_objects(registrations: list[Registration]) -> tuple[list[dict[str, Any]], set[tuple[str, str, str]]]:
    """The Kubernetes objects among `registrations` (auto-named ones named as the provider would),
    and the (kind, name, path) of each secret value in them; the registrations' inputs are resolved."""
    objects, secret_paths = [], set()
    for reg in registrations:
        if reg.custom and reg.type.startswith("kubernetes:") and not reg.type.startswith("pulumi:"):
            paths: list[str] = []
            obj = unwrap(reg.inputs, "", paths)
            obj.setdefault("metadata", {}).setdefault("name", autoname(reg.name, reg.inputs))
            objects.append(obj)
            secret_paths.update((obj["kind"], obj["metadata"]["name"], p) for p in paths)
        reg.inputs = unwrap(reg.inputs, "", [])
    return objects, secret_paths


def resolve(value: Any) -> Any:
    """The plain value of an Output (or of a plain value) of a finished run."""
    return _sync_await(pulumi.Output.from_input(value).future())


def unwrap(value: Any, path: str, secret_paths: list[str]) -> Any:
    """Plain JSON-like data: secrets unwrapped (their paths remembered), integral floats as ints."""
    if isinstance(value, dict):
        if value.get(_special_sig_key) == _special_secret_sig:
            secret_paths.append(path or "/")
            return unwrap(value["value"], path, secret_paths)
        return {k: unwrap(v, f"{path}/{k}", secret_paths) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v, f"{path}/{i}", secret_paths) for i, v in enumerate(value)]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# ---- the component package's YAML example (examples/yaml) ---------------------------------------

EXAMPLE = ROOT / "examples" / "yaml" / "Pulumi.yaml"
EXAMPLE_SECRETS = ("supabaseUrl", "supabaseServiceKey")


def example() -> dict[str, Any]:
    return _load_yaml(EXAMPLE)


def example_inputs(**config: str) -> dict[str, Any]:
    """The example's ArchonStack properties, its `${...}` config references resolved."""
    project = example()
    values = {name: spec.get("default") for name, spec in project["config"].items()}
    values.update(config)
    inputs = {}
    for name, value in project["resources"]["archon"]["properties"].items():
        reference = re.fullmatch(r"\$\{(\w+)\}", value) if isinstance(value, str) else None
        inputs[name] = values[reference.group(1)] if reference else value
    return inputs
