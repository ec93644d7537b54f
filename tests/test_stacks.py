"""Both shipped stacks as a whole: what they create, that it is valid Kubernetes, what they export."""

from __future__ import annotations

import json
import re
from pathlib import Path

import kubernetes_validate
import pytest

from harness import ROOT, Rendered

SCHEMA_DIR = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
OLDEST_SUPPORTED = "1.29.0"


def newest_schema_version() -> str:
    versions = [p.name.split("-")[0].lstrip("v") for p in SCHEMA_DIR.glob("v*-local-strict")]
    return max(versions, key=lambda v: tuple(int(x) for x in v.split(".")))


COMMON = {
    ("Namespace", None),
    ("ResourceQuota", "archon-quota"),
    ("LimitRange", "archon-limits"),
    ("ConfigMap", "archon-config-"),
    ("Secret", "archon-secrets-"),
    *(
        (kind, f"archon-{s}")
        for s in ("server", "mcp", "frontend")
        for kind in ("ServiceAccount", "Deployment", "Service")
    ),
    ("NetworkPolicy", "default-deny-all"),
    *(("NetworkPolicy", f"archon-{s}-netpol") for s in ("server", "mcp", "frontend")),
    ("Ingress", "archon"),
}
EXPECTED = {
    "dev": COMMON,
    "prod": COMMON
    | {
        ("Service", "archon-mcp-public"),
        ("HorizontalPodAutoscaler", "archon-server-hpa"),
        ("HorizontalPodAutoscaler", "archon-frontend-hpa"),
        ("PodDisruptionBudget", "archon-server-pdb"),
        ("PodDisruptionBudget", "archon-frontend-pdb"),
    },
}


def inventory(rendered: Rendered) -> set[tuple[str, str | None]]:
    result = set()
    for obj in rendered.objects:
        name = obj["metadata"]["name"]
        if obj["kind"] == "Namespace":
            name = None
        elif obj["kind"] in ("ConfigMap", "Secret"):
            name = re.sub(r"[0-9a-f]{8}$", "", name)
        result.add((obj["kind"], name))
    return result


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_stack_renders_exactly_the_expected_objects(stack: str, request: pytest.FixtureRequest) -> None:
    rendered: Rendered = request.getfixturevalue(stack)
    assert inventory(rendered) == EXPECTED[stack]
    assert len(rendered.objects) == len(EXPECTED[stack])


@pytest.mark.parametrize("version", [OLDEST_SUPPORTED, newest_schema_version()])
def test_every_object_is_valid_in_strict_mode(shipped: Rendered, version: str) -> None:
    assert newest_schema_version() >= "1.37.0"
    errors = []
    for obj in shipped.objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{obj['kind']}/{obj['metadata']['name']}: {error.message}")
    assert errors == []


def test_schema_validation_catches_a_broken_object(prod: Rendered) -> None:
    """Proves the validation above is strict: an unknown field fails it."""
    import copy

    broken = copy.deepcopy(prod.get("Deployment", "archon-server"))
    broken["spec"]["template"]["spec"]["containers"][0]["readOnlyRootFileSystem"] = True  # typo
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, OLDEST_SUPPORTED, strict=True)


def test_every_namespaced_object_lives_in_the_stack_namespace(shipped: Rendered) -> None:
    namespace = shipped.outputs["namespace"]
    for obj in shipped.objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == namespace, obj["metadata"]["name"]


def test_prod_outputs(prod: Rendered) -> None:
    outputs = prod.outputs
    assert outputs["namespace"] == "archon"
    assert outputs["uiUrl"] == "https://archon.automatizase.com.br"
    assert outputs["mcpPublicUrl"] == "archon.automatizase.com.br:8051"
    assert outputs["mcpUrl"] == "http://archon.automatizase.com.br:8051/mcp"
    assert outputs["images"] == {
        s: f"git.automatizase.com.br/luis.erlacher/archon/{s}:k8s-2026.11.30@sha256:{'0' * 64}"
        for s in ("server", "mcp", "frontend")
    }
    client = json.loads(outputs["mcpClientConfig"])
    assert client == {"mcpServers": {"archon": {"type": "http", "url": "http://archon.automatizase.com.br:8051/mcp"}}}


def test_dev_outputs_tell_how_to_reach_mcp(dev: Rendered) -> None:
    outputs = dev.outputs
    assert outputs["uiUrl"] == "http://archon.localhost"
    assert outputs["mcpUrl"] == "http://localhost:8051/mcp"
    assert outputs["mcpAccess"] == "kubectl -n archon-dev port-forward svc/archon-mcp 8051:8051"
    assert json.loads(outputs["mcpClientConfig"])["mcpServers"]["archon"]["url"] == "http://localhost:8051/mcp"
    assert all(image.endswith(":k8s-latest") for image in outputs["images"].values())


def test_dev_runs_one_pod_of_each_service(dev: Rendered) -> None:
    for deployment in dev.of_kind("Deployment"):
        assert deployment["spec"]["replicas"] == 1


def test_prod_pins_are_marked_as_examples_to_replace() -> None:
    text = (ROOT / "Pulumi.prod.yaml").read_text()
    for service in ("server", "mcp", "agents", "frontend"):
        for key in ("Tag", "Digest"):
            (line,) = [line for line in text.splitlines() if line.strip().startswith(f"archon:{service}{key}:")]
            assert "EXAMPLE PIN" in line
