"""Pod Security Standards: every pod template passes "restricted" (and so "baseline"), checked by
Kubernetes' own evaluator (k8s.io/pod-security-admission, see verify/podsecurity)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from harness import Rendered, render
from helpers_k8s import AGENTS
from verify.pod_security import evaluate

LEVELS = [("restricted", "latest"), ("baseline", "latest"), ("restricted", "v1.29")]


def _workloads(rendered: Rendered) -> list[dict[str, Any]]:
    return rendered.of_kind("Deployment")


@pytest.mark.parametrize("level, version", LEVELS)
def test_every_pod_template_passes(shipped: Rendered, level: str, version: str) -> None:
    results = evaluate(shipped.objects, level, version)
    assert {r["name"] for r in results} == {d["metadata"]["name"] for d in _workloads(shipped)}
    assert all(r["checks"] >= 10 for r in results)
    assert [(r["name"], r["violations"]) for r in results if r["violations"]] == []


def test_optional_services_pass_restricted_too() -> None:
    rendered = render("prod", AGENTS)
    results = evaluate(rendered.objects)
    assert {"archon-agents", "archon-agent-work-orders"} <= {r["name"] for r in results}
    assert all(not r["violations"] for r in results)


def _pod(obj: dict) -> dict:
    return obj["spec"]["template"]["spec"]


def _container(obj: dict) -> dict:
    return _pod(obj)["containers"][0]


def _init(obj: dict) -> dict:
    return _pod(obj)["initContainers"][0]


# One seeded violation per rule of the profile; each must be reported with the rule's reason.
VIOLATIONS: list[tuple[str, Callable[[dict], None], str, str]] = [
    ("host network", lambda d: _pod(d).update(hostNetwork=True), "host namespaces", "baseline"),
    ("host PID", lambda d: _pod(d).update(hostPID=True), "host namespaces", "baseline"),
    ("host IPC", lambda d: _pod(d).update(hostIPC=True), "host namespaces", "baseline"),
    ("privileged", lambda d: _container(d)["securityContext"].update(privileged=True), "privileged", "baseline"),
    (
        "added capability",
        lambda d: _container(d)["securityContext"]["capabilities"].update(add=["SYS_ADMIN"]),
        "capabilities",
        "baseline",
    ),
    (
        "hostPath volume",
        lambda d: _pod(d)["volumes"].append({"name": "host", "hostPath": {"path": "/"}}),
        "hostPath",
        "baseline",
    ),
    ("host port", lambda d: _container(d)["ports"][0].update(hostPort=8181), "hostPort", "baseline"),
    (
        "AppArmor unconfined",
        lambda d: _container(d)["securityContext"].update(appArmorProfile={"type": "Unconfined"}),
        "AppArmor",
        "baseline",
    ),
    (
        "SELinux custom type",
        lambda d: _container(d)["securityContext"].update(seLinuxOptions={"type": "spc_t"}),
        "seLinuxOptions",
        "baseline",
    ),
    (
        "unmasked /proc",
        lambda d: _container(d)["securityContext"].update(procMount="Unmasked"),
        "procMount",
        "baseline",
    ),
    (
        "unsafe sysctl",
        lambda d: _pod(d)["securityContext"].update(sysctls=[{"name": "kernel.msgmax", "value": "1"}]),
        "sysctls",
        "baseline",
    ),
    (
        "seccomp unconfined",
        lambda d: _container(d)["securityContext"].update(seccompProfile={"type": "Unconfined"}),
        "seccompProfile",
        "baseline",
    ),
    (
        "volume type outside the list",
        lambda d: _pod(d)["volumes"].append({"name": "nfs", "nfs": {"server": "x", "path": "/"}}),
        "restricted volume types",
        "restricted",
    ),
    (
        "privilege escalation",
        lambda d: _init(d)["securityContext"].update(allowPrivilegeEscalation=True),
        "allowPrivilegeEscalation",
        "restricted",
    ),
    (
        "capabilities not dropped",
        lambda d: _container(d)["securityContext"]["capabilities"].update(drop=[]),
        "unrestricted capabilities",
        "restricted",
    ),
    (
        "may run as root",
        lambda d: (
            _pod(d)["securityContext"].pop("runAsNonRoot"),
            _container(d)["securityContext"].pop("runAsNonRoot"),
            _init(d)["securityContext"].pop("runAsNonRoot"),
        ),
        "runAsNonRoot",
        "restricted",
    ),
    ("runs as UID 0", lambda d: _container(d)["securityContext"].update(runAsUser=0), "runAsUser", "restricted"),
    (
        "no seccomp profile",
        lambda d: (
            _pod(d)["securityContext"].pop("seccompProfile"),
            _container(d)["securityContext"].pop("seccompProfile"),
        ),
        "seccompProfile",
        "restricted",
    ),
]


@pytest.mark.parametrize("mutate, reason, level", [v[1:] for v in VIOLATIONS], ids=[v[0] for v in VIOLATIONS])
def test_a_seeded_violation_is_caught(prod: Rendered, mutate: Callable[[dict], None], reason: str, level: str) -> None:
    deployment = copy.deepcopy(prod.get("Deployment", "archon-server"))
    mutate(deployment)
    (result,) = evaluate([deployment], level)
    reasons = " | ".join(v["reason"] for v in result["violations"])
    assert reason in reasons
