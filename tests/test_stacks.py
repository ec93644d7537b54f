"""Both shipped stacks as a whole: what they create, that it is valid Kubernetes, what they export."""

from __future__ import annotations

import json
import re
from pathlib import Path

import kubernetes_validate
import pytest

from harness import ROOT, SHIPPED_STACKS, Rendered, render
from helpers_k8s import AGENTS

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
        ("HorizontalPodAutoscaler", "archon-server-hpa"),
        ("HorizontalPodAutoscaler", "archon-frontend-hpa"),
        ("PodDisruptionBudget", "archon-server-pdb"),
        ("PodDisruptionBudget", "archon-frontend-pdb"),
        ("Ingress", "archon-mcp"),
        # the access gates: OIDC for the UI and API, a credential for MCP
        ("Secret", "archon-auth-secrets-"),
        *(
            (kind, gate)
            for gate in ("archon-auth", "archon-mcp-auth")
            for kind in ("ServiceAccount", "Deployment", "Service")
        ),
        *(("NetworkPolicy", f"{gate}-netpol") for gate in ("archon-auth", "archon-mcp-auth")),
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


def strict_errors(objects: list[dict], version: str) -> list[str]:
    """What the Kubernetes OpenAPI schema of `version` refuses in `objects`, in strict mode."""
    errors = []
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{obj['kind']}/{obj['metadata']['name']}: {error.message}")
    return errors


@pytest.mark.parametrize("version", [OLDEST_SUPPORTED, newest_schema_version()])
def test_every_object_is_valid_in_strict_mode(shipped: Rendered, version: str) -> None:
    assert newest_schema_version() >= "1.37.0"
    assert strict_errors(shipped.objects, version) == []


@pytest.mark.parametrize("version", [OLDEST_SUPPORTED, newest_schema_version()])
def test_the_optional_services_and_operator_options_are_valid_too(version: str) -> None:
    """Every optional service, pod options on every service, and the External Secrets variant."""
    options = {"nodeSelector": {"pool": "archon"}, "tolerations": [{"key": "pool", "operator": "Exists"}]}
    rendered = render("prod", {**AGENTS, "podDefaults": options})
    assert rendered.get("Deployment", "archon-agent-work-orders")
    assert strict_errors(rendered.objects, version) == []


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
    assert outputs["mcpPublicUrl"] == "mcp.archon.automatizase.com.br:443"
    assert outputs["mcpUrl"] == "https://mcp.archon.automatizase.com.br/mcp"
    pin = f"@sha256:{'0' * 64}"
    assert outputs["images"] == {
        **{
            s: f"git.automatizase.com.br/luis.erlacher/archon/{s}:k8s-2026.11.30{pin}"
            for s in ("server", "mcp", "frontend")
        },
        **{g: f"quay.io/oauth2-proxy/oauth2-proxy:v7.15.6{pin}" for g in ("auth", "mcp-auth")},
    }
    client = json.loads(outputs["mcpClientConfig"])
    assert client == {
        "mcpServers": {
            "archon": {
                "type": "http",
                "url": "https://mcp.archon.automatizase.com.br/mcp",
                "headers": {"Authorization": "Basic ${ARCHON_MCP_CREDENTIAL}"},
            }
        }
    }


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
    for service in ("server", "mcp", "agents", "frontend", "auth"):
        for key in ("Tag", "Digest"):
            (line,) = [line for line in text.splitlines() if line.strip().startswith(f"archon:{service}{key}:")]
            assert "EXAMPLE PIN" in line


def test_the_shipped_stacks_are_the_tracked_stack_files() -> None:
    """SHIPPED_STACKS (what every stack-wide test and the cluster tests cover) is exactly the
    stack files in git; `make render`'s ignored copy is not one of them."""
    import subprocess

    tracked = subprocess.run(["git", "ls-files", "Pulumi.*.yaml"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert sorted(name.split(".")[1] for name in tracked.stdout.split()) == sorted(SHIPPED_STACKS)


def test_the_version_label_of_a_digest_pinned_image_is_a_valid_label_value(prod: Rendered) -> None:
    """Regression: the label once carried `sha256:…`, which the API server refuses (the models
    accepted it). A tag is the version; an image pinned by digest alone gets its digest's start."""
    label = "app.kubernetes.io/version"
    assert prod.get("Deployment", "archon-server")["metadata"]["labels"][label] == "k8s-2026.11.30"
    digest_only = render("prod", {"serverTag": "", "serverDigest": "sha256:" + "ab" * 32})
    server = digest_only.get("Deployment", "archon-server")
    assert server["metadata"]["labels"][label] == "sha256-abababababab"
    assert server["spec"]["template"]["metadata"]["labels"][label] == "sha256-abababababab"
    assert server["spec"]["template"]["spec"]["containers"][0]["image"].endswith("@sha256:" + "ab" * 32)
