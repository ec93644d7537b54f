"""The flows Archon needs, and the NetworkPolicies that open exactly them.

The flows come from two tables: the service table's calls (archon/services) and the edge's routes
(archon/edge.py). From each flow both sides are derived: an egress rule on the caller and an
ingress rule on the callee, never one without the other. Where the guide went wrong, this does
it right:
- DNS is selected by `kubernetes.io/metadata.name` (set on every namespace), over UDP and TCP;
- the internet is an `ipBlock` (0.0.0.0/0 minus private ranges), not `namespaceSelector: {}`,
  which only ever matched pods in the cluster;
- the UI and API are reached from the edge's pods, which is where browsers' requests really come
  from; the frontend itself calls nobody (nginx only serves files).
Probes come from the kubelet on the node, which NetworkPolicies do not filter.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from dataclasses import dataclass

from archon import edge
from archon.k8s import labels as kl
from archon.services import BY_KEY, Peer, enabled
from archon.settings.model import McpExposure, Settings

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True)
class Flow:
    """Traffic that must be allowed: `source` and `destination` are service keys, or peers outside
    the namespace."""

    source: str | Peer
    destination: str | Peer
    port: int
    protocol: str = "TCP"


def _namespace_peer(namespace: str, pod_labels: dict[str, str] | None = None) -> dict:
    # namespaceSelector and podSelector in ONE peer: pods with these labels in that namespace.
    peer: dict = {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: namespace}}}
    if pod_labels:
        peer["podSelector"] = {"matchLabels": dict(pod_labels)}
    return peer


def _client_block(cidr: str, private: list[str]) -> dict:
    """MCP's LoadBalancer clients. A wide range such as 0.0.0.0/0 is meant for the internet: the
    cluster's own ranges are cut out of it, so pods and nodes do not get in through it."""
    network = ipaddress.ip_network(cidr)
    cut = [
        p
        for p in private
        if ipaddress.ip_network(p).version == network.version
        and ipaddress.ip_network(p) != network
        and ipaddress.ip_network(p).subnet_of(network)  # type: ignore[arg-type]
    ]
    return {"cidr": cidr, "except": cut} if cut else {"cidr": cidr}


def peers(settings: Settings) -> dict[Peer, list[dict]]:
    """The peers outside the namespace that Archon talks to, as NetworkPolicy peers."""
    return {
        Peer.EDGE: [_namespace_peer(settings.ingress_namespace, settings.ingress_pod_labels)],
        Peer.DNS: [_namespace_peer(settings.dns_namespace, settings.dns_pod_labels)],
        Peer.INTERNET: [{"ipBlock": {"cidr": "0.0.0.0/0", "except": list(settings.internet_egress_except)}}],
        Peer.PROMETHEUS: [_namespace_peer(settings.prometheus_namespace)],
        Peer.MCP_CLIENTS: [
            {"ipBlock": _client_block(cidr, settings.internet_egress_except)} for cidr in settings.mcp_source_ranges
        ],
    }


def plan_flows(settings: Settings) -> list[Flow]:
    """Every connection the stack needs, and nothing else, from the two tables."""
    present = {service.key for service in enabled(settings)}
    flows: list[Flow] = []

    # The edge reaches what its routes serve (through the gates, when they stand in front), and
    # each gate what it guards.
    served = [
        *edge.ui_routes(settings),
        *(edge.mcp_routes(settings) if settings.mcp_exposure is McpExposure.INGRESS else ()),
    ]
    flows += [Flow(Peer.EDGE, route.service, route.port) for route in served]
    for gate, routes in edge.GUARDED.items():
        if gate in present:
            flows += [Flow(gate, route.service, route.port) for route in routes]
    if settings.mcp_exposure is McpExposure.LOAD_BALANCER:
        flows.append(Flow(Peer.MCP_CLIENTS, "mcp", BY_KEY["mcp"].port))

    # What each service calls (the service table), where the callee runs in this stack.
    for service in enabled(settings):
        for call in service.calls:
            if not call.when(settings) or (isinstance(call.to, str) and call.to not in present):
                continue
            if isinstance(call.to, str):
                flows.append(Flow(service.key, call.to, BY_KEY[call.to].port))
                continue
            ports = call.ports(settings) if callable(call.ports) else call.ports
            flows += [Flow(service.key, call.to, port, protocol) for port in ports for protocol in call.protocols]
        if service.python and settings.prometheus_scrape:
            flows.append(Flow(Peer.PROMETHEUS, service.key, service.port))
    return list(dict.fromkeys(flows))  # unique, in the order planned


def _rules(grouped: dict[str, list[tuple[dict, dict]]], direction: str) -> list[dict]:
    """One rule per peer, listing that peer's ports, in the order the flows were planned."""
    rules: list[dict] = []
    by_peer: dict[str, dict] = {}
    for peer, port in grouped[direction]:
        key = repr(peer)
        if key not in by_peer:
            by_peer[key] = {"from" if direction == "ingress" else "to": [peer], "ports": []}
            rules.append(by_peer[key])
        if port not in by_peer[key]["ports"]:
            by_peer[key]["ports"].append(port)
    return rules


@dataclass(frozen=True)
class PolicyPlan:
    name: str  # the NetworkPolicy's: archon-server-netpol
    component: str
    spec: dict


def plan_policies(settings: Settings) -> list[PolicyPlan]:
    """One NetworkPolicy per service, derived from `plan_flows`."""
    instance = settings.namespace
    outside = peers(settings)

    def endpoints(endpoint: str | Peer) -> list[dict]:
        if isinstance(endpoint, str):
            return [{"podSelector": {"matchLabels": kl.selector(BY_KEY[endpoint].name, instance)}}]
        return outside[endpoint]

    present = [service.key for service in enabled(settings)]
    grouped: dict[str, dict[str, list]] = {key: defaultdict(list) for key in present}
    for flow in plan_flows(settings):
        port = {"protocol": flow.protocol, "port": flow.port}
        if isinstance(flow.source, str):
            grouped[flow.source]["egress"] += [(peer, port) for peer in endpoints(flow.destination)]
        if isinstance(flow.destination, str):
            grouped[flow.destination]["ingress"] += [(peer, port) for peer in endpoints(flow.source)]
    policies = []
    for key in present:
        name = BY_KEY[key].name
        # Both policy types, always: a direction without rules is denied, not left open.
        spec = {"podSelector": {"matchLabels": kl.selector(name, instance)}, "policyTypes": ["Ingress", "Egress"]}
        for direction in ("ingress", "egress"):
            if rules := _rules(grouped[key], direction):
                spec[direction] = rules
        policies.append(PolicyPlan(f"{name}-netpol", key, spec))
    return policies
