"""The deployments project (deployments/): its real `__main__.py` run under Pulumi's mocks, with
config assembled like the engine does (Pulumi.yaml defaults, then Pulumi.deployments.yaml, then a
test's overrides), and the DeploymentSettings / DriftSchedule it would create for dev, prod and pr."""

from __future__ import annotations

import runpy
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from harness import ROOT, Registration, config_string, resolve, run_under_mocks, unwrap

PROGRAM = ROOT / "deployments"
PROJECT = "archon-deployments"
STACK = "deployments"
FAKE_REGISTRY_TOKEN = "fake-registry-token-for-tests"
SETTINGS = "pulumiservice:index:DeploymentSettings"
DRIFT = "pulumiservice:index:DriftSchedule"


def project_defaults(program: Path = PROGRAM) -> dict[str, Any]:
    project = yaml.safe_load((program / "Pulumi.yaml").read_text())
    return {key: spec["default"] for key, spec in project["config"].items() if "default" in spec}


def stack_file_config(program: Path = PROGRAM, stack: str = STACK) -> dict[str, Any]:
    document = yaml.safe_load((program / f"Pulumi.{stack}.yaml").read_text()) or {}
    return {key.split(":", 1)[1]: value for key, value in (document.get("config") or {}).items()}


class Run:
    """What one run registered: each resource with its plain inputs and the paths held as secrets."""

    def __init__(self, registrations: list[Registration], secret_paths: dict[str, set[str]]) -> None:
        self.registrations = registrations
        self.secret_paths = secret_paths

    def of_type(self, typ: str) -> dict[str, dict[str, Any]]:
        return {r.inputs["stack"]: r.inputs for r in self.registrations if r.type == typ}

    def settings(self, stack: str) -> dict[str, Any]:
        return self.of_type(SETTINGS)[stack]

    def secrets_of(self, typ: str, stack: str) -> set[str]:
        (reg,) = [r for r in self.registrations if r.type == typ and r.inputs["stack"] == stack]
        return self.secret_paths[reg.name]


def run_program(
    program: Path = PROGRAM,
    project: str = PROJECT,
    stack: str = STACK,
    overrides: dict[str, Any] | None = None,
    secrets: dict[str, Any] | None = None,
    plaintext: dict[str, Any] | None = None,
) -> Run:
    """Run `program`'s `__main__.py` under mocks, the way harness.render runs the main program."""
    values = {**project_defaults(program), **stack_file_config(program, stack), **(overrides or {})}
    secret_values = {"registryToken": FAKE_REGISTRY_TOKEN} if secrets is None else secrets
    config = {f"{project}:{k}": config_string(v) for k, v in {**values, **(plaintext or {})}.items()}
    config.update({f"{project}:{k}": config_string(v) for k, v in secret_values.items()})
    sys.path.insert(0, str(program))  # the program imports its sibling modules, as under `pulumi up`
    try:
        registrations = run_under_mocks(
            lambda: runpy.run_path(str(program / "__main__.py"), run_name="__main__"),
            stack,
            config,
            [f"{project}:{k}" for k in secret_values],
            project=project,
        )
    finally:
        sys.path.remove(str(program))
        sys.modules.pop("settings", None)
    secret_paths = {}
    for reg in registrations:
        paths: list[str] = []
        reg.inputs = unwrap(reg.inputs, "", paths)
        secret_paths[reg.name] = set(paths)
    return Run(registrations, secret_paths)


@pytest.fixture(scope="module")
def shipped() -> Run:
    return run_program()


def test_one_settings_resource_per_stack_and_nothing_else(shipped: Run) -> None:
    assert set(shipped.of_type(SETTINGS)) == {"dev", "prod", "pr"}
    assert {r.type for r in shipped.registrations} == {SETTINGS, DRIFT}
    organization = stack_file_config()["organization"]
    for inputs in shipped.of_type(SETTINGS).values():
        assert inputs["organization"] == organization
        assert inputs["project"] == "archon"


@pytest.mark.parametrize("stack", ["dev", "prod", "pr"])
def test_git_source_is_the_main_branch_at_the_repository_root(shipped: Run, stack: str) -> None:
    git = shipped.settings(stack)["sourceContext"]["git"]
    # With a GitHub integration the repository is `vcs.repository`; repoUrl must not be set too.
    assert git == {"branch": "refs/heads/main", "repoDir": "."}


@pytest.mark.parametrize("stack", ["dev", "prod", "pr"])
def test_pre_run_commands_install_the_requirements_into_the_projects_virtualenv(shipped: Run, stack: str) -> None:
    operation = shipped.settings(stack)["operationContext"]
    assert operation["preRunCommands"] == ["python -m venv .venv && .venv/bin/pip install -r requirements.txt"]
    # The venv is the one the archon Pulumi.yaml names; the executor's own install is skipped.
    runtime = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["runtime"]
    assert runtime["options"]["virtualenv"] == ".venv"
    assert operation["options"]["skipInstallDependencies"] is True


@pytest.mark.parametrize("stack", ["dev", "prod", "pr"])
def test_environment_variables_with_the_secret_one_held_as_a_pulumi_secret(shipped: Run, stack: str) -> None:
    env = shipped.settings(stack)["operationContext"]["environmentVariables"]
    assert env == {"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONUNBUFFERED": "1", "REGISTRY_TOKEN": FAKE_REGISTRY_TOKEN}
    # The token is held as a Pulumi secret. (The mock monitor pushes a nested secret's marker up to
    # the enclosing top-level property; the SDK sends it on the variable itself, and the provider
    # marks exactly the secret-valued variables secret in Pulumi Cloud.)
    secret_paths = shipped.secrets_of(SETTINGS, stack)
    token_path = "/operationContext/environmentVariables/REGISTRY_TOKEN"
    assert secret_paths and all(token_path.startswith(p) for p in secret_paths)
    elsewhere = {key: value for key, value in shipped.settings(stack).items() if key != "operationContext"}
    assert FAKE_REGISTRY_TOKEN not in repr(elsewhere)
    # No KUBECONFIG: the archon stacks carry `archon:kubeconfig` as secret config.
    assert "KUBECONFIG" not in env


def test_without_the_secret_no_secret_variable_is_set() -> None:
    run = run_program(secrets={})
    for stack, inputs in run.of_type(SETTINGS).items():
        assert "REGISTRY_TOKEN" not in inputs["operationContext"]["environmentVariables"]
        assert run.secrets_of(SETTINGS, stack) == set(), "plain settings are not hidden as secrets"


TRIGGERS = ("deployCommits", "previewPullRequests", "pullRequestTemplate")


def test_github_triggers(shipped: Run) -> None:
    flags = {
        stack: {k: v for k, v in inputs["vcs"].items() if k in TRIGGERS}
        for stack, inputs in shipped.of_type(SETTINGS).items()
    }
    assert flags == {
        "dev": {"deployCommits": True, "previewPullRequests": True, "pullRequestTemplate": False},
        # A prod preview would run any pull request's code with prod's secrets, unasked.
        "prod": {"deployCommits": False, "previewPullRequests": False, "pullRequestTemplate": False},
        "pr": {"deployCommits": False, "previewPullRequests": False, "pullRequestTemplate": True},
    }
    for inputs in shipped.of_type(SETTINGS).values():
        assert inputs["vcs"]["provider"] == "github"
        assert inputs["vcs"]["repository"] == stack_file_config()["repository"]
        assert "github" not in inputs  # the deprecated block; `vcs` replaces it


def test_prod_previews_of_pull_requests_are_an_explicit_choice() -> None:
    run = run_program(overrides={"prodPreviewPullRequests": True})
    assert run.settings("prod")["vcs"]["previewPullRequests"] is True


def test_documentation_only_changes_do_not_deploy(shipped: Run) -> None:
    paths = shipped.settings("dev")["vcs"]["paths"]
    assert {"!*.md", "!**/*.md", "!docs/**"} <= set(paths)
    assert all(p.startswith("!") for p in paths), "only exclude filters: everything else still deploys"
    assert all(inputs["vcs"]["paths"] == paths for inputs in shipped.of_type(SETTINGS).values())


def test_review_stacks_come_from_the_pr_template(shipped: Run) -> None:
    template = shipped.settings("pr")
    assert template["vcs"]["pullRequestTemplate"] is True
    assert template["operationContext"]["options"]["deleteAfterDestroy"] is True
    for stack in ("dev", "prod"):
        assert shipped.settings(stack)["operationContext"]["options"]["deleteAfterDestroy"] is False
    assert "pr" not in shipped.of_type(DRIFT), "review stacks are short-lived; no drift detection"


def test_review_stacks_can_be_turned_off() -> None:
    run = run_program(overrides={"reviewStackTemplate": ""})
    assert set(run.of_type(SETTINGS)) == {"dev", "prod"}


def test_drift_detection(shipped: Run) -> None:
    drift = {stack: (i["scheduleCron"], i["autoRemediate"]) for stack, i in shipped.of_type(DRIFT).items()}
    assert drift == {"dev": ("0 6 * * *", True), "prod": ("0 5 * * *", False)}
    order = [(r.type, r.inputs["stack"]) for r in shipped.registrations]
    for stack in drift:
        # depends_on: the schedule is registered only once the stack's deployment settings are.
        assert order.index((SETTINGS, stack)) < order.index((DRIFT, stack))
        assert shipped.of_type(DRIFT)[stack]["project"] == shipped.settings(stack)["project"]


def test_drift_detection_can_be_turned_off() -> None:
    run = run_program(overrides={"prodDriftSchedule": "", "devDriftSchedule": ""})
    assert run.of_type(DRIFT) == {}


def test_outputs_summarise_each_stack() -> None:
    run_program()
    root = pulumi.runtime.settings.get_root_resource()
    stacks = resolve(root.outputs["stacks"])
    assert stacks["prod"]["deployCommits"] is False
    assert stacks["prod"]["driftDetection"] == {"scheduleCron": "0 5 * * *", "autoRemediate": False}
    assert stacks["pr"]["reviewStackTemplate"] is True


BAD = [
    # (case, overrides, plaintext, the keys the error must name)
    ("no organization", {"organization": ""}, {}, ["organization"]),
    ("repository is a URL", {"repository": "https://github.com/acme/archon"}, {}, ["repository"]),
    ("branch without refs/heads/", {"branch": "main"}, {}, ["branch"]),
    ("absolute repoDir", {"repoDir": "/archon"}, {}, ["repoDir"]),
    ("repoDir leaves the repository", {"repoDir": "../archon"}, {}, ["repoDir"]),
    ("paths not a list", {"paths": "docs/**"}, {}, ["paths"]),
    ("cron with 4 fields", {"prodDriftSchedule": "0 5 * *"}, {}, ["prodDriftSchedule"]),
    ("boolean that is not", {"devDriftAutoRemediate": "yes"}, {}, ["devDriftAutoRemediate"]),
    ("template is the prod stack", {"reviewStackTemplate": "prod"}, {}, ["reviewStackTemplate"]),
    ("two at once", {"organization": "", "branch": "main"}, {}, ["organization", "branch"]),
]


@pytest.mark.parametrize("overrides, plaintext, keys", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_config_is_refused_before_anything_is_registered(overrides: dict, plaintext: dict, keys: list) -> None:
    with pytest.raises(pulumi.RunError) as caught:
        run_program(overrides=overrides, plaintext=plaintext)
    assert caught.value.registrations == []  # type: ignore[attr-defined]
    problems = caught.value.problems  # type: ignore[attr-defined]
    assert [p.key for p in problems] == keys, str(caught.value)
    for key in keys:
        assert f"{PROJECT}:{key}: " in str(caught.value)
    assert all(p.fix.startswith("pulumi config ") and f"{PROJECT}:{p.key}" in p.fix for p in problems)


def test_a_secret_stored_in_plain_text_is_refused_without_showing_it() -> None:
    with pytest.raises(pulumi.RunError) as caught:
        run_program(secrets={}, plaintext={"registryToken": FAKE_REGISTRY_TOKEN})
    assert [p.key for p in caught.value.problems] == ["registryToken"]  # type: ignore[attr-defined]
    assert "--secret" in caught.value.problems[0].fix  # type: ignore[attr-defined]
    assert FAKE_REGISTRY_TOKEN not in str(caught.value)
    assert caught.value.registrations == []  # type: ignore[attr-defined]


def test_requirements_pin_the_same_sdk_as_the_main_project() -> None:
    def pins(path: Path) -> dict[str, str]:
        lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
        return dict(line.split("==") for line in lines if "==" in line)

    ours, main = pins(PROGRAM / "requirements.txt"), pins(ROOT / "requirements.txt")
    assert ours["pulumi"] == main["pulumi"]
    # The tests run the program with the SDK from requirements-dev.txt: the same version.
    assert version("pulumi-pulumiservice") == ours["pulumi-pulumiservice"]
