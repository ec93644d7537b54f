"""Small helpers shared by the per-component tests: cached variant renders, env resolution,
NetworkPolicy lookups, quantities. They read only rendered manifests, never the program's code."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from harness import Rendered, render
from verify.tree import leaves

PYTHON_SERVICES = ("archon-server", "archon-mcp", "archon-agents")
ALL_SERVICES = (*PYTHON_SERVICES, "archon-frontend")
PORTS = {
    "archon-server": 8181,
    "archon-mcp": 8051,
    "archon-agents": 8052,
    "archon-frontend": 3737,
    "archon-agent-work-orders": 8053,
}
UIDS = {
    "archon-server": 1001,
    "archon-mcp": 1001,
    "archon-agents": 1001,
    "archon-frontend": 101,
    "archon-agent-work-orders": 1000,
}
RECOMMENDED_LABELS = tuple(
    f"app.kubernetes.io/{key}" for key in ("name", "instance", "component", "part-of", "managed-by")
)
POD_SECURITY_PREFIX = "pod-security.kubernetes.io/"

# The coding agent (archon-agent-work-orders), off by default.
WORK_ORDERS = {"agentWorkOrdersEnabled": True}
# A variant that runs every optional service: the agents and the agent work orders.
AGENTS = {"agentsEnabled": True, **WORK_ORDERS}
# MCP on its own HTTPS host behind the ingress controller (the third exposure mode).
# MCP on its own HTTPS host behind the ingress controller, with no gate: clients restricted by
# network instead (prod itself has MCP behind its credential gate).
MCP_INGRESS = {
    "mcpExposure": "ingress",
    "mcpPublicUrl": "mcp.automatizase.com.br:443",
    "mcpAuth": "none",
    "mcpSourceRanges": ["203.0.113.0/24"],
}
# MCP on a LoadBalancer, restricted to one network (a LoadBalancer cannot check a credential).
MCP_LOAD_BALANCER = {
    "mcpExposure": "loadBalancer",
    "mcpPublicUrl": "archon.automatizase.com.br:8051",
    "mcpAuth": "none",
    "mcpSourceRanges": ["203.0.113.0/24"],
}
# The UI and API open to anyone (only where nobody outside can reach them: acknowledged).
OPEN_UI = {
    "uiAccess": "none",
    "oidcIssuerUrl": "",
    "oidcClientId": "",
    "oidcEmailDomains": [],
    "allowUnauthenticatedAccess": True,
}

_cache: dict[str, Rendered] = {}


def variant(stack: str = "prod", **overrides: Any) -> Rendered:
    """`render(stack, overrides)`, cached per distinct set of overrides (default fake secrets)."""
    key = json.dumps([stack, overrides], sort_keys=True)
    if key not in _cache:
        _cache[key] = render(stack, overrides=overrides)
    return _cache[key]


def with_agents(stack: str = "prod") -> Rendered:
    return variant(stack, **AGENTS)


# --- pods and containers ---------------------------------------------------------------------


def pod_template(r: Rendered, deployment: str) -> dict:
    return r.get("Deployment", deployment)["spec"]["template"]


def containers(r: Rendered, deployment: str, init: bool = True) -> list[dict]:
    spec = r.pod_spec(deployment)
    return list(spec["containers"]) + (list(spec.get("initContainers", [])) if init else [])


def env_of(r: Rendered, container: dict) -> dict[str, Any]:
    """The container's environment as the kubelet builds it: envFrom ConfigMaps (looked up among the
    rendered objects by the name the container references), then `env`, which wins. Literal values
    are strings; `valueFrom` entries are returned as their `valueFrom` dict."""
    result: dict[str, Any] = {}
    for source in container.get("envFrom", []):
        assert "configMapRef" in source, f"unexpected envFrom source {source}"
        result.update(r.get("ConfigMap", source["configMapRef"]["name"])["data"])
    for var in container.get("env", []):
        result[var["name"]] = var["value"] if "value" in var else var["valueFrom"]
    return result


def volumes_by_mount(r: Rendered, deployment: str, container: dict | None = None) -> dict[str, dict]:
    """mountPath -> the volume behind it, for the main container (or `container`)."""
    volumes = {v["name"]: v for v in r.pod_spec(deployment).get("volumes", [])}
    container = container or r.container(deployment)
    return {m["mountPath"]: volumes[m["name"]] for m in container.get("volumeMounts", [])}


def probe_uses_health(probe: dict) -> bool:
    return "httpGet" in probe and probe["httpGet"]["path"].rstrip("/") == "/health"


def timings(probe: dict) -> tuple[int, int, int, int]:
    """(initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold), with k8s defaults."""
    return (
        probe.get("initialDelaySeconds", 0),
        probe.get("periodSeconds", 10),
        probe.get("timeoutSeconds", 1),
        probe.get("failureThreshold", 3),
    )


def assert_restricted_container(container: dict, uid: int) -> None:
    """Pod Security `restricted` plus a read-only root filesystem, for one container."""
    sc = container.get("securityContext", {})
    name = container["name"]
    assert sc.get("readOnlyRootFilesystem") is True, name
    assert sc.get("allowPrivilegeEscalation") is False, name
    assert sc.get("capabilities", {}).get("drop") == ["ALL"], name
    assert not sc.get("capabilities", {}).get("add"), name
    assert sc.get("privileged") in (None, False), name
    assert sc.get("runAsNonRoot") is True, name
    assert sc.get("seccompProfile") == {"type": "RuntimeDefault"}, name
    assert sc.get("runAsUser", uid) == uid, name


def assert_restricted_pod(pod_spec: dict, uid: int) -> None:
    sc = pod_spec["securityContext"]
    assert sc["runAsNonRoot"] is True
    assert (sc["runAsUser"], sc["runAsGroup"], sc["fsGroup"]) == (uid, uid, uid)
    assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod_spec["automountServiceAccountToken"] is False
    assert pod_spec["enableServiceLinks"] is False
    assert not pod_spec.get("hostNetwork") and not pod_spec.get("hostPID") and not pod_spec.get("hostIPC")


# --- generic walking -------------------------------------------------------------------------


def values_of_key(value: Any, key: str) -> Iterator[Any]:
    """Every value stored under `key`, at any depth."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key:
                yield v
            yield from values_of_key(v, key)
    elif isinstance(value, list):
        for item in value:
            yield from values_of_key(item, key)


def strings(value: Any) -> Iterator[str]:
    for _, leaf in leaves(value):
        if isinstance(leaf, str):
            yield leaf


# --- network policies ------------------------------------------------------------------------


def selector_of(r: Rendered, deployment: str) -> dict[str, str]:
    return r.get("Deployment", deployment)["spec"]["selector"]["matchLabels"]


def policies_for(r: Rendered, deployment: str) -> list[dict]:
    """NetworkPolicies that select this Deployment's pods by a non-empty podSelector."""
    labels = pod_template(r, deployment)["metadata"]["labels"]
    result = []
    for policy in r.of_kind("NetworkPolicy"):
        match = policy["spec"]["podSelector"].get("matchLabels", {})
        if match and all(labels.get(k) == v for k, v in match.items()):
            result.append(policy)
    return result


def policy_for(r: Rendered, deployment: str) -> dict:
    (policy,) = policies_for(r, deployment)
    return policy


def rules(policy: dict, direction: str) -> list[tuple[dict, set[tuple[str, int]]]]:
    """(peer, {(protocol, port)}) for every peer of every rule in `direction` (ingress/egress)."""
    side = "from" if direction == "ingress" else "to"
    result = []
    for rule in policy["spec"].get(direction) or []:
        ports = {(p.get("protocol", "TCP"), p["port"]) for p in rule.get("ports", [])}
        for peer in rule.get(side, []):
            result.append((peer, ports))
    return result


def pod_peer_name(peer: dict) -> str | None:
    """The Archon service a same-namespace pod peer selects, or None for other peers."""
    if set(peer) != {"podSelector"}:
        return None
    return peer["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name")


def is_namespace_peer(peer: dict, namespace: str) -> bool:
    match = peer.get("namespaceSelector", {}).get("matchLabels", {})
    return match == {"kubernetes.io/metadata.name": namespace}


# --- quantities (independent of the program's parser) ----------------------------------------

_UNITS = {"": 1, "m": Decimal("0.001"), "k": 10**3, "M": 10**6, "G": 10**9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def quantity(text: str) -> Decimal:
    number, unit = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(text)).groups()
    return Decimal(number) * Decimal(_UNITS[unit])


# --- what the Kubernetes provider does with auto-named objects -------------------------------
