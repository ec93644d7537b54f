"""checkov scans the rendered manifests of every shipped stack: zero failed checks."""

from __future__ import annotations

import copy

import pytest

from harness import SHIPPED_STACKS, Rendered, render
from helpers_k8s import AGENTS
from verify.checkov_scan import failures, scan, skips


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_no_check_fails(stack: str) -> None:
    rendered = render(stack, AGENTS)  # every optional service too
    report = scan(rendered.objects, stack)
    assert failures(report) == []
    assert report["summary"]["passed"] > 200
    assert report["summary"]["parsing_errors"] == 0


def test_skips_are_few_and_each_has_a_reason() -> None:
    entries = skips()
    assert len(entries) <= 5
    for check, entry in entries.items():
        assert check.startswith("CKV_K8S_")
        assert len(entry["reason"]) > 40, check
        assert set(entry["stacks"]) <= set(SHIPPED_STACKS), check


def test_a_seeded_violation_fails_the_scan(prod: Rendered) -> None:
    objects = copy.deepcopy(prod.objects)
    server = next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "archon-server")
    container = server["spec"]["template"]["spec"]["containers"][0]
    container["securityContext"]["privileged"] = True
    del container["livenessProbe"]
    found = failures(scan(objects, "prod"))
    assert any(f.startswith("CKV_K8S_16 ") and "archon-server" in f for f in found)  # privileged
    assert any(f.startswith("CKV_K8S_8 ") and "archon-server" in f for f in found)  # liveness probe
