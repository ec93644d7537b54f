"""The real engine: `pulumi preview` and `pulumi up` of every shipped stack in render mode, the
engine's manifests equal to the mock-rendered ones, idempotent runs, and preview diffs that show
exactly what a config change does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import Project, normalized, rendered_objects
from harness import render


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return Project(tmp_path_factory.mktemp("engine"))


# `make render`: the local stack in the provider's render mode, its pods pointed at a Secret
# created elsewhere (render mode would write Secret values in plain text).
RENDER = {"renderYamlToDirectory": "rendered/local", "existingSecret": "archon-local-credentials"}


@pytest.fixture(scope="module")
def local(project: Project) -> Project:
    """The local stack rendered as `make render` does it: no cluster, no secret in the output."""
    project.init("local-render", secrets=False, like="local")
    for key, value in RENDER.items():
        project.pulumi("config", "set", "--plaintext", "--stack", "local-render", f"archon:{key}", value)
    preview = project.pulumi("preview", "--stack", "local-render")
    assert "error" not in preview.stderr.lower()
    project.pulumi("up", "--yes", "--stack", "local-render")
    return project


def test_render_writes_every_object(local: Project) -> None:
    objects = rendered_objects(local.dir / "rendered" / "local")
    assert normalized(objects) == normalized(render("local", RENDER).objects)
    assert not [o for o in objects if o["kind"] == "Secret"], "render mode must not write a Secret"


def test_render_again_changes_nothing(local: Project) -> None:
    local.pulumi("preview", "--expect-no-changes", "--stack", "local-render")


def test_render_outputs_carry_the_mcp_client_configuration(local: Project) -> None:
    outputs = json.loads(local.pulumi("stack", "output", "--json", "--stack", "local-render").stdout)
    assert json.loads(outputs["mcpClientConfig"]) == {
        "mcpServers": {"archon": {"type": "http", "url": "http://localhost:8051/mcp"}}
    }
    assert outputs == render("local", RENDER).outputs


def test_the_policy_pack_passes_the_local_stack(local: Project) -> None:
    result = local.pulumi(
        "preview",
        "--stack",
        "local-render",
        "--policy-pack",
        "policy",
        "--policy-pack-config",
        "policy/config.local.json",
    )
    assert "archon-kubernetes" in result.stdout


def test_the_policy_pack_fails_a_mandatory_violation(local: Project) -> None:
    """The local stack runs k8s-latest: judged as production, the pack must stop the preview."""
    result = local.pulumi(
        "preview",
        "--stack",
        "local-render",
        "--policy-pack",
        "policy",
        "--policy-pack-config",
        "policy/config.prod.json",
        check=False,
    )
    assert result.returncode != 0
    assert "no-mutable-image-tags" in result.stdout + result.stderr
    assert "mandatory" in (result.stdout + result.stderr).lower()


def test_config_is_stored_encrypted_and_state_holds_no_secret_in_plain_text(project: Project, tmp_path: Path) -> None:
    project.init("dev-secrets", tmp_path / "render", like="dev")
    stack_file = (project.dir / "Pulumi.dev-secrets.yaml").read_text()
    assert "fake-service-role-key-for-tests" not in stack_file
    assert "secure: v1:" in stack_file
    project.pulumi("up", "--yes", "--stack", "dev-secrets")
    state = project.pulumi("stack", "export", "--stack", "dev-secrets").stdout
    assert "fake-service-role-key-for-tests" not in state
    assert "4dabf18193072939515e22adb298388d" in state  # Pulumi's marker of a secret value


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_engine_renders_what_the_mocks_render(project: Project, tmp_path: Path, stack: str) -> None:
    """The fast tests run the program under mocks; this proves they see what the engine does."""
    name = f"{stack}-equal"
    render_dir = tmp_path / "render"
    project.init(name, render_dir, like=stack)
    project.pulumi("preview", "--stack", name)
    project.pulumi("up", "--yes", "--stack", name)
    engine = normalized(rendered_objects(render_dir))
    mocks = normalized(render(stack, {"renderYamlToDirectory": str(render_dir)}).objects)
    assert sorted(engine) == sorted(mocks)
    for key in mocks:
        assert engine[key] == mocks[key], key
    project.pulumi("preview", "--expect-no-changes", "--stack", name)


def _steps(preview_json: str) -> dict[str, str]:
    """{resource name: operation} of the steps that change something."""
    steps = json.loads(preview_json).get("steps", [])
    return {s["urn"].split("::")[-1]: s["op"] for s in steps if s["op"] != "same"}


def test_a_config_change_previews_as_exactly_that_change(project: Project, tmp_path: Path) -> None:
    """What a reviewer sees in a pull request: one setting changed, one field in the diff."""
    project.init("prod-diff", tmp_path / "render", like="prod")
    project.pulumi("up", "--yes", "--stack", "prod-diff")
    project.pulumi("config", "set", "--stack", "prod-diff", "archon:serverCpuUtilization", "60")

    steps = _steps(project.pulumi("preview", "--json", "--stack", "prod-diff").stdout)
    assert steps == {"archon-server-hpa": "update"}
    diff = project.pulumi("preview", "--diff", "--stack", "prod-diff").stdout
    changed = [line.strip() for line in diff.splitlines() if line.lstrip().startswith(("~", "+", "-"))]
    assert any("averageUtilization" in line and "70" in line and "60" in line for line in changed), diff
    assert not any("archon-server-pdb" in line or "Deployment" in line for line in changed), diff


def test_a_config_change_rolls_the_pods_by_replacing_the_config_map(project: Project, tmp_path: Path) -> None:
    project.init("dev-roll", tmp_path / "render", like="dev")
    project.pulumi("up", "--yes", "--stack", "dev-roll")
    project.pulumi("config", "set", "--stack", "dev-roll", "archon:logLevel", "WARNING")
    steps = _steps(project.pulumi("preview", "--json", "--stack", "dev-roll").stdout)
    config_steps = {op for name, op in steps.items() if name == "archon-config"}
    assert config_steps & {"replace", "create-replacement"}, steps
    assert {name for name, op in steps.items() if op == "update"} == {"archon-server", "archon-mcp"}
    assert set(steps) <= {"archon-config", "archon-server", "archon-mcp"}


def test_the_provider_comes_from_pulumi_home_not_from_path(local: Project) -> None:
    """tools/build.sh installs the provider where the engine looks for plugins; on PATH, every
    command would warn that it uses an "ambient" plugin."""
    preview = local.pulumi("preview", "--stack", "local-render")
    assert "from $PATH" not in preview.stdout + preview.stderr
    assert "warning" not in preview.stderr.lower(), preview.stderr
    plugins = local.pulumi("plugin", "ls", "--json")
    assert {(p["name"], p["kind"], p["version"]) for p in json.loads(plugins.stdout)} >= {
        ("kubernetes", "resource", "4.25.0")
    }
