"""The config keys, as the settings model declares them: each field's alias is its key.

Non-secret keys are declared in Pulumi.yaml (generated from the model); secret keys are not (a
declared key would be demanded from every stack, also from those whose Secret is managed
elsewhere).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, SecretStr, TypeAdapter
from pydantic.fields import FieldInfo

from archon.settings.model import Settings
from archon.settings.types import ConfigForm

NAMESPACE = "archon"


@dataclass(frozen=True)
class ConfigKey:
    """One config key: its name (without the `archon:` namespace) and where it lands in the model."""

    name: str
    path: tuple[str, ...]  # field names, from Settings down
    field: FieldInfo

    @property
    def full_name(self) -> str:
        return f"{NAMESPACE}:{self.name}"

    @property
    def extra(self) -> dict[str, Any]:
        return self.field.json_schema_extra if isinstance(self.field.json_schema_extra, dict) else {}

    @property
    def is_secret(self) -> bool:
        return bool(self.extra.get("secret"))

    @property
    def group(self) -> str:
        return str(self.extra.get("group", ""))

    @property
    def per_stack(self) -> bool:
        return bool(self.extra.get("per_stack"))

    @property
    def form(self) -> ConfigForm:
        """How the value is written in Pulumi config."""
        return config_form(self.field)

    @property
    def is_list(self) -> bool:
        return self.form.type == "array"

    @property
    def structured(self) -> bool:
        """Arrays and objects arrive as JSON text."""
        return self.form.type in ("array", "object")

    def default_value(self) -> Any:
        """The default as Pulumi.yaml writes it (lists of key=value terms, host:port strings, ...)."""
        structured = self.form.type == "object"  # only what differs from the model's own defaults
        annotation = self.field.annotation
        if self.field.metadata:
            annotation = Annotated[(annotation, *self.field.metadata)]
        return TypeAdapter(annotation).dump_python(
            self.field.default, mode="json", by_alias=True, exclude_defaults=structured
        )


def _scalar(annotation: Any) -> str:
    if annotation is bool:
        return "boolean"
    if annotation is int:
        return "integer"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) or get_origin(annotation) is dict:
        return "object"
    return "string"  # str, enums, secrets and the parsed string forms


def unwrap_annotation(annotation: Any) -> Any:
    """The type under Annotated[...] and Optional[...]."""
    while True:
        if hasattr(annotation, "__metadata__"):
            annotation = annotation.__origin__
            continue
        args = [a for a in get_args(annotation) if a is not type(None)]
        if get_origin(annotation) is not None and type(None) in get_args(annotation) and len(args) == 1:
            annotation = args[0]
            continue
        return annotation


def config_form(field: FieldInfo) -> ConfigForm:
    for meta in [*field.metadata, *getattr(field.annotation, "__metadata__", ())]:
        if isinstance(meta, ConfigForm):
            return meta
    annotation = unwrap_annotation(field.annotation)
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        return ConfigForm("array", _scalar(unwrap_annotation(item)))
    return ConfigForm(_scalar(annotation))


def _keys() -> list[ConfigKey]:
    keys: list[ConfigKey] = []
    for name, field in Settings.model_fields.items():
        if field.alias is None:  # a group of settings: the service's, or the secrets
            group = field.annotation
            if isinstance(group, type) and issubclass(group, BaseModel):
                keys += [ConfigKey(sub.alias, (name, n), sub) for n, sub in group.model_fields.items() if sub.alias]
        else:
            keys.append(ConfigKey(field.alias, (name,), field))
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
    examples = key.field.examples or _metadata_examples(key.field.metadata)
    if not examples and key.is_list:
        (item,) = get_args(unwrap_annotation(key.field.annotation)) or (None,)
        examples = _metadata_examples(getattr(item, "__metadata__", ()))
    if examples:
        return str(examples[0])
    annotation = unwrap_annotation(key.field.annotation)
    if annotation is bool:
        return "true"
    if annotation is int:
        return "2"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "|".join(member.value for member in annotation)
    if annotation is SecretStr:
        return "<value>"
    return "<item>" if key.is_list else "<value>"


def _metadata_examples(metadata: Any) -> list[Any]:
    for meta in metadata:
        examples = getattr(meta, "examples", None)
        if examples:
            return list(examples)
    return []


def set_command(key: ConfigKey, value: Any = None) -> str:
    """The command that sets `key`, with `value` or an example."""
    shown = example_value(key) if value is None else value
    if isinstance(shown, bool):
        shown = str(shown).lower()
    if isinstance(shown, Enum):
        shown = shown.value
    secret = "--secret " if key.is_secret else ""
    if key.is_list:
        return f"pulumi config set --path '{key.full_name}[0]' {shown}"
    if key.form.type == "object":
        return f"pulumi config set --path '{key.full_name}.{shown}'"
    return f"pulumi config set {secret}{key.full_name} {shown}"


def parse(key: ConfigKey, text: str) -> Any:
    """A raw config string as the model takes it: arrays and objects are JSON."""
    return json.loads(text) if key.structured else text
