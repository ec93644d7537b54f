"""Resource validator for Services reachable from outside the cluster (LoadBalancer, NodePort)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archon_policy.k8s import describe, dig, kind_of, namespace_of, object_name

EXPOSED_TYPES = ("LoadBalancer", "NodePort")


def validate_exposed_services(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    """A LoadBalancer or NodePort Service needs `allowLoadBalancer: true`, or its name (or
    `namespace/name`) in `allowedLoadBalancers`."""
    if kind_of(resource_type) != "Service":
        return []
    service_type = dig(props, "spec", "type") or "ClusterIP"
    if service_type not in EXPOSED_TYPES:
        return []
    if config.get("allowLoadBalancer") is True:
        return []
    name = object_name(props)
    allowed = {str(entry) for entry in config.get("allowedLoadBalancers") or []}
    if name in allowed or f"{namespace_of(props)}/{name}" in allowed:
        return []
    return [
        f"{describe('Service', props)} is type {service_type}, which exposes it outside the cluster; use a "
        f'ClusterIP Service behind an Ingress, or allow it in the pack config: "allowedLoadBalancers": ["{name}"]'
    ]
