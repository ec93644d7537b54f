"""The deployments project's configuration: read once, validated, returned as plain typed values.

This is the only module that reads `pulumi.Config`. It runs before any resource is registered, so a
bad stack file stops `pulumi preview` / `pulumi up` with nothing touched, and every problem comes
back at once, each with the `pulumi config set` command that fixes it (like the main project's
archon/settings/loader.py).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pulumi

# configkit, the config plumbing shared with the main program, lives at the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from configkit import ConfigSource, InvalidConfiguration, Problem, PulumiConfigSource  # noqa: E402

NAMESPACE = "archon-deployments"

# The executor clones the repository, then runs these in the project directory before the Pulumi
# operation. They create the virtualenv that the archon Pulumi.yaml names (`virtualenv: .venv`), so
# the Python language host runs the program with exactly the pinned requirements. The executor's
# own dependency installation is skipped (skipInstallDependencies) so that it does not install a
# second time. Each line runs in a shell of its own, hence one line for both steps.
PRE_RUN_COMMANDS = ("python -m venv .venv && .venv/bin/pip install -r requirements.txt",)

# Plain (non-secret) environment variables of every deployment.
ENVIRONMENT_VARIABLES = {"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONUNBUFFERED": "1"}

# Secret config key -> environment variable it becomes (as a Pulumi Deployments secret).
SECRET_ENVIRONMENT_VARIABLES = {"registryToken": "REGISTRY_TOKEN"}

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$")
# Relative to the repository root, without `..` or whitespace: ".", "infra", "infra/archon".
_REPO_DIR = re.compile(r"^(\.|(?!/)(?!\.\.(/|$))(?!.*/\.\.(/|$))\S+)$")
_CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")


class SecretValue:
    """A secret string that never shows in a repr, a log or an error message."""

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SecretValue('**********')"


@dataclass(frozen=True)
class DriftDetection:
    schedule_cron: str
    auto_remediate: bool


@dataclass(frozen=True)
class StackDeployment:
    """How Pulumi Deployments treats one stack of the archon project."""

    stack: str
    deploy_commits: bool  # `pulumi up` on every push to the branch
    preview_pull_requests: bool  # `pulumi preview` on every pull request against the branch
    pull_request_template: bool  # this stack is the template of review stacks
    delete_after_destroy: bool  # delete the stack once destroyed (review stacks)
    drift: DriftDetection | None


@dataclass(frozen=True)
class Settings:
    organization: str
    project: str
    repository: str
    branch: str
    repo_dir: str
    paths: tuple[str, ...]
    stacks: tuple[StackDeployment, ...]
    pre_run_commands: tuple[str, ...] = PRE_RUN_COMMANDS
    environment_variables: dict[str, str] = field(default_factory=lambda: dict(ENVIRONMENT_VARIABLES))
    secret_environment_variables: dict[str, SecretValue] = field(default_factory=dict)

    def stack(self, name: str) -> StackDeployment:
        return next(s for s in self.stacks if s.stack == name)


def _set(key: str, example: str, secret: bool = False) -> str:
    return f"pulumi config set {'--secret ' if secret else ''}{NAMESPACE}:{key} {example}"


class _Reader:
    def __init__(self, source: ConfigSource) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, key: str, message: str, fix: str) -> None:
        self.problems.append(Problem(key, message, fix, namespace=NAMESPACE))

    def string(self, key: str, pattern: re.Pattern[str] | None, example: str, required: bool = True) -> str:
        value = (self.source.get(key) or "").strip()
        if not value:
            if required:
                self.problem(key, "is not set", _set(key, example))
            return value
        if pattern is not None and not pattern.match(value):
            self.problem(key, f"is not valid (got {value!r})", _set(key, example))
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.source.get(key)
        if value is None:
            return default
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        self.problem(key, f"must be true or false, got {value!r}", _set(key, str(default).lower()))
        return default

    def string_list(self, key: str, example: str) -> tuple[str, ...]:
        raw = self.source.get(key)
        if raw is None:
            return ()
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = None
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            self.problem(
                key,
                f"must be a list of non-empty strings, got {raw!r}",
                f"pulumi config set --path '{NAMESPACE}:{key}[0]' {example}",
            )
            return ()
        return tuple(value)

    def cron(self, key: str) -> str:
        value = (self.source.get(key) or "").strip()
        if value and not _is_cron(value):
            self.problem(
                key,
                f"is not a cron expression of 5 fields (minute hour day month weekday), got {value!r}",
                _set(key, "'0 5 * * *'"),
            )
        return value

    def secret(self, key: str) -> SecretValue | None:
        value = self.source.get(key)
        if not value:
            return None
        if not self.source.is_secret(key):
            self.problem(
                key,
                "is stored in plain text in the stack file; it must be a Pulumi secret",
                f"pulumi config rm {NAMESPACE}:{key} && {_set(key, '<value>', secret=True)}",
            )
            return None
        return SecretValue(value)


def _is_cron(value: str) -> bool:
    fields = value.split()
    return len(fields) == 5 and all(_CRON_FIELD.match(f) for f in fields)


def load_settings(stack: str | None = None, source: ConfigSource | None = None) -> Settings:
    """Read, parse and validate every setting of `stack` (the current stack by default)."""
    stack = stack or pulumi.get_stack()
    read = _Reader(source or PulumiConfigSource(NAMESPACE))

    organization = read.string("organization", _NAME, "<your Pulumi Cloud organization>")
    project = read.string("project", _NAME, "archon")
    repository = read.string("repository", _REPOSITORY, "<owner>/<repository>")
    branch = read.string("branch", re.compile(r"^refs/heads/\S+$"), "refs/heads/main")
    repo_dir = read.string("repoDir", _REPO_DIR, ".")
    paths = read.string_list("paths", "'!docs/**'")
    dev = read.string("devStack", _NAME, "dev")
    prod = read.string("prodStack", _NAME, "prod")
    template = read.string("reviewStackTemplate", _NAME, "pr", required=False)
    dev_cron = read.cron("devDriftSchedule")
    prod_cron = read.cron("prodDriftSchedule")
    dev_remediate = read.boolean("devDriftAutoRemediate", True)
    prod_remediate = read.boolean("prodDriftAutoRemediate", False)
    prod_previews = read.boolean("prodPreviewPullRequests", False)
    secret_env = {}
    for key, variable in SECRET_ENVIRONMENT_VARIABLES.items():
        value = read.secret(key)
        if value is not None:
            secret_env[variable] = value

    names = [n for n in (dev, prod, template) if n]
    if len(set(names)) != len(names):
        read.problem(
            "reviewStackTemplate" if template in (dev, prod) else "prodStack",
            f"devStack, prodStack and reviewStackTemplate must name different stacks (got {names})",
            _set("reviewStackTemplate", "pr"),
        )

    if read.problems:
        raise InvalidConfiguration(stack, read.problems)

    stacks = [
        StackDeployment(
            stack=dev,
            deploy_commits=True,
            preview_pull_requests=True,
            pull_request_template=False,
            delete_after_destroy=False,
            drift=DriftDetection(dev_cron, dev_remediate) if dev_cron else None,
        ),
        StackDeployment(
            stack=prod,
            deploy_commits=False,
            preview_pull_requests=prod_previews,
            pull_request_template=False,
            delete_after_destroy=False,
            drift=DriftDetection(prod_cron, prod_remediate) if prod_cron else None,
        ),
    ]
    if template:
        # The template itself never deploys; each review stack copies its settings (and its
        # Pulumi.<template>.yaml), is updated on every push to the pull request, and is destroyed
        # and deleted when the pull request is merged or closed.
        stacks.append(
            StackDeployment(
                stack=template,
                deploy_commits=False,
                preview_pull_requests=False,
                pull_request_template=True,
                delete_after_destroy=True,
                drift=None,
            )
        )
    return Settings(
        organization=organization,
        project=project,
        repository=repository,
        branch=branch,
        repo_dir=repo_dir,
        paths=paths,
        stacks=tuple(stacks),
        secret_environment_variables=secret_env,
    )


__all__ = ["InvalidConfiguration", "Problem", "Settings", "StackDeployment", "load_settings"]
