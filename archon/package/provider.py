"""The Archon component provider: ArchonStack for programs in any language Pulumi supports.

Pulumi's component provider (`pulumi.provider.experimental`) infers the schema from the typed
inputs (archon/package/args.py) and outputs (archon/package/component.py). What it cannot infer
comes from the settings model here, the same source as the config reference: which inputs are
secrets and each scalar input's default. `package/schema.json` is this schema, committed and
checked by a test, so that a change to the package's interface shows in review.
"""

from __future__ import annotations

import json
from typing import Any

from pulumi.errors import InputPropertiesError, InputPropertyError, InputPropertyErrorDetails
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.provider import ConstructResult

from archon.package import NAME, VERSION
from archon.package.component import ArchonStack, InputNotKnown, InvalidInputs, settings_from_inputs
from archon.settings.keys import ALL_KEYS

STACK_TOKEN = f"{NAME}:index:ArchonStack"
METADATA = {
    "displayName": "Archon on Kubernetes",
    "description": "Archon (API server, MCP server, agents, frontend) on Kubernetes, secure by default, as one "
    "component resource.",
    "keywords": ["kubernetes", "archon", "mcp", "category/infrastructure", "kind/component"],
}


def _tidy(value: Any) -> Any:
    """Descriptions on one line (docstrings are indented), and no empty fields."""
    if isinstance(value, dict):
        return {
            k: " ".join(v.split()) if k == "description" and isinstance(v, str) else _tidy(v)
            for k, v in value.items()
            if v is not None
        }
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    return value


def finished(schema: dict[str, Any]) -> dict[str, Any]:
    """The inferred schema with the package metadata, secret inputs and scalar defaults."""
    schema = _tidy(schema)
    schema.update(METADATA)
    inputs = schema["resources"][STACK_TOKEN]["inputProperties"]
    for key in ALL_KEYS:
        prop = inputs[key.name]
        if key.is_secret:
            prop["secret"] = True
            continue
        default = key.default_value()
        if isinstance(default, (str, int, bool)):
            prop["default"] = default
    return schema


class ArchonProvider(ComponentProvider):
    def __init__(self) -> None:
        super().__init__([ArchonStack], NAME, version=VERSION)
        self.schema = json.dumps(finished(json.loads(self.schema or "{}")))

    def construct(self, name: str, resource_type: str, inputs: Any, options: Any = None) -> ConstructResult:
        """Bad inputs are reported as the engine reports any resource's bad inputs, one line per
        input, before the component (or anything in it) is registered. (The component then loads
        the same settings again from the same inputs: milliseconds.)"""
        try:
            settings_from_inputs(name, inputs)
        except InputNotKnown as error:
            raise InputPropertyError(error.name, str(error)) from None
        except InvalidInputs as error:
            details: list[InputPropertyErrorDetails] = [
                {"property_path": key, "reason": message} for key, message in error.problems.items()
            ]
            raise InputPropertiesError(error.summary, details) from None  # the engine lists each
        return super().construct(name, resource_type, inputs, options)

    def map_inputs(self, inputs: Any, component_def: Any) -> Any:
        """The inputs under their schema names, which are the config keys the settings loader reads."""
        return inputs


def schema() -> dict[str, Any]:
    return json.loads(ArchonProvider().schema or "{}")
