"""ArchonStack as a package resource: its inputs become the same `Settings` a stack file gives.

The inputs are handed to the settings loader as a config source (`InputSource`), so a YAML or
TypeScript program gets exactly the validation, defaults and rules of a stack file, and the same
objects. Then the program's own `ArchonStack` builds them.

The engine sends every input value with the Construct request. The SDK passes a secret (or a value
that depends on another resource) as an Output whose data it has already resolved; the settings
need the value itself, before any resource is registered, so it is read from there (`_known`).
A value not known yet (another resource's output during a preview) is refused by name.
"""

# The analyzer reads the annotations at runtime: no `from __future__ import annotations`.
import json
import re
from collections.abc import Mapping
from typing import Any

import pulumi

from archon.components import stack
from archon.package.args import ArchonStackArgs
from archon.package.inputs import python_name
from archon.settings.keys import ALL_KEYS, NAMESPACE
from archon.settings.loader import load_settings
from archon.settings.model import Settings
from configkit import InvalidConfiguration


class InputNotKnown(pulumi.RunError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"ArchonStack input '{name}' is not known yet (another resource's output?). The settings are validated "
            "as a whole before anything is deployed: pass a value known at preview time, such as a config value."
        )


def _known(name: str, value: Any) -> tuple[Any, bool]:
    """(the value, whether it is secret) of an input that may arrive as a resolved Output."""
    if isinstance(value, pulumi.Output):
        data = value._data  # noqa: SLF001 - the SDK resolved it before calling construct (see above)
        if not data.done() or data.exception() is not None or not data.result().is_known:
            raise InputNotKnown(name)
        return _known(name, data.result().value)[0], data.result().is_secret
    if isinstance(value, list):
        return [_known(name, v)[0] for v in value], False
    if isinstance(value, dict):
        return {k: _known(name, v)[0] for k, v in value.items()}, False
    if isinstance(value, float) and value.is_integer():
        return int(value), False  # the wire carries every number as a float
    return value, False


class InputSource:
    """The component's inputs as a config source: each value as Pulumi config hands it over."""

    def __init__(self, inputs: Mapping[str, Any]) -> None:
        self._values: dict[str, str] = {}
        self._secret: set[str] = set()
        for name, raw in inputs.items():
            if raw is None:
                continue
            value, secret = _known(name, raw)
            self._values[name] = value if isinstance(value, str) else json.dumps(value)
            if secret:
                self._secret.add(name)

    def get(self, key: str) -> str | None:
        return self._values.get(key)

    def is_secret(self, key: str) -> bool:
        return key in self._secret


# The rules name other settings as config keys (`archon:allowMutableTags`); an input has no namespace.
_CONFIG_KEY = re.compile(rf"\b{NAMESPACE}:({'|'.join(sorted((k.name for k in ALL_KEYS), key=len, reverse=True))})\b")


def settings_from_inputs(resource_name: str, inputs: Mapping[str, Any], stack: str | None = None) -> Settings:
    """Validated settings (for the current stack by default), or one error that names each input and
    what is wrong with it."""
    try:
        return load_settings(stack or pulumi.get_stack(), InputSource(inputs))
    except InvalidConfiguration as error:
        problems = {p.key: _CONFIG_KEY.sub(r"\1", p.message) for p in error.problems}
        raise InvalidInputs(resource_name, problems) from None


class InvalidInputs(pulumi.RunError):
    def __init__(self, resource_name: str, problems: dict[str, str]) -> None:
        self.problems = problems  # input -> what is wrong with it
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        self.summary = (
            f"ArchonStack '{resource_name}' has invalid inputs ({count}); nothing was changed. "
            "Each input is the config key of the same name (docs/configuration.md)."
        )
        listed = "".join(f"\n  - {name}: {message}" for name, message in problems.items())
        super().__init__(self.summary + listed)


class ArchonStack(stack.ArchonStack):
    """Archon on Kubernetes: the API server with Playwright crawling, the MCP server, the optional agents and
    agent work orders, the nginx frontend, their access gates, NetworkPolicies and autoscaling, in a namespace
    that enforces Pod Security 'restricted'."""

    namespace: pulumi.Output[str]
    """The namespace that holds the stack."""
    ui_url: pulumi.Output[str]
    """Where the UI (and, under /api, the API) is served."""
    mcp_url: pulumi.Output[str]
    """The MCP endpoint inside the cluster."""
    mcp_public_url: pulumi.Output[str]
    """host:port that MCP clients outside the cluster use."""
    images: pulumi.Output[dict[str, str]]
    """The image each service runs, by service."""
    mcp_client_config: pulumi.Output[str]
    """What to paste into an MCP client's configuration (JSON)."""
    mcp_access: pulumi.Output[str] | None
    """With mcpExposure none: the port-forward command that reaches MCP."""

    def __init__(self, resource_name: str, args: ArchonStackArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(resource_name, settings_from_inputs(resource_name, args), opts)
        for name, value in self.outputs.items():
            setattr(self, python_name(name), value)
