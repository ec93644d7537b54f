"""Resource validator for the edge: in production, nothing publishes Archon without access control.

Archon v1 has no login, and its API returns the provider keys it stores. An Ingress or HTTPRoute
may send traffic to archon-server, archon-frontend or archon-mcp only when the edge restricts who
gets there (ingress-nginx's `whitelist-source-range`), or when the stack acknowledged an open
surface on purpose (the `access.archon/unauthenticated: acknowledged` annotation, which the program
sets only with `allowUnauthenticatedAccess`). Otherwise the route must go to an access gate
(archon-auth, archon-mcp-auth). A LoadBalancer cannot check a credential: it must name its client
networks, and none may be the whole internet. The program's settings refuse the same in production
(archon/settings/rules.py); this pack refuses it in any program that deploys Archon.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from archon_policy.k8s import describe, dig, kind_of
from archon_policy.workloads import DEVELOPMENT, environment

ARCHON_SERVICES = frozenset({"archon-server", "archon-frontend", "archon-mcp"})
ACKNOWLEDGED = ("access.archon/unauthenticated", "acknowledged")
SOURCE_RANGES = "nginx.ingress.kubernetes.io/whitelist-source-range"
FIX = (
    "put an access gate in front (uiAccess oidc or basicAuth, mcpAuth credential), restrict the "
    "client networks, or acknowledge a surface reachable only from a private network "
    "(allowUnauthenticatedAccess)"
)


def _backends(kind: str, props: Mapping[str, Any]) -> set[str]:
    if kind == "Ingress":
        rules = dig(props, "spec", "rules") or []
        paths = [p for rule in rules for p in (dig(rule, "http", "paths") or [])]
        return {str(dig(p, "backend", "service", "name")) for p in paths}
    refs = [ref for rule in dig(props, "spec", "rules") or [] for ref in rule.get("backendRefs") or []]
    return {str(ref.get("name")) for ref in refs if ref.get("kind", "Service") == "Service"}


def _open_to_anyone(cidrs: list[str]) -> list[str]:
    return [c for c in cidrs if ipaddress.ip_network(c.strip(), strict=False).prefixlen == 0]


def validate_edge(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    if environment(config) == DEVELOPMENT:
        return []
    kind = kind_of(resource_type)
    annotations = dig(props, "metadata", "annotations") or {}
    if kind == "Service":
        if dig(props, "spec", "type") != "LoadBalancer" or not ARCHON_SERVICES & {
            str(v) for v in (dig(props, "spec", "selector") or {}).values()
        }:
            return []
        ranges = [str(c) for c in dig(props, "spec", "loadBalancerSourceRanges") or []]
        wide = _open_to_anyone(ranges)
        if ranges and not wide:
            return []
        return [
            f"{describe(kind, props)} publishes Archon to "
            f"{'the whole internet (' + ', '.join(wide) + ')' if wide else 'anyone (no loadBalancerSourceRanges)'}, "
            "and a LoadBalancer cannot check a credential; list the clients' networks, or publish it "
            "behind an access gate on the edge"
        ]
    if kind not in ("Ingress", "HTTPRoute"):
        return []
    exposed = sorted(_backends(kind, props) & ARCHON_SERVICES)
    if not exposed:
        return []
    ranges = [c for c in str(annotations.get(SOURCE_RANGES, "")).split(",") if c.strip()]
    if ranges and not _open_to_anyone(ranges):
        return []
    if annotations.get(ACKNOWLEDGED[0]) == ACKNOWLEDGED[1]:
        return []
    return [f"{describe(kind, props)} publishes {', '.join(exposed)} to anyone, with no access control; {FIX}"]
