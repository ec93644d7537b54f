"""NetworkPolicies: deny all, then exactly Archon's flows, with the guide's mistakes corrected."""

from __future__ import annotations

import pytest

from helpers_k8s import (
    MCP_INGRESS,
    MCP_LOAD_BALANCER,
    PORTS,
    PYTHON_SERVICES,
    is_namespace_peer,
    pod_peer_name,
    policies_for,
    policy_for,
    rules,
    values_of_key,
    variant,
    with_agents,
)

PRIVATE_RANGES = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"}
INGRESS_CONTROLLER = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}},
    "podSelector": {"matchLabels": {"app.kubernetes.io/name": "ingress-nginx"}},
}


def python_services(r):
    return [s for s in PYTHON_SERVICES if s in {d["metadata"]["name"] for d in r.of_kind("Deployment")}]


def peers(r, service, direction):
    return [peer for peer, _ in rules(policy_for(r, service), direction)]


def ports_for(r, service, direction, predicate):
    return set().union(*[ports for peer, ports in rules(policy_for(r, service), direction) if predicate(peer)])


# --- structure ---------------------------------------------------------------------------------


def test_default_deny_all(shipped):
    (deny,) = [p for p in shipped.of_kind("NetworkPolicy") if p["spec"]["podSelector"] == {}]
    assert set(deny["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert not deny["spec"].get("ingress") and not deny["spec"].get("egress")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_service_has_one_policy_for_both_directions(stack):
    r = with_agents(stack)
    for deployment in r.of_kind("Deployment"):
        (policy,) = policies_for(r, deployment["metadata"]["name"])
        assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_empty_namespace_selector_anywhere(stack):
    r = with_agents(stack)
    assert {} not in list(values_of_key(r.objects, "namespaceSelector"))
    # ... and no selector on a `name` label that namespaces do not carry by default.
    for selector in values_of_key(r.objects, "namespaceSelector"):
        assert list(selector["matchLabels"]) == ["kubernetes.io/metadata.name"]


def test_in_namespace_flows_are_allowed_on_both_sides():
    """Every egress to an Archon pod is admitted by that pod's ingress, and vice versa."""
    r = with_agents()
    edges = {"egress": set(), "ingress": set()}
    for service in [d["metadata"]["name"] for d in r.of_kind("Deployment")]:
        for direction in edges:
            for peer, ports in rules(policy_for(r, service), direction):
                other = pod_peer_name(peer)
                if other:
                    pair = (service, other) if direction == "egress" else (other, service)
                    edges[direction] |= {(*pair, port) for port in ports}
    assert edges["egress"] == edges["ingress"]
    assert edges["egress"]


def test_ingress_ports_are_the_services_ports():
    r = with_agents()
    for service in python_services(r) + ["archon-frontend"]:
        ports = ports_for(r, service, "ingress", lambda peer: True)
        assert ports == {("TCP", PORTS[service])}, service


# --- the guide's corrections -----------------------------------------------------------------


@pytest.mark.parametrize("service", PYTHON_SERVICES)
def test_dns_by_metadata_name_over_udp_and_tcp(service):
    r = with_agents()
    dns = [(p, ports) for p, ports in rules(policy_for(r, service), "egress") if is_namespace_peer(p, "kube-system")]
    assert dns, "no DNS egress"
    assert all(p.get("podSelector", {}).get("matchLabels") == {"k8s-app": "kube-dns"} for p, _ in dns)
    assert {("UDP", 53), ("TCP", 53)} <= set().union(*[ports for _, ports in dns])


@pytest.mark.parametrize("service", PYTHON_SERVICES)
def test_internet_by_ip_block_minus_private_ranges(service):
    r = with_agents()
    blocks = [p["ipBlock"] for p in peers(r, service, "egress") if "ipBlock" in p]
    (block,) = blocks
    assert block["cidr"] == "0.0.0.0/0"
    assert PRIVATE_RANGES <= set(block["except"])
    ports = ports_for(r, service, "egress", lambda p: "ipBlock" in p)
    assert ("TCP", 443) in ports  # Supabase, OpenAI, Logfire


def test_server_crawls_http_and_https(prod):
    assert {("TCP", 80), ("TCP", 443)} <= ports_for(prod, "archon-server", "egress", lambda p: "ipBlock" in p)


def test_excluded_ranges_are_configurable():
    r = variant("prod", internetEgressExcept=["10.96.0.0/12"])
    (block,) = [p["ipBlock"] for p in peers(r, "archon-server", "egress") if "ipBlock" in p]
    assert block["except"] == ["10.96.0.0/12"]


@pytest.mark.parametrize("service", ["archon-server", "archon-frontend"])
def test_browsers_arrive_from_the_ingress_controller(shipped, service):
    """Straight to the UI and API, or, behind a gate, to the gate alone, which reaches them."""
    gated = "archon-auth" in {d["metadata"]["name"] for d in shipped.of_kind("Deployment")}
    entry = "archon-auth" if gated else service
    port = 4180 if gated else PORTS[service]
    assert ports_for(shipped, entry, "ingress", lambda p: p == INGRESS_CONTROLLER) == {("TCP", port)}
    if gated:
        assert INGRESS_CONTROLLER not in peers(shipped, service, "ingress")
        assert ports_for(shipped, service, "ingress", lambda p: pod_peer_name(p) == "archon-auth") == {
            ("TCP", PORTS[service])
        }


def test_ingress_controller_peer_is_never_a_whole_namespace():
    for r in (variant("prod"), variant("prod", **MCP_INGRESS)):
        for peer in values_of_key(r.of_kind("NetworkPolicy"), "from"):
            for p in peer:
                if is_namespace_peer(p, "ingress-nginx"):
                    assert p == INGRESS_CONTROLLER


def test_server_admits_only_the_ingress_controller_and_mcp(dev):
    sources = peers(dev, "archon-server", "ingress")
    assert {pod_peer_name(p) for p in sources if pod_peer_name(p)} == {"archon-mcp"}
    assert [p for p in sources if not pod_peer_name(p)] == [INGRESS_CONTROLLER]


def test_behind_its_gate_the_server_admits_only_the_gate_and_mcp(prod):
    sources = peers(prod, "archon-server", "ingress")
    assert {pod_peer_name(p) for p in sources} == {"archon-auth", "archon-mcp"}


def test_frontend_calls_nobody(shipped):
    policy = policy_for(shipped, "archon-frontend")
    assert "Egress" in policy["spec"]["policyTypes"]
    assert not policy["spec"].get("egress")
    (source,) = peers(shipped, "archon-frontend", "ingress")
    assert source == INGRESS_CONTROLLER or pod_peer_name(source) == "archon-auth"


def test_the_gates_reach_only_what_they_guard_dns_and_the_identity_provider(prod):
    assert {pod_peer_name(p) for p in peers(prod, "archon-auth", "egress")} - {None} == {
        "archon-server",
        "archon-frontend",
    }
    assert ("TCP", 443) in ports_for(prod, "archon-auth", "egress", lambda p: "ipBlock" in p)  # the OIDC issuer
    assert {pod_peer_name(p) for p in peers(prod, "archon-mcp-auth", "egress")} - {None} == {"archon-mcp"}
    assert not [p for p in peers(prod, "archon-mcp-auth", "egress") if "ipBlock" in p]
    for gate in ("archon-auth", "archon-mcp-auth"):
        assert peers(prod, gate, "ingress") == [INGRESS_CONTROLLER]


# --- MCP per exposure mode -----------------------------------------------------------------------


def outside_mcp_sources(r):
    return [p for p in peers(r, "archon-mcp", "ingress") if not pod_peer_name(p)]


def test_mcp_load_balancer_admits_its_source_ranges():
    r = variant("prod", **{**MCP_LOAD_BALANCER, "mcpSourceRanges": ["203.0.113.0/24", "198.51.100.7/32"]})
    assert outside_mcp_sources(r) == [{"ipBlock": {"cidr": "203.0.113.0/24"}}, {"ipBlock": {"cidr": "198.51.100.7/32"}}]


def test_mcp_behind_the_ingress_admits_the_controller_only():
    r = variant("prod", **MCP_INGRESS)
    assert outside_mcp_sources(r) == [INGRESS_CONTROLLER]
    assert ports_for(r, "archon-mcp", "ingress", lambda p: p == INGRESS_CONTROLLER) == {("TCP", 8051)}


def test_unexposed_mcp_admits_only_archon_pods(dev):
    assert outside_mcp_sources(dev) == []
    assert {pod_peer_name(p) for p in peers(dev, "archon-mcp", "ingress")} == {"archon-server"}


def test_mcp_calls_the_server(shipped):
    assert ports_for(shipped, "archon-mcp", "egress", lambda p: pod_peer_name(p) == "archon-server") == {("TCP", 8181)}


# --- optional flows ---------------------------------------------------------------------------


def test_no_agents_flows_by_default(shipped):
    for policy in shipped.of_kind("NetworkPolicy"):
        for direction in ("ingress", "egress"):
            for peer, ports in rules(policy, direction):
                assert pod_peer_name(peer) != "archon-agents"
                assert ("TCP", 8052) not in ports


def test_agents_flows_when_enabled():
    r = with_agents()
    assert {pod_peer_name(p) for p in peers(r, "archon-agents", "ingress")} == {"archon-server", "archon-mcp"}
    egress = {pod_peer_name(p) for p in peers(r, "archon-agents", "egress")} - {None}
    assert egress == {"archon-server", "archon-mcp"}
    for caller in ("archon-server", "archon-mcp"):
        assert ports_for(r, caller, "egress", lambda p: pod_peer_name(p) == "archon-agents") == {("TCP", 8052)}


def test_prometheus_not_admitted_by_default(shipped):
    assert not [p for p in values_of_key(shipped.objects, "namespaceSelector") if "monitoring" in str(p)]


def test_prometheus_admitted_when_opted_in():
    r = variant("prod", prometheusScrape=True, agentsEnabled=True)
    for service in PYTHON_SERVICES:
        scrapes = ports_for(r, service, "ingress", lambda p: is_namespace_peer(p, "monitoring"))
        assert scrapes == {("TCP", PORTS[service])}, service
    assert not ports_for(r, "archon-frontend", "ingress", lambda p: is_namespace_peer(p, "monitoring"))
