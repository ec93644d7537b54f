"""The Archon component package, used from Pulumi YAML (examples/yaml), deployed by the real engine
on the local cluster next to the Python program with the same settings: the two namespaces hold the
same objects, field for field.

Both run `pulumi up` with the example's settings (the `local` stack's, which test_package.py checks),
each in a namespace of its own. The live objects are compared after removing only what the API
server assigns (uids, versions, timestamps, cluster IPs, status), the namespace's name and the
random suffixes of auto-named objects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from engine import Project, normalized
from harness import EXAMPLE, EXAMPLE_SECRETS, FAKE_SECRETS, ROOT, example_inputs
from live import ROLLOUT_TIMEOUT, LiveStack
from localcluster import CONTEXT, Cluster

PYTHON, YAML = "e2e-pkg-python", "e2e-pkg-yaml"
SECRETS = {key: FAKE_SECRETS[key] for key in EXAMPLE_SECRETS}
ASSIGNED_METADATA = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink")


class YamlExample:
    """A copy of examples/yaml, its package pointed at this checkout's package/ directory."""

    def __init__(self, cluster: Cluster, workdir: Any) -> None:
        self.project = Project(workdir, program=EXAMPLE.parent)
        self.project.env["KUBECONFIG"] = str(cluster.kubeconfig)
        program = yaml.safe_load(EXAMPLE.read_text())
        program["packages"]["archon"] = str(ROOT / "package")
        program["resources"]["archon"]["properties"]["rolloutTimeoutSeconds"] = ROLLOUT_TIMEOUT
        (self.project.dir / "Pulumi.yaml").write_text(yaml.safe_dump(program, sort_keys=False))
        self.project.pulumi("install")  # the package's dependencies, as a user's first step does
        self.project.pulumi("stack", "init", YAML, "--secrets-provider", "passphrase")
        self.pulumi("config", "set", "namespace", YAML)
        self.pulumi("config", "set", "kubeContext", CONTEXT)
        for key, value in SECRETS.items():
            self.pulumi("config", "set", "--secret", key, input=value)

    def pulumi(self, *args: str, check: bool = True, input: str | None = None) -> Any:
        return self.project.pulumi(*args, "--stack", YAML, check=check, input=input)


@pytest.fixture(scope="module")
def deployed(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveStack, YamlExample]]:
    settings = {k: v for k, v in example_inputs().items() if k not in (*EXAMPLE_SECRETS, "namespace", "kubeContext")}
    python = LiveStack(
        cluster, "local", tmp_path_factory.mktemp("pkg-python"), name=PYTHON, overrides=settings, secrets=SECRETS
    )
    example = YamlExample(cluster, tmp_path_factory.mktemp("pkg-yaml"))
    try:
        python.up()
        example.pulumi("up", "--yes", "--skip-preview")
        yield python, example
    finally:
        python.pulumi("destroy", "--yes", "--skip-preview", check=False)
        example.pulumi("destroy", "--yes", "--skip-preview", check=False)
        for namespace in (PYTHON, YAML):
            cluster.kubectl("delete", "namespace", namespace, "--ignore-not-found", "--wait=false", check=False)


def comparable(objects: list[dict[str, Any]], namespace: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Live objects without what the API server assigns, their namespace's name replaced."""
    text = re.sub(rf"\b{re.escape(namespace)}\b", "NAMESPACE", json.dumps(objects))
    cleaned = []
    for obj in json.loads(text):
        obj.pop("status", None)
        for field in ASSIGNED_METADATA:
            obj["metadata"].pop(field, None)
        if obj["kind"] == "Service":
            for field in ("clusterIP", "clusterIPs"):
                obj["spec"].pop(field, None)
        cleaned.append(obj)
    return normalized(cleaned)


def test_the_yaml_program_deploys_the_same_objects_as_the_python_program(deployed, cluster: Cluster) -> None:
    python, _ = deployed
    kinds = {o["kind"] for o in python.rendered().objects}
    from_python = comparable(python.live_objects(kinds), PYTHON)
    from_yaml = comparable(
        [
            *json.loads(
                cluster.kubectl("-n", YAML, "get", ",".join(sorted(kinds - {"Namespace"})), "-o", "json").stdout
            )["items"],
            cluster.get("namespace", YAML),
        ],
        YAML,
    )
    assert len([k for k in from_python if k[0] == "Deployment"]) == 3
    assert set(from_yaml) == set(from_python)
    for key, obj in from_python.items():
        assert from_yaml[key] == obj, key


def test_the_outputs_are_the_python_programs(deployed) -> None:
    python, example = deployed
    ours = json.loads(example.pulumi("stack", "output", "--json").stdout)
    theirs = json.loads(python.pulumi("stack", "output", "--json").stdout)
    assert {k: str(v).replace(YAML, "NAMESPACE") for k, v in ours.items()} == {
        k: str(v).replace(PYTHON, "NAMESPACE") for k, v in theirs.items() if k in ours
    }


def test_the_secrets_are_secret_in_the_yaml_programs_state(deployed) -> None:
    _, example = deployed
    state = example.pulumi("stack", "export").stdout
    assert json.loads(state)["deployment"]["resources"]
    for value in SECRETS.values():
        assert value not in state
