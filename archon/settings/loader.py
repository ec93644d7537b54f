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
from archon.settings.keys import BY_NAME, BY_PATH, DECLARED_KEYS, NAMESPACE, SECRET_KEYS, ConfigKey, parse, set_command
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
            continue  # the model's default (Pulumi.yaml declares the same one)
        try:
            value = parse(key, value)
        except json.JSONDecodeError:
            problems.append(problem(key.name, f"must be a {key.form.type}, got {value!r}", set_command(key)))
            continue
        if key.per_stack:
            value = value.replace("{stack}", dns_label(stack))
        _put(raw, key.path, value)

    elsewhere = bool(source.get("existingSecret")) or bool(
        json.loads(source.get("externalSecret") or "{}").get("store")
    )
    for key in SECRET_KEYS:
        if elsewhere and key.name != "kubeconfig":
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


def dns_label(name: str) -> str:
    """A stack name as it can stand in a namespace or host name."""
    return re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")


def _put(tree: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        tree = tree.setdefault(part, {})
    tree[path[-1]] = value


def _problem_from(error: dict[str, Any]) -> Problem:
    key = _key_at(tuple(str(part) for part in error["loc"]))
    if error["type"] == "missing":
        message = "is not set"
    else:
        shown = "" if key.is_secret else f" (got {error.get('input')!r})"
        message = f"{error['msg'].removeprefix('Value error, ')}{shown}"
    inner = _inner(error["loc"], key) if key.form.type == "object" else ""
    if inner:  # inside a structured value: say where, and fix that item
        return problem(key.name, f"{inner}: {message}", f"pulumi config set --path '{key.full_name}.{inner}' <value>")
    return problem(key.name, message, set_command(key))


def _key_at(loc: tuple[str, ...]) -> ConfigKey:
    """The config key of an error location (by alias or by field names); items report their key."""
    for part in loc:
        if part in BY_NAME:
            return BY_NAME[part]
    for length in range(len(loc), 0, -1):
        if loc[:length] in BY_PATH:
            return BY_PATH[loc[:length]]
    raise KeyError(f"no config key for {loc}")  # pragma: no cover - every field has a key


def _inner(loc: tuple[Any, ...], key: ConfigKey) -> str:
    """Where inside a structured value the problem is: `tolerations[0].effect`."""
    parts = [str(p) for p in loc]
    if key.name in parts:
        rest = loc[parts.index(key.name) + 1 :]
    elif tuple(parts[: len(key.path)]) == key.path:
        rest = loc[len(key.path) :]
    else:
        return ""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest).lstrip(".")


__all__ = ["ConfigSource", "PulumiConfigSource", "load_settings"]
