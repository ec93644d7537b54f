"""Reachability matrix: every flow Archon needs is allowed by the rendered NetworkPolicies, and
every other flow between these endpoints is denied, in every shipped stack and variant."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from harness import Rendered, render
from helpers_k8s import MCP_LOAD_BALANCER
from verify.reachability import Endpoint, allowed

# Who may talk to whom. `when` names the stack variants in which the flow must exist; in every
# other variant, and for every pair not listed, the verdict must be "deny".
REQUIRED = """
source               destination   port      when
ingress-controller   frontend      3737/TCP  no-ui-gate
ingress-controller   server        8181/TCP  no-ui-gate
ingress-controller   auth          4180/TCP  ui-gate
auth                 frontend      3737/TCP  ui-gate
auth                 server        8181/TCP  ui-gate
auth                 kube-dns      53/UDP    ui-gate
auth                 kube-dns      53/TCP    ui-gate
auth                 supabase      443/TCP   oidc
auth                 mcp-client    443/TCP   oidc
ingress-controller   mcp-auth      4180/TCP  mcp-gate
mcp-auth             mcp           8051/TCP  mcp-gate
mcp-auth             kube-dns      53/UDP    mcp-gate
mcp-auth             kube-dns      53/TCP    mcp-gate
mcp-client           mcp           8051/TCP  mcp-loadbalancer
ingress-controller   mcp           8051/TCP  mcp-ingress
mcp                  server        8181/TCP  always
server               mcp           8051/TCP  always
server               agents        8052/TCP  agents
mcp                  agents        8052/TCP  agents
agents               server        8181/TCP  agents
agents               mcp           8051/TCP  agents
server               kube-dns      53/UDP    always
server               kube-dns      53/TCP    always
mcp                  kube-dns      53/UDP    always
mcp                  kube-dns      53/TCP    always
agents               kube-dns      53/UDP    agents
agents               kube-dns      53/TCP    agents
server               supabase      443/TCP   always
server               supabase      80/TCP    always
mcp                  supabase      443/TCP   always
agents               supabase      443/TCP   agents
server               mcp-client    443/TCP   always
server               mcp-client    80/TCP    always
mcp                  mcp-client    443/TCP   always
agents               mcp-client    443/TCP   agents
prometheus           server        8181/TCP  prometheus
prometheus           mcp           8051/TCP  prometheus
prometheus           agents        8052/TCP  prometheus+agents
"""
# "supabase" and "mcp-client" are both public internet addresses: the services' HTTPS egress (and
# the server's HTTP egress for crawling) reaches either, as does the OIDC gate's egress to the
# identity provider; neither is a private or cluster address. The MCP LoadBalancer variant admits
# mcpSourceRanges 203.0.113.0/24, where mcp-client is. Behind a gate (auth, mcp-auth), only the
# gate reaches the service it guards from the edge: nothing else is new.

PORTS = [
    (3737, "TCP"),
    (8181, "TCP"),
    (8051, "TCP"),
    (8052, "TCP"),
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

VARIANTS: dict[str, tuple[str, dict[str, Any], set[str]]] = {
    # name: (stack, overrides, the `when` tags in force)
    "dev": ("dev", {}, {"always", "no-ui-gate"}),
    "prod": ("prod", {}, {"always", "ui-gate", "oidc", "mcp-gate"}),
    "prod+agents+prometheus": (
        "prod",
        {"agentsEnabled": True, "prometheusScrape": True},
        {"always", "ui-gate", "oidc", "mcp-gate", "agents", "prometheus", "prometheus+agents"},
    ),
    "prod+mcp-loadbalancer": ("prod", MCP_LOAD_BALANCER, {"always", "ui-gate", "oidc", "mcp-loadbalancer"}),
    "dev+mcp-ingress": (
        "dev",
        {"mcpExposure": "ingress", "mcpPublicUrl": "mcp.localhost:80"},
        {"always", "no-ui-gate", "mcp-ingress"},
    ),
    "dev+basicAuth+mcp-gate": (
        "dev",
        {
            "uiAccess": "basicAuth",
            "mcpExposure": "ingress",
            "mcpPublicUrl": "mcp.localhost:80",
            "mcpAuth": "credential",
        },
        {"always", "ui-gate", "mcp-gate"},
    ),
}


def required_flows(tags: set[str]) -> set[tuple[str, str, int, str]]:
    flows = set()
    for line in REQUIRED.strip().splitlines()[1:]:
        source, destination, port, when = line.split()
        number, protocol = port.split("/")
        if when in tags:
            flows.add((source, destination, int(number), protocol))
    return flows


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
    stack, overrides, tags = VARIANTS[variant]
    rendered = render(stack, overrides)
    expected = required_flows(tags)
    got = verdicts(rendered)
    assert got - expected == set(), "allowed but not required"
    assert expected - got == set(), "required but denied"


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
