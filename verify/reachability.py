"""Which connections NetworkPolicies allow, evaluated with Kubernetes' semantics.

- A pod is open in a direction until some policy in its namespace selects it for that direction
  (`policyTypes`; without it, Ingress always and Egress when the policy has egress rules).
- Once selected, a connection is allowed if any rule of any selecting policy admits it (union).
- A connection between two pods needs both the source's egress and the destination's ingress.
- A rule with no `from`/`to` admits every peer; with no `ports`, every port.
- A peer with `namespaceSelector` and `podSelector` together selects those pods in those
  namespaces; a `podSelector` alone means the policy's own namespace; a `namespaceSelector` alone
  means every pod in the selected namespaces; `ipBlock` matches addresses (minus `except`).
  Endpoints outside the cluster are matched by `ipBlock` only.
- A port entry without protocol is TCP; `endPort` makes it a range; named ports resolve against
  the destination's container ports.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True)
class Endpoint:
    """A pod (with a namespace) or an address outside the cluster (namespace None)."""

    name: str
    ip: str
    namespace: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    namespace_labels: Mapping[str, str] = field(default_factory=dict)
    named_ports: Mapping[str, int] = field(default_factory=dict)

    @property
    def is_pod(self) -> bool:
        return self.namespace is not None

    def all_namespace_labels(self) -> dict[str, str]:
        # The API server sets kubernetes.io/metadata.name on every namespace.
        return {**self.namespace_labels, NAMESPACE_NAME_LABEL: self.namespace or ""}


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A LabelSelector: matchLabels and matchExpressions; an empty selector matches everything."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def _ip_block_matches(block: Mapping[str, Any], ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    cidr = ipaddress.ip_network(block["cidr"], strict=False)
    if address.version != cidr.version or address not in cidr:
        return False
    return not any(
        address.version == ipaddress.ip_network(e, strict=False).version
        and address in ipaddress.ip_network(e, strict=False)
        for e in block.get("except") or []
    )


def peer_matches(peer: Mapping[str, Any], policy_namespace: str, endpoint: Endpoint) -> bool:
    if "ipBlock" in peer:
        return _ip_block_matches(peer["ipBlock"], endpoint.ip)
    if not endpoint.is_pod:
        return False
    if "namespaceSelector" in peer:
        if not selector_matches(peer["namespaceSelector"], endpoint.all_namespace_labels()):
            return False
    elif endpoint.namespace != policy_namespace:
        return False
    return selector_matches(peer.get("podSelector"), endpoint.labels)


def port_matches(entries: Iterable[Mapping[str, Any]] | None, port: int, protocol: str, destination: Endpoint) -> bool:
    entries = list(entries or [])
    if not entries:
        return True
    for entry in entries:
        if entry.get("protocol", "TCP") != protocol:
            continue
        wanted = entry.get("port")
        if wanted is None:
            return True
        if isinstance(wanted, str):
            wanted = destination.named_ports.get(wanted)
            if wanted is None:
                continue
        if wanted <= port <= entry.get("endPort", wanted):
            return True
    return False


def _policy_types(spec: Mapping[str, Any]) -> list[str]:
    if "policyTypes" in spec:
        return list(spec["policyTypes"])
    return ["Ingress"] + (["Egress"] if "egress" in spec else [])


def _direction_allows(
    policies: Iterable[Mapping[str, Any]],
    subject: Endpoint,
    other: Endpoint,
    destination: Endpoint,
    port: int,
    protocol: str,
    direction: str,
) -> bool:
    """Whether `subject`'s policies let traffic to/from `other` through in `direction`."""
    if not subject.is_pod:
        return True  # outside the cluster: no NetworkPolicy applies
    selected = [
        p
        for p in policies
        if p["metadata"].get("namespace") == subject.namespace
        and direction in _policy_types(p["spec"])
        and selector_matches(p["spec"].get("podSelector"), subject.labels)
    ]
    if not selected:
        return True
    rules_key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    for policy in selected:
        for rule in policy["spec"].get(rules_key) or []:
            peers = rule.get(peers_key)
            if peers and not any(peer_matches(peer, subject.namespace, other) for peer in peers):
                continue
            if port_matches(rule.get("ports"), port, protocol, destination):
                return True
    return False


def allowed(
    policies: Iterable[Mapping[str, Any]], source: Endpoint, destination: Endpoint, port: int, protocol: str = "TCP"
) -> bool:
    """Whether `source` may open a connection to `destination` on port/protocol."""
    policies = [p for p in policies if p.get("kind", "NetworkPolicy") == "NetworkPolicy"]
    return _direction_allows(
        policies, source, destination, destination, port, protocol, "Egress"
    ) and _direction_allows(policies, destination, source, destination, port, protocol, "Ingress")
