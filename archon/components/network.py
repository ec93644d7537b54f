"""NetworkPolicies: deny everything in the namespace, then open exactly the flows Archon uses.

The flows are one table (`plan_flows`), from which both sides of every in-namespace connection
are derived: an egress rule on the caller and an ingress rule on the callee, never one without
the other. Where the guide went wrong, this does it right:
- DNS is selected by `kubernetes.io/metadata.name` (set on every namespace), over UDP and TCP;
- the internet is an `ipBlock` (0.0.0.0/0 minus private ranges), not `namespaceSelector: {}`,
  which only ever matched pods in the cluster;
- the UI and API are reached from the ingress controller's pods, which is where browsers'
  requests really come from; the frontend itself calls nobody (nginx only serves files).
Probes come from the kubelet on the node, which NetworkPolicies do not filter.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from archon.components.app_config import AGENTS_PORT, MCP_PORT, SERVER_PORT, UI_PORT
from archon.components.edge import AUTH_PORT
from archon.k8s import labels as kl
from archon.k8s.meta import object_meta
from archon.settings import McpExposure, Settings
from archon.settings.model import UiAccess, label_terms_to_dict

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
DNS_PORT = 53
HTTPS = 443
SERVICE_NAMES = {
    "server": "archon-server",
    "mcp": "archon-mcp",
    "agents": "archon-agents",
    "frontend": "archon-frontend",
    "auth": "archon-auth",
    "mcp-auth": "archon-mcp-auth",
}


@dataclass(frozen=True)
class Flow:
    """Traffic that must be allowed: `source` or `destination` is a service component name, or a
    peer outside the namespace (given as a NetworkPolicy peer manifest)."""

    source: Any
    destination: Any
    port: int
    protocol: str = "TCP"


def _namespace_peer(namespace: str, pod_labels: dict[str, str] | None = None) -> dict:
    # namespaceSelector and podSelector in ONE peer: pods with these labels in that namespace.
    peer: dict = {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: namespace}}}
    if pod_labels:
        peer["podSelector"] = {"matchLabels": pod_labels}
    return peer


def peers(settings: Settings) -> dict[str, Any]:
    """The peers outside the namespace that Archon talks to, by role."""
    result = {
        "ingress-controller": _namespace_peer(
            settings.ingress_namespace, label_terms_to_dict(settings.ingress_pod_labels)
        ),
        "dns": _namespace_peer(settings.dns_namespace, label_terms_to_dict(settings.dns_pod_labels)),
        "internet": {"ipBlock": {"cidr": "0.0.0.0/0", "except": list(settings.internet_egress_except)}},
        "prometheus": _namespace_peer(settings.prometheus_namespace),
    }
    for cidr in settings.mcp_source_ranges:
        result[f"mcp-clients:{cidr}"] = {"ipBlock": _client_block(cidr, settings.internet_egress_except)}
    return result


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


def plan_flows(settings: Settings) -> list[Flow]:
    """Every connection the stack needs, and nothing else."""
    outside = peers(settings)
    python = ["server", "mcp"] + (["agents"] if settings.agents_enabled else [])
    ports = {"server": SERVER_PORT, "mcp": MCP_PORT, "agents": AGENTS_PORT, "frontend": UI_PORT}
    flows: list[Flow] = []

    # Browsers, through the edge (ingress controller or Gateway): the UI's files and the API
    # (/api, /health); behind a gate, through it.
    if settings.ui_gate:
        flows += [
            Flow(outside["ingress-controller"], "auth", AUTH_PORT),
            Flow("auth", "frontend", UI_PORT),
            Flow("auth", "server", SERVER_PORT),
        ]
    else:
        flows += [
            Flow(outside["ingress-controller"], "frontend", UI_PORT),
            Flow(outside["ingress-controller"], "server", SERVER_PORT),
        ]
    # MCP clients, the way MCP is exposed.
    if settings.mcp_gate:
        flows += [Flow(outside["ingress-controller"], "mcp-auth", AUTH_PORT), Flow("mcp-auth", "mcp", MCP_PORT)]
    elif settings.mcp_exposure is McpExposure.INGRESS:
        flows.append(Flow(outside["ingress-controller"], "mcp", MCP_PORT))
    elif settings.mcp_exposure is McpExposure.LOAD_BALANCER:
        flows += [Flow(outside[f"mcp-clients:{cidr}"], "mcp", MCP_PORT) for cidr in settings.mcp_source_ranges]

    # Between the Python services: MCP's tools call the API; the API checks MCP's health; with
    # agents, the API and MCP call the agents, which read credentials from the API and use MCP.
    flows += [Flow("mcp", "server", SERVER_PORT), Flow("server", "mcp", MCP_PORT)]
    if settings.agents_enabled:
        flows += [
            Flow("server", "agents", AGENTS_PORT),
            Flow("mcp", "agents", AGENTS_PORT),
            Flow("agents", "server", SERVER_PORT),
            Flow("agents", "mcp", MCP_PORT),
        ]

    # Out of the cluster: name resolution, Supabase/OpenAI/Logfire over HTTPS, and the web pages
    # that the server crawls.
    for service in python:
        flows += [Flow(service, outside["dns"], DNS_PORT, protocol) for protocol in ("UDP", "TCP")]
        egress_ports = settings.crawler_egress_ports if service == "server" else [HTTPS]
        flows += [Flow(service, outside["internet"], port) for port in egress_ports]

    # The gates resolve the Services they proxy to; the OIDC gate also talks to the identity
    # provider (discovery, token and keys endpoints) over HTTPS.
    for gate in gates(settings):
        flows += [Flow(gate, outside["dns"], DNS_PORT, protocol) for protocol in ("UDP", "TCP")]
    if settings.ui_access is UiAccess.OIDC:
        flows.append(Flow("auth", outside["internet"], HTTPS))

    if settings.prometheus_scrape:
        flows += [Flow(outside["prometheus"], service, ports[service]) for service in python]
    return flows


def gates(settings: Settings) -> list[str]:
    return (["auth"] if settings.ui_gate else []) + (["mcp-auth"] if settings.mcp_gate else [])


def _peer(endpoint: Any, settings: Settings) -> dict:
    if isinstance(endpoint, str):
        return {"podSelector": {"matchLabels": kl.selector(SERVICE_NAMES[endpoint], settings.namespace)}}
    return endpoint


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


def plan_policies(settings: Settings) -> dict[str, dict]:
    """NetworkPolicy specs by service component, derived from `plan_flows`."""
    present = ["server", "mcp", "frontend"] + (["agents"] if settings.agents_enabled else []) + gates(settings)
    grouped: dict[str, dict[str, list]] = {name: defaultdict(list) for name in present}
    for flow in plan_flows(settings):
        port = {"protocol": flow.protocol, "port": flow.port}
        if isinstance(flow.source, str):
            grouped[flow.source]["egress"].append((_peer(flow.destination, settings), port))
        if isinstance(flow.destination, str):
            grouped[flow.destination]["ingress"].append((_peer(flow.source, settings), port))
    policies = {}
    for name in present:
        # Both policy types, always: a direction without rules is denied, not left open.
        spec = {
            "podSelector": {"matchLabels": kl.selector(SERVICE_NAMES[name], settings.namespace)},
            "policyTypes": ["Ingress", "Egress"],
        }
        for direction in ("ingress", "egress"):
            if rules := _rules(grouped[name], direction):
                spec[direction] = rules
        policies[name] = spec
    return policies


class NetworkPolicies(pulumi.ComponentResource):
    def __init__(
        self,
        resource_name: str,
        settings: Settings,
        namespace: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("archon:index:NetworkPolicies", resource_name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        def metadata(name: str, component: str) -> dict:
            return object_meta(name, namespace, kl.labels(name, settings.namespace, component))

        # Every pod in the namespace, including any started by hand, starts with no traffic at all.
        self.default_deny = k8s.networking.v1.NetworkPolicy(
            "default-deny-all",
            metadata=metadata("default-deny-all", "network"),
            spec={"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
            opts=child,
        )
        self.policies = {
            component: k8s.networking.v1.NetworkPolicy(
                f"{SERVICE_NAMES[component]}-netpol",
                metadata=metadata(f"{SERVICE_NAMES[component]}-netpol", component),
                spec=spec,
                opts=child,
            )
            for component, spec in plan_policies(settings).items()
        }
        self.register_outputs(
            {"policies": [self.default_deny.metadata["name"], *(p.metadata["name"] for p in self.policies.values())]}
        )
