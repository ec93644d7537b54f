"""Resource validators for pod templates: Pod Security, requests and limits, pinned images.

Each takes the resource type token, its inputs and the policy's config, and returns violation
messages that name the object and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archon_rules import images, pod_security
from archon_rules.pod_security import containers

from archon_policy.k8s import describe, kind_of, pod_template

PRODUCTION, DEVELOPMENT = "production", "development"
DEFAULT_REQUIRED_RESOURCES = ("cpu", "memory")


def validate_pod_security(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    kind = kind_of(resource_type)
    template = pod_template(kind, props)
    if template is None:
        return []
    return [
        f"{describe(kind, props)} ({template.path}) breaks Pod Security restricted: {problem}"
        for problem in pod_security.check_pod(template.metadata, template.spec)
    ]


def validate_resources(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    kind = kind_of(resource_type)
    template = pod_template(kind, props)
    if template is None:
        return []
    required = list(config.get("requiredResources") or DEFAULT_REQUIRED_RESOURCES)
    problems = []
    # Ephemeral containers cannot declare resources; init and app containers must.
    for field, container in containers(template.spec, ephemeral=False):
        resources = container.get("resources") or {}
        missing = [
            f"{section}.{name}"
            for section in ("requests", "limits")
            for name in required
            if (resources.get(section) or {}).get(name) in (None, "")
        ]
        if missing:
            problems.append(
                f'{describe(kind, props)}: {field} "{container.get("name", "?")}" has no resources '
                f"{', '.join(missing)}; set resources.requests and resources.limits for {', '.join(required)}"
            )
    return problems


def split_image(image: str) -> tuple[str, str, str]:
    """`registry:5000/repo/name:tag@sha256:...` -> (repository, tag, digest); "" where absent."""
    name, _, digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return name[:colon], name[colon + 1 :], digest
    return name, "", digest


def mutable_image(image: str) -> bool:
    _, tag, digest = split_image(image)
    return images.is_mutable(tag, digest)


def environment(config: Mapping[str, Any]) -> str:
    """Production unless the pack config says development explicitly."""
    return DEVELOPMENT if config.get("environment") == DEVELOPMENT else PRODUCTION


def validate_image_tags(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    if environment(config) == DEVELOPMENT:
        return []
    kind = kind_of(resource_type)
    template = pod_template(kind, props)
    if template is None:
        return []
    problems = []
    for field, container in containers(template.spec):
        image = str(container.get("image") or "")
        if mutable_image(image):
            _, tag, _ = split_image(image)
            problems.append(
                f'{describe(kind, props)}: {field} "{container.get("name", "?")}" runs {image or "(no image)"}, '
                f"whose tag {tag or '(none, i.e. latest)'} is mutable; production pins images: use a version tag "
                "or add a digest (image@sha256:...), or give this pack environment=development for a dev stack"
            )
    return problems
