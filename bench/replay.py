"""The library floor of benchmark (a): one stack's registrations, replayed with none of our code.

`record STACK FILE` runs the program for STACK under the unit-test mocks (tests/harness.py) and
writes what it registered: every resource's type, name, parent, inputs and secret paths; the
pulumi_kubernetes API modules the run loaded (the benchmark's import floor imports exactly those);
and the pydantic modules it loaded.

`replay FILE` imports those pydantic modules (the program must use pydantic for its settings) and
registers the same resources with the same inputs, parents and secrets through pulumi_kubernetes'
typed classes, under the same mocks. What that costs is what the libraries cost for this stack
before any code of ours runs: no settings models, no config loading, no component logic, no stack
outputs. It is a lower bound: values the program takes from other resources' outputs are plain
here, so no registration waits for another.

`check FILE` replays and fails unless the replay registered exactly what was recorded.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

STACK_TYPE = "pulumi:pulumi:Stack"
API_MODULE = re.compile(r"^pulumi_kubernetes\.[a-z0-9_]+\.v[a-z0-9]+$")  # e.g. pulumi_kubernetes.apps.v1
PYDANTIC_MODULE = re.compile(r"^(pydantic|pydantic_core|annotated_types)(\.|$)")


def record(stack: str, out: Path) -> None:
    import types

    from harness import render

    rendered = render(stack)
    # A custom Kubernetes registration's object is the next one in `objects` (same order).
    objects = iter(rendered.objects)
    components: dict[str, int] = {}
    resources: list[dict[str, Any]] = []
    for index, reg in enumerate(rendered.resources):
        # The mocks' URNs name the parent's type only: `...::<parent type>$<type>::<name>`.
        parent_type = reg.urn.split("::")[2].split("$")[-2]
        if not reg.custom:
            if reg.type in components:
                raise SystemExit(f"{reg.type} appears twice in {stack}: parents cannot be told apart by type")
            components[reg.type] = index
        secret_paths: list[str] = []
        if reg.custom and reg.type.startswith("kubernetes:"):
            obj = next(objects)
            key = (obj["kind"], obj["metadata"]["name"])
            secret_paths = sorted(p for kind, name, p in rendered.secret_paths if (kind, name) == key)
        resources.append(
            {
                "type": reg.type,
                "name": reg.name,
                "custom": reg.custom,
                "urn": reg.urn,
                "parent": None if parent_type == STACK_TYPE else components[parent_type],
                "inputs": reg.inputs,
                "secret_paths": secret_paths,
            }
        )
    loaded = [name for name, module in sys.modules.items() if type(module) is types.ModuleType]
    out.write_text(
        json.dumps(
            {
                "stack": stack,
                "modules": sorted(filter(API_MODULE.match, loaded)),
                "pydantic_modules": sorted(filter(PYDANTIC_MODULE.match, loaded)),
                "resources": resources,
            }
        )
    )


def replay(recorded: Path) -> list[Any]:
    import importlib

    import pulumi
    import pulumi_kubernetes as k8s

    from harness import run_under_mocks

    document = json.loads(recorded.read_text())
    for module in document["pydantic_modules"]:
        importlib.import_module(module)

    def kubernetes_class(token: str) -> type:
        _, module, kind = token.split(":")  # kubernetes:networking.k8s.io/v1:Ingress
        group, version = module.split("/")
        return getattr(getattr(getattr(k8s, group.split(".")[0]), version), kind)

    def with_secrets(inputs: dict[str, Any], paths: list[str]) -> dict[str, Any]:
        for path in paths:
            *parents, last = path.strip("/").split("/")
            holder = inputs
            for step in parents:
                holder = holder[int(step)] if isinstance(holder, list) else holder[step]
            holder[last] = pulumi.Output.secret(holder[last])
        return inputs

    def program() -> None:
        created: list[pulumi.Resource] = []
        provider = None
        for r in document["resources"]:
            parent = None if r["parent"] is None else created[r["parent"]]
            opts = pulumi.ResourceOptions(parent=parent)
            if r["type"] == "pulumi:providers:kubernetes":
                provider = k8s.Provider(r["name"], **snake_case(r["inputs"]), opts=opts)
                created.append(provider)
            elif not r["custom"]:
                created.append(pulumi.ComponentResource(r["type"], r["name"], opts=opts))
            else:
                inputs = with_secrets(r["inputs"], r["secret_paths"])
                kwargs = {k: v for k, v in snake_case(inputs).items() if k not in ("api_version", "kind")}
                opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(provider=provider))
                created.append(kubernetes_class(r["type"])(r["name"], **kwargs, opts=opts))
        for resource in created:
            if isinstance(resource, pulumi.ComponentResource):
                resource.register_outputs({})

    return run_under_mocks(program, document["stack"], {}, [])


def check(recorded: Path) -> None:
    """Fails unless the replay loads the recorded pydantic modules and registers what was recorded:
    URNs (type, parent, name), inputs and secret paths."""
    from harness import unwrap

    document = json.loads(recorded.read_text())
    expected = document["resources"]
    replayed = replay(recorded)
    missing = [m for m in document["pydantic_modules"] if m not in sys.modules]
    if not document["pydantic_modules"] or missing:
        raise SystemExit(f"the replay did not load the program's pydantic modules: {missing or 'none recorded'}")
    got = []
    for reg in replayed:
        paths: list[str] = []
        inputs = unwrap(reg.inputs, "", paths)
        got.append((reg.urn, inputs, sorted(paths)))
    want = [(r["urn"], r["inputs"], r["secret_paths"]) for r in expected]
    if len(got) != len(want):
        raise SystemExit(f"the replay registered {len(got)} resources, the recording has {len(want)}")
    # Registration order follows the event loop, not the program's order: compare sorted.
    for replayed_one, recorded_one in zip(sorted(got, key=str), sorted(want, key=str), strict=True):
        if replayed_one != recorded_one:
            raise SystemExit(f"the replay differs from the recording:\n{replayed_one}\n{recorded_one}")


def snake_case(inputs: dict[str, Any]) -> dict[str, Any]:
    """Top-level input names as the typed classes' keyword arguments: `stringData` is `string_data`."""
    return {re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower(): value for key, value in inputs.items()}


if __name__ == "__main__":
    if sys.argv[1:2] == ["record"] and len(sys.argv) == 4:
        record(sys.argv[2], Path(sys.argv[3]))
    elif sys.argv[1:2] == ["replay"] and len(sys.argv) == 3:
        replay(Path(sys.argv[2]))
    elif sys.argv[1:2] == ["check"] and len(sys.argv) == 3:
        check(Path(sys.argv[2]))
    else:
        raise SystemExit("usage: replay.py record STACK FILE | replay.py replay FILE | replay.py check FILE")
