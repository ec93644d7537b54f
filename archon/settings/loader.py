"""Turns Pulumi config into validated `Settings`, or one error that lists every problem.

This is the only module that reads the config (through `configkit.PulumiConfigSource`). It runs
before any resource is registered, so a bad stack file stops `pulumi preview` / `pulumi up` with
nothing touched.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
from pydantic import ValidationError

from archon.settings import rules
from archon.settings.keys import (
    BY_PATH,
    DECLARED_KEYS,
    NAMESPACE,
    SECRET_KEYS,
    ConfigKey,
    set_command,
)
from archon.settings.model import Settings
from archon.settings.problems import InvalidConfiguration, Problem, problem
from configkit import ConfigSource, PulumiConfigSource


def load_settings(stack: str | None = None, source: ConfigSource | None = None) -> Settings:
    """Read, parse and validate every setting of `stack` (the current stack by default)."""
    stack = stack or pulumi.get_stack()
    source = source or PulumiConfigSource(NAMESPACE)
    problems: list[Problem] = []
    raw: dict[str, Any] = {"stack": stack}

    for key in DECLARED_KEYS:
        value = source.get(key.name)
        if value is None:
            continue  # pydantic reports it as missing
        if key.is_list:
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                problems.append(problem(key.name, f"must be a list, got {value!r}", set_command(key)))
                continue
        elif key.name in PER_STACK_KEYS:
            value = value.replace("{stack}", dns_label(stack))
        _put(raw, key.path, value)

    use_existing_secret = bool(source.get("existingSecret"))
    for key in SECRET_KEYS:
        if use_existing_secret and key.path[-1] != "kubeconfig":
            continue  # the Secret is managed elsewhere: its values are never read
        value = source.get(key.name)
        if value is None:
            continue
        if not source.is_secret(key.name):
            problems.append(
                problem(
                    key.name,
                    "is stored in plain text in the stack file; it must be a Pulumi secret",
                    f"pulumi config rm {key.full_name} && {set_command(key)}",
                )
            )
            continue
        _put(raw, key.path, value)

    if problems:
        raise InvalidConfiguration(stack, problems)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as error:
        raise InvalidConfiguration(stack, [_problem_from(e) for e in error.errors()]) from None

    problems = rules.check(settings)
    if problems:
        raise InvalidConfiguration(stack, problems)
    return settings


# Keys that may name the stack, so that the review stacks copied from one template stack (one per
# pull request) each get their own namespace and hosts: `archon:namespace: archon-{stack}`.
PER_STACK_KEYS = ("namespace", "uiHost", "mcpPublicUrl")


def dns_label(name: str) -> str:
    """A stack name as it can stand in a namespace or host name."""
    return re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")


def _put(tree: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        tree = tree.setdefault(part, {})
    tree[path[-1]] = value


def _problem_from(error: dict[str, Any]) -> Problem:
    loc = tuple(str(part) for part in error["loc"])
    key = _key_at(loc)
    if error["type"] == "missing":
        message = "is not set (Pulumi.yaml declares it with a default; is this an old Pulumi CLI?)"
    else:
        shown = "" if key.is_secret else f" (got {error.get('input')!r})"
        message = f"{error['msg'].removeprefix('Value error, ')}{shown}"
    return problem(key.name, message, set_command(key))


def _key_at(loc: tuple[str, ...]) -> ConfigKey:
    """The config key of an error location; list items report the list's key."""
    for length in range(len(loc), 0, -1):
        if loc[:length] in BY_PATH:
            return BY_PATH[loc[:length]]
    raise KeyError(f"no config key for {loc}")  # pragma: no cover - every field has a key


__all__ = ["ConfigSource", "PulumiConfigSource", "load_settings"]
