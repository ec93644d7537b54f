"""Kubernetes recommended labels (app.kubernetes.io/*), on every object the program creates."""

from __future__ import annotations

PART_OF = "archon"
MANAGED_BY = "pulumi"
NAME = "app.kubernetes.io/name"
INSTANCE = "app.kubernetes.io/instance"
COMPONENT = "app.kubernetes.io/component"


def selector(name: str, instance: str) -> dict[str, str]:
    """The labels that select one service's pods; they never change over a Deployment's life."""
    return {NAME: name, INSTANCE: instance}


def labels(name: str, instance: str, component: str, version: str | None = None) -> dict[str, str]:
    """Selector labels plus the descriptive ones."""
    result = {
        **selector(name, instance),
        COMPONENT: component,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }
    if version:
        result["app.kubernetes.io/version"] = version[:63]
    return result
