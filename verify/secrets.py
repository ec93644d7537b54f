"""Where secret values show up in rendered objects, and whether they are held as Pulumi secrets."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from verify.tree import leaves


def leaks(objects: Iterable[dict[str, Any]], secret_values: Iterable[str]) -> list[str]:
    """Every place outside a Secret's data where one of the values appears, even inside a string."""
    values = [v for v in secret_values if v]
    found = []
    for obj in objects:
        for path, leaf in leaves(obj):
            if obj["kind"] == "Secret" and path.startswith(("/data/", "/stringData/")):
                continue
            if isinstance(leaf, str) and any(value in leaf for value in values):
                found.append(f"{obj['kind']}/{obj['metadata']['name']}{path}")
    return found


def unprotected_secret_data(objects: Iterable[dict[str, Any]], secret_paths: set[tuple[str, str, str]]) -> list[str]:
    """Secret data that the program did not mark as a Pulumi secret (and would store in plain text)."""
    found = []
    for obj in objects:
        if obj["kind"] != "Secret":
            continue
        name = obj["metadata"]["name"]
        marked = {path for kind, secret_name, path in secret_paths if (kind, secret_name) == ("Secret", name)}
        for field in ("data", "stringData"):
            for key in obj.get(field) or {}:
                if not {f"/{field}", f"/{field}/{key}"} & marked:
                    found.append(f"Secret/{name}/{field}/{key}")
    return found
