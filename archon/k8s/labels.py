"""Kubernetes recommended labels (app.kubernetes.io/*), on every object the program creates."""

from __future__ import annotations

import re

PART_OF = "archon"
MANAGED_BY = "pulumi"
NAME = "app.kubernetes.io/name"
INSTANCE = "app.kubernetes.io/instance"
COMPONENT = "app.kubernetes.io/component"
VERSION = "app.kubernetes.io/version"


def selector(name: str, instance: str) -> dict[str, str]:
    """The labels that select one service's pods; they never change over a Deployment's life."""
    return {NAME: name, INSTANCE: instance}


def labels(name: str, instance: str, component: str) -> dict[str, str]:
    """Selector labels plus the descriptive ones."""
    return {
        **selector(name, instance),
        COMPONENT: component,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def version(value: str | None) -> dict[str, str]:
    """`app.kubernetes.io/version`, when there is one to give."""
    return {VERSION: value} if value else {}


# A label value: at most 63 characters, alphanumeric at both ends, `-`, `_` and `.` between.
_NOT_IN_LABEL = re.compile(r"[^A-Za-z0-9_.-]+")


def version_label(tag: str, digest: str) -> str | None:
    """`app.kubernetes.io/version` of an image: its tag, or for an image pinned by digest alone,
    `sha256-` and the digest's first 12 hex digits. A digest as it stands (`sha256:<64 hex>`) is
    not a valid label value: the API server refuses the whole object."""
    if tag:
        value = tag
    elif digest:
        algorithm, _, hex_digits = digest.partition(":")
        value = f"{algorithm}-{hex_digits[:12]}"
    else:
        return None
    return _NOT_IN_LABEL.sub("-", value)[:63].strip("-_.") or None
