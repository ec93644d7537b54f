"""Reachability matrix: every flow Archon needs is allowed by the rendered NetworkPolicies, and
every other flow between these endpoints is denied, in every shipped stack and variant."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from archon.flows import plan_flows
from archon.services import Peer
from archon.settings.model import Settings
from harness import Rendered, render, settings_of
from helpers_k8s import MCP_LOAD_BALANCER
from verify.reachability import Endpoint, allowed

# The endpoints of the matrix that stand for each peer of the service table. "supabase" and
# "mcp-client" are both public internet addresses: the services' internet egress reaches either.
PEER_ENDPOINTS = {
    Peer.EDGE: ("ingress-controller",),
    Peer.DNS: ("kube-dns",),
    Peer.INTERNET: ("supabase", "mcp-client"),
    Peer.PROMETHEUS: ("prometheus",),
    Peer.MCP_CLIENTS: ("mcp-client",),  # 203.0.113.0/24, the variants' mcpSourceRanges
}


def required_flows(settings: Settings) -> set[tuple[str, str, int, str]]:
    """What the tables say must be open (archon/flows.py plans it from the service table and the
    edge's routes), with each peer as the matrix's endpoints that stand for it."""

    def names(endpoint: str | Peer) -> tuple[str, ...]:
        return (endpoint,) if isinstance(endpoint, str) else PEER_ENDPOINTS[endpoint]

    return {
        (source, destination, flow.port, flow.protocol)
        for flow in plan_flows(settings)
        for source in names(flow.source)
        for destination in names(flow.destination)
    }


PRIVATE = {"private-cluster-address", "node-address", "cloud-metadata", "other-namespace-pod", "kube-system-other-pod"}

PORTS = [
    (3737, "TCP"),
    (8181, "TCP"),
    (8051, "TCP"),
    (8052, "TCP"),
    (8053, "TCP"),
    (4180, "TCP"),
    (53, "UDP"),
    (53, "TCP"),
    (443, "TCP"),
    (80, "TCP"),
    (5432, "TCP"),
]

OUTSIDE = [
    Endpoint("ingress-controller", "10.244.9.9", "ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"}),
    Endpoint("other-namespace-pod", "10.244.8.8", "default", {"app": "curious"}),
    Endpoint("ingress-nginx-other-pod", "10.244.9.10", "ingress-nginx", {"app.kubernetes.io/name": "something-else"}),
    Endpoint("kube-dns", "10.244.0.53", "kube-system", {"k8s-app": "kube-dns"}),
    Endpoint("kube-system-other-pod", "10.244.0.54", "kube-system", {"k8s-app": "metrics-server"}),
    Endpoint("prometheus", "10.244.7.7", "monitoring", {"app.kubernetes.io/name": "prometheus"}),
    Endpoint("supabase", "104.18.38.10"),  # a public address, as Supabase's
    Endpoint("mcp-client", "203.0.113.50"),
    Endpoint("private-cluster-address", "10.96.0.1"),
    Endpoint("node-address", "192.168.1.20"),
    Endpoint("cloud-metadata", "169.254.169.254"),
]

VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "dev": ("dev", {}),
    "prod": ("prod", {}),
    "prod+agents+prometheus": ("prod", {"agentsEnabled": True, "prometheusScrape": True}),
    "prod+agent-work-orders": ("prod", {"agentWorkOrdersEnabled": True, "agentsEnabled": True}),
    "prod+mcp-loadbalancer": ("prod", MCP_LOAD_BALANCER),
    "dev+mcp-ingress": ("dev", {"mcpExposure": "ingress", "mcpPublicUrl": "mcp.localhost:80"}),
    "dev+basicAuth+mcp-gate": (
        "dev",
        {
            "uiAccess": "basicAuth",
            "mcpExposure": "ingress",
            "mcpPublicUrl": "mcp.localhost:80",
            "mcpAuth": "credential",
        },
    ),
}


def archon_pods(rendered: Rendered) -> list[Endpoint]:
    (namespace,) = rendered.of_kind("Namespace")
    pods = []
    for index, deployment in enumerate(rendered.of_kind("Deployment")):
        template = deployment["spec"]["template"]
        pods.append(
            Endpoint(
                template["metadata"]["labels"]["app.kubernetes.io/component"],
                f"10.244.5.{index + 10}",
                namespace["metadata"]["name"],
                template["metadata"]["labels"],
                namespace["metadata"]["labels"],
            )
        )
    # A pod started by hand in the namespace (kubectl run) must get nothing either.
    pods.append(
        Endpoint(
            "stray-pod", "10.244.5.99", namespace["metadata"]["name"], {"run": "debug"}, namespace["metadata"]["labels"]
        )
    )
    return pods


def matrix(rendered: Rendered) -> Iterator[tuple[Endpoint, Endpoint, int, str, bool]]:
    policies = rendered.of_kind("NetworkPolicy")
    endpoints = archon_pods(rendered) + OUTSIDE
    for source, destination in itertools.permutations(endpoints, 2):
        if not (source.is_pod and source.namespace == rendered.outputs["namespace"]) and not (
            destination.is_pod and destination.namespace == rendered.outputs["namespace"]
        ):
            continue  # neither end in Archon's namespace: not ours to judge
        for port, protocol in PORTS:
            yield source, destination, port, protocol, allowed(policies, source, destination, port, protocol)


def verdicts(rendered: Rendered) -> set[tuple[str, str, int, str]]:
    return {(s.name, d.name, port, proto) for s, d, port, proto, ok in matrix(rendered) if ok}


@pytest.mark.parametrize("variant", VARIANTS)
def test_exactly_the_required_flows_are_allowed(variant: str) -> None:
    stack, overrides = VARIANTS[variant]
    rendered = render(stack, overrides)
    expected = required_flows(settings_of(stack, overrides))
    got = verdicts(rendered)
    assert got - expected == set(), "allowed but not required"
    assert expected - got == set(), "required but denied"
    # Whatever the tables say: the frontend calls nobody, and the coding agent reaches no private
    # address and, in the namespace, only the server and MCP; nobody reaches the cloud's metadata.
    assert not {flow for flow in got if flow[0] == "frontend"}
    agent = {(d, port) for s, d, port, _ in got if s == "agent-work-orders"}
    assert not {d for d, _ in agent} & PRIVATE
    assert {d for d, _ in agent} <= {"server", "mcp", "kube-dns", "supabase", "mcp-client"}
    assert {port for d, port in agent if d in ("supabase", "mcp-client")} <= {443}
    assert {s for s, d, _, _ in got if d == "agent-work-orders"} <= {"server"}
    assert not {flow for flow in got if flow[1] == "cloud-metadata"}


def test_the_work_orders_variant_covers_its_flows() -> None:
    """The variant really runs the agent, so the checks above are not vacuous."""
    stack, overrides = VARIANTS["prod+agent-work-orders"]
    got = verdicts(render(stack, overrides))
    assert {("server", "agent-work-orders", 8053, "TCP"), ("agent-work-orders", "mcp", 8051, "TCP")} <= got
    assert ("agent-work-orders", "supabase", 443, "TCP") in got
    assert ("agent-work-orders", "agents", 8052, "TCP") not in got


def test_the_matrix_fails_when_a_policy_is_loosened(prod: Rendered) -> None:
    """Seeded violation: the guide's `namespaceSelector: {}` on the server's ingress."""
    broken = copy.deepcopy(prod)
    policy = next(p for p in broken.objects if p["metadata"]["name"] == "archon-server-netpol")
    policy["spec"]["ingress"].append(
        {"from": [{"namespaceSelector": {}}], "ports": [{"port": 8181, "protocol": "TCP"}]}
    )
    assert ("other-namespace-pod", "server", 8181, "TCP") in verdicts(broken) - verdicts(prod)


def test_the_matrix_fails_when_a_required_flow_is_cut(prod: Rendered) -> None:
    """Seeded violation: DNS over TCP removed from MCP's egress."""
    broken = copy.deepcopy(prod)
    policy = next(p for p in broken.objects if p["metadata"]["name"] == "archon-mcp-netpol")
    for rule in policy["spec"]["egress"]:
        rule["ports"] = [port for port in rule["ports"] if port != {"protocol": "TCP", "port": 53}]
    assert verdicts(prod) - verdicts(broken) == {("mcp", "kube-dns", 53, "TCP")}
