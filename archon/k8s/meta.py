"""The metadata of every object the program creates.

Every object carries the Kubernetes recommended labels (see `labels`) and `pulumi.com/patchForce`:
the stack is the source of truth for every field it sets. A hand edit of such a field (`kubectl
edit`, `scale`, `patch`) is drift, which `pulumi up --refresh` takes back; under server-side apply
that takes a forced apply, or the other field manager's ownership stops `pulumi up` with a
conflict. Fields the program does not set (a Deployment's replicas under an autoscaler) stay with
whoever sets them.
"""

from __future__ import annotations

from typing import Any

OWNED_BY_THE_STACK = {"pulumi.com/patchForce": "true"}


def object_meta(
    name: str | None, namespace: Any, labels: dict[str, str], annotations: dict[str, str] | None = None
) -> dict[str, Any]:
    """`metadata` of an object: `name` None for an auto-named one, `namespace` None for a
    cluster-scoped one."""
    meta: dict[str, Any] = {}
    if name is not None:
        meta["name"] = name
    if namespace is not None:
        meta["namespace"] = namespace
    meta["labels"] = labels
    meta["annotations"] = {**OWNED_BY_THE_STACK, **(annotations or {})}
    return meta
