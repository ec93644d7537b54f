"""The NetworkPolicy evaluator itself, on small hand-made policies, tricky cases included."""

from __future__ import annotations

from typing import Any

import pytest

from verify.reachability import Endpoint, allowed, selector_matches

A = Endpoint("a", "10.244.0.10", "team", {"app": "a"})
B = Endpoint("b", "10.244.0.11", "team", {"app": "b", "tier": "api"})
OTHER_NS_B = Endpoint("b-elsewhere", "10.244.1.11", "other", {"app": "b"}, {"env": "prod"})
MONITORING = Endpoint("prom", "10.244.2.2", "monitoring", {"app": "prom"}, {"env": "prod"})
INTERNET = Endpoint("internet", "93.184.216.34")
PRIVATE = Endpoint("private", "10.0.0.15")


def policy(spec: dict[str, Any], namespace: str = "team", name: str = "p") -> dict[str, Any]:
    return {"kind": "NetworkPolicy", "metadata": {"name": name, "namespace": namespace}, "spec": spec}


DENY_ALL = policy({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}, name="deny")


def test_no_policy_leaves_everything_open() -> None:
    assert allowed([], A, B, 1234)
    assert allowed([], A, INTERNET, 443)


def test_empty_pod_selector_denies_both_directions() -> None:
    assert not allowed([DENY_ALL], A, B, 80)
    assert not allowed([DENY_ALL], A, INTERNET, 443)
    assert not allowed([DENY_ALL], INTERNET, A, 443)


def test_a_policy_only_selects_the_directions_it_names() -> None:
    ingress_only = policy({"podSelector": {"matchLabels": {"app": "b"}}, "policyTypes": ["Ingress"]})
    assert not allowed([ingress_only], A, B, 80)
    assert allowed([ingress_only], B, A, 80)  # B's egress stays open


def test_without_policy_types_egress_counts_only_when_egress_rules_exist() -> None:
    implicit = policy({"podSelector": {"matchLabels": {"app": "a"}}, "egress": []})
    assert not allowed([implicit], A, B, 80)  # egress selected (egress key present), nothing allowed
    assert not allowed([implicit], B, A, 80)  # ingress is always implied
    ingress_implied = policy({"podSelector": {"matchLabels": {"app": "a"}}})
    assert allowed([ingress_implied], A, B, 80)


def test_allowed_rules_are_the_union_of_all_selecting_policies() -> None:
    first = policy({"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"ports": [{"port": 80}]}]}, name="one")
    second = policy({"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"ports": [{"port": 81}]}]}, name="two")
    assert allowed([DENY_ALL, first, second, _open_egress()], A, B, 80)
    assert allowed([DENY_ALL, first, second, _open_egress()], A, B, 81)
    assert not allowed([DENY_ALL, first, second, _open_egress()], A, B, 82)


def _open_egress() -> dict[str, Any]:
    return policy({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]}, name="open-egress")


def test_both_ends_must_agree() -> None:
    egress_to_b = policy(
        {
            "podSelector": {"matchLabels": {"app": "a"}},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "b"}}}]}],
        }
    )
    assert allowed([egress_to_b], A, B, 80)
    assert not allowed([egress_to_b, DENY_ALL], A, B, 80)  # B's ingress is denied


def test_pod_selector_alone_means_the_policys_own_namespace() -> None:
    from_b = policy(
        {
            "podSelector": {"matchLabels": {"app": "a"}},
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "b"}}}]}],
        }
    )
    assert allowed([from_b], B, A, 80)
    assert not allowed([from_b], OTHER_NS_B, A, 80)


def test_namespace_and_pod_selector_in_one_peer_is_an_and() -> None:
    both = policy(
        {
            "podSelector": {"matchLabels": {"app": "a"}},
            "ingress": [
                {
                    "from": [
                        {
                            "namespaceSelector": {"matchLabels": {"env": "prod"}},
                            "podSelector": {"matchLabels": {"app": "b"}},
                        }
                    ]
                }
            ],
        }
    )
    assert allowed([both], OTHER_NS_B, A, 80)
    assert not allowed([both], MONITORING, A, 80)  # right namespace labels, wrong pod
    assert not allowed([both], B, A, 80)  # right pod labels, namespace lacks env=prod


def test_namespace_and_pod_selector_in_two_peers_is_an_or() -> None:
    either = policy(
        {
            "podSelector": {"matchLabels": {"app": "a"}},
            "ingress": [
                {
                    "from": [
                        {"namespaceSelector": {"matchLabels": {"env": "prod"}}},
                        {"podSelector": {"matchLabels": {"app": "b"}}},
                    ]
                }
            ],
        }
    )
    assert allowed([either], MONITORING, A, 80)  # any pod in an env=prod namespace
    assert allowed([either], B, A, 80)  # app=b in the policy's namespace


def test_empty_namespace_selector_selects_pods_never_the_internet() -> None:
    """The guide's `namespaceSelector: {}` for "Supabase (internet)" only ever matched pods."""
    guide = policy(
        {
            "podSelector": {"matchLabels": {"app": "a"}},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"namespaceSelector": {}}], "ports": [{"port": 443}]}],
        }
    )
    assert allowed([guide], A, MONITORING, 443)
    assert not allowed([guide], A, INTERNET, 443)


def test_ip_block_with_except() -> None:
    internet = policy(
        {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}]}],
        }
    )
    assert allowed([internet], A, INTERNET, 443)
    assert not allowed([internet], A, PRIVATE, 443)
    assert not allowed([internet], A, B, 443)  # pod addresses in 10/8 are excluded too


def test_ports_protocols_ranges_and_names() -> None:
    named_b = Endpoint("b", B.ip, "team", B.labels, named_ports={"http": 8080})
    spec = {
        "podSelector": {"matchLabels": {"app": "b"}},
        "policyTypes": ["Ingress"],
        "ingress": [{"ports": [{"port": 53, "protocol": "UDP"}, {"port": 9000, "endPort": 9010}, {"port": "http"}]}],
    }
    rules = [policy(spec)]
    assert allowed(rules, A, B, 53, "UDP")
    assert not allowed(rules, A, B, 53, "TCP")  # a port entry without protocol would be TCP; this one is UDP
    assert allowed(rules, A, B, 9005) and not allowed(rules, A, B, 9011)
    assert allowed(rules, A, named_b, 8080)
    assert not allowed(rules, A, B, 8080)  # B names no such port


def test_policies_in_other_namespaces_do_not_apply() -> None:
    foreign = policy({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}, namespace="other")
    assert allowed([foreign], A, B, 80)


@pytest.mark.parametrize(
    "expression, expected",
    [
        ({"key": "tier", "operator": "In", "values": ["api"]}, True),
        ({"key": "tier", "operator": "NotIn", "values": ["api"]}, False),
        ({"key": "tier", "operator": "Exists"}, True),
        ({"key": "tier", "operator": "DoesNotExist"}, False),
        ({"key": "zone", "operator": "NotIn", "values": ["x"]}, True),
    ],
)
def test_match_expressions(expression: dict, expected: bool) -> None:
    assert selector_matches({"matchExpressions": [expression]}, B.labels) is expected
