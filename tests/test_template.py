"""The `pulumi new` template (templates/archon-kubernetes): instantiated non-interactively by the real
engine next to a "checkout" of this repository, as its README says, then previewed against the local
cluster: the values given to its prompts reach the objects, and the rest take their defaults."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from archon.settings.keys import BY_NAME
from engine import engine_environment, run_pulumi
from harness import FAKE_SECRETS, ROOT
from localcluster import CONTEXT, Cluster

TEMPLATE = ROOT / "templates" / "archon-kubernetes"
PROMPTS = {  # the template's prompt -> the ArchonStack inputs it sets
    "kubeContext": ("kubeContext",),
    "namespace": ("namespace",),
    "uiHost": ("uiHost",),
    "mcpExposure": ("mcpExposure",),
    "imageTag": ("serverTag", "mcpTag", "frontendTag"),
    "supabaseUrl": ("supabaseUrl",),
    "supabaseServiceKey": ("supabaseServiceKey",),
}


def template() -> dict[str, Any]:
    return yaml.safe_load((TEMPLATE / "Pulumi.yaml").read_text())


def test_the_template_asks_for_the_few_values_that_matter_with_the_models_defaults() -> None:
    prompts = template()["template"]["config"]
    assert set(prompts) == set(PROMPTS)
    properties = template()["resources"]["archon"]["properties"]
    for prompt, inputs in PROMPTS.items():
        for name in inputs:
            assert properties[name] == f"${{{prompt}}}", name
            default = BY_NAME[name].default_value() if not BY_NAME[name].is_secret else None
            if default:  # where the model has a default, the prompt offers the same one
                assert prompts[prompt].get("default") == default, prompt
        assert prompts[prompt].get("secret", False) == BY_NAME[inputs[0]].is_secret, prompt
    declared = template()["config"]
    assert {k for k, v in declared.items() if v.get("secret")} == {"supabaseUrl", "supabaseServiceKey"}


class New:
    """`pulumi new` from the template, beside a checkout of this repository (a link to it)."""

    def __init__(self, workdir: Path, cluster: Cluster) -> None:
        (workdir / "archon-pulumi").symlink_to(ROOT)
        (workdir / "state").mkdir()
        self.dir = workdir / "my-archon"
        self.env = engine_environment(workdir / "state") | {"KUBECONFIG": str(cluster.kubeconfig)}
        self.workdir = workdir

    def pulumi(self, *args: str, cwd: Path | None = None, input: str | None = None) -> str:
        return run_pulumi(args, cwd or self.dir, self.env, input=input).stdout


@pytest.fixture(scope="module")
def created(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> New:
    new = New(tmp_path_factory.mktemp("template"), cluster)
    # Non-interactive: --yes takes each prompt's default; -c answers the others. Secrets are set
    # afterwards with --secret, as the template's README says (-c would store them in plain text).
    output = new.pulumi(
        "new",
        str(new.workdir / "archon-pulumi" / "templates" / "archon-kubernetes"),
        "--dir",
        str(new.dir),
        "--name",
        "my-archon",
        "--stack",
        "dev",
        "--yes",
        "--secrets-provider",
        "passphrase",
        "-c",
        f"kubeContext={CONTEXT}",
        "-c",
        "uiHost=archon.template.test",
        "-c",
        "imageTag=v1.2.3",
        "-c",
        "namespace=e2e-template",
        cwd=new.workdir,
    )
    assert "Your new project is ready to go" in output
    for key in ("supabaseUrl", "supabaseServiceKey"):
        new.pulumi("config", "set", "--secret", key, input=FAKE_SECRETS[key])
    return new


def test_new_writes_the_project_and_the_stacks_answers(created: New) -> None:
    project = yaml.safe_load((created.dir / "Pulumi.yaml").read_text())
    assert project["name"] == "my-archon" and "template" not in project
    assert project["packages"] == {"archon": "../archon-pulumi/package"}
    stack = yaml.safe_load((created.dir / "Pulumi.dev.yaml").read_text())["config"]
    assert stack["my-archon:uiHost"] == "archon.template.test"
    assert stack["my-archon:mcpExposure"] == "none"  # the prompt's default
    assert set(stack["my-archon:supabaseServiceKey"]) == {"secure"}
    assert (created.dir / "README.md").read_text().startswith("# my-archon\n")


def test_a_preview_deploys_what_the_answers_say(created: New) -> None:
    preview = json.loads(created.pulumi("preview", "--json"))
    steps = {(s["newState"]["type"], s["urn"].split("::")[-1]): s for s in preview["steps"] if "newState" in s}
    assert ("archon:index:ArchonStack", "archon") in steps
    deployments = {
        name: s["newState"]["inputs"] for (kind, name), s in steps.items() if kind == "kubernetes:apps/v1:Deployment"
    }
    assert set(deployments) == {"archon-server", "archon-mcp", "archon-frontend"}
    for deployment in deployments.values():
        image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
        assert image.endswith(":v1.2.3"), image
        assert deployment["metadata"]["namespace"] == "e2e-template"
    (ingress,) = [
        s["newState"]["inputs"] for (kind, _), s in steps.items() if kind == "kubernetes:networking.k8s.io/v1:Ingress"
    ]
    assert {rule["host"] for rule in ingress["spec"]["rules"]} == {"archon.template.test"}
