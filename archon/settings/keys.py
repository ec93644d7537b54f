"""The mapping between Pulumi config keys and fields of the settings model.

Non-secret keys are declared in Pulumi.yaml; secret keys are not (a declared key without a default
would be demanded from every stack, also from those that use `existingSecret`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from archon.settings.model import SecretSettings, Settings

NAMESPACE = "archon"
SERVICES = ("server", "mcp", "agents", "frontend", "auth")
SECRET_VALUE_FIELDS = (
    "supabase_url",
    "supabase_service_key",
    "openai_api_key",
    "logfire_token",
    "kubeconfig",
    "oidc_client_secret",
    "auth_cookie_secret",
    "ui_htpasswd",
    "mcp_htpasswd",
)
_NOT_FROM_CONFIG = {"stack"}


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class ConfigKey:
    """One config key: its name (without the `archon:` namespace) and where it lands in the model."""

    name: str
    path: tuple[str, ...]
    field: FieldInfo

    @property
    def full_name(self) -> str:
        return f"{NAMESPACE}:{self.name}"

    @property
    def is_list(self) -> bool:
        return get_origin(self.field.annotation) is list

    @property
    def is_secret(self) -> bool:
        return self.path[0] == "secrets" and self.path[-1] in SECRET_VALUE_FIELDS


def _keys() -> list[ConfigKey]:
    keys: list[ConfigKey] = []
    for name, field in Settings.model_fields.items():
        if name in _NOT_FROM_CONFIG:
            continue
        nested = field.annotation
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            prefix = "" if nested is SecretSettings else name
            for sub, subfield in nested.model_fields.items():
                key = _camel(f"{prefix}_{sub}" if prefix else sub)
                keys.append(ConfigKey(key, (name, sub), subfield))
        else:
            keys.append(ConfigKey(_camel(name), (name,), field))
    return keys


ALL_KEYS: tuple[ConfigKey, ...] = tuple(_keys())
BY_NAME: dict[str, ConfigKey] = {key.name: key for key in ALL_KEYS}
BY_PATH: dict[tuple[str, ...], ConfigKey] = {key.path: key for key in ALL_KEYS}
DECLARED_KEYS: tuple[ConfigKey, ...] = tuple(k for k in ALL_KEYS if not k.is_secret)
SECRET_KEYS: tuple[ConfigKey, ...] = tuple(k for k in ALL_KEYS if k.is_secret)


def key_for(*path: str) -> ConfigKey:
    return BY_PATH[tuple(path)]


def example_value(key: ConfigKey) -> str:
    """A value to show in a `pulumi config set` hint."""
    examples = key.field.examples or _metadata_examples(key.field)
    if examples:
        return str(examples[0])
    annotation = key.field.annotation
    if annotation is bool:
        return "true"
    if annotation is int:
        return "2"
    choices = getattr(annotation, "__members__", None)
    if choices:
        return "|".join(member.value for member in choices.values())
    if key.is_list:
        (item,) = get_args(annotation)
        for meta in getattr(item, "__metadata__", ()):
            if getattr(meta, "examples", None):
                return str(meta.examples[0])
        return "<item>"
    return "<value>"


def _metadata_examples(field: FieldInfo) -> list[Any]:
    for meta in field.metadata:
        examples = getattr(meta, "examples", None)
        if examples:
            return list(examples)
    return []


def set_command(key: ConfigKey, value: Any = None) -> str:
    """The command that sets `key`, with `value` or an example."""
    shown = example_value(key) if value is None else value
    if isinstance(shown, bool):
        shown = str(shown).lower()
    secret = "--secret " if key.is_secret else ""
    if key.is_list:
        return f"pulumi config set --path '{key.full_name}[0]' {shown}"
    return f"pulumi config set {secret}{key.full_name} {shown}"
