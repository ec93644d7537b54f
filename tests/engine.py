"""Runs the real Pulumi engine (CLI, Python language host, Kubernetes provider from `make tools`)
on a temporary copy of the program, with a file backend and render mode: no cluster, no cloud."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from archon.k8s.quantity import parse_quantity
from harness import FAKE_SECRETS, ROOT, plain_stack_file

# The commands (tools/build.sh links them here) and the Pulumi home with the Kubernetes provider.
TOOLS_PATH = ROOT / ".tools" / "path"
PULUMI_HOME = ROOT / ".tools" / "pulumi-home"
PASSPHRASE = "archon-local-only"
PROGRAM_FILES = ["Pulumi.yaml", "__main__.py", "requirements.txt", "archon", "configkit", "policy"]
AUTONAMED = re.compile(r"\b(archon-(?:config|secrets|auth-secrets|auth-templates))-[0-9a-z]{8}\b")


def pulumi_binary() -> str:
    """`make tools` puts the engine in .tools/path; a `pulumi` on PATH does as well."""
    found = shutil.which("pulumi", path=f"{TOOLS_PATH}{os.pathsep}{os.environ.get('PATH', '')}")
    if not found:
        raise RuntimeError("no Pulumi CLI: run `make tools` (the tests need the real engine)")
    return found


def engine_environment(state: Path) -> dict[str, str]:
    """The environment of a `pulumi` command: the project's tools and plugins, a file backend in
    `state`, the local passphrase, and no downloads."""
    return {
        **os.environ,
        "PATH": os.pathsep.join([str(TOOLS_PATH), str(ROOT / ".venv" / "bin"), os.environ.get("PATH", "")]),
        "PULUMI_HOME": str(PULUMI_HOME),
        "PULUMI_BACKEND_URL": f"file://{state}",
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        # Every plugin comes from `make tools`: a download attempt is an error, not a fallback.
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "NO_COLOR": "1",
    }


def run_pulumi(
    args: tuple[str, ...], cwd: Path, env: dict[str, str], check: bool = True, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """One non-interactive `pulumi` command; with `check`, a failure raises with its output."""
    completed = subprocess.run(
        [pulumi_binary(), *args, "--non-interactive"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        input=input,
        timeout=600,
    )
    if check and completed.returncode != 0:
        raise AssertionError(f"pulumi {' '.join(args)} failed:\n{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}")
    return completed


class Project:
    """A copy of the program (or of another project directory, `program`) with its own state
    backend, on which `pulumi` commands run."""

    def __init__(
        self, workdir: Path, stacks: tuple[str, ...] = ("local", "dev", "prod"), program: Path | None = None
    ) -> None:
        self.dir = workdir / "project"
        if program is not None:
            shutil.copytree(program, self.dir, ignore=shutil.ignore_patterns("Pulumi.*.yaml", "sdks"))
        else:
            self.dir.mkdir(parents=True)
            self._copy_the_program(stacks)
        (workdir / "state").mkdir()
        self.env = engine_environment(workdir / "state")

    def _copy_the_program(self, stacks: tuple[str, ...]) -> None:
        for name in PROGRAM_FILES:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, self.dir / name, ignore=shutil.ignore_patterns("__pycache__", "venv"))
            else:
                shutil.copy2(source, self.dir / name)
        for stack in stacks:  # the shipped stack files' plain values only: see plain_stack_file
            (self.dir / f"Pulumi.{stack}.yaml").write_text(plain_stack_file(stack))
        (self.dir / ".venv").symlink_to(ROOT / ".venv")
        # The policy pack's virtualenv: the project's own has pulumi-policy (requirements-dev.txt).
        (self.dir / "policy" / "venv").symlink_to(ROOT / ".venv")

    def pulumi(self, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return run_pulumi(args, self.dir, self.env, check=check, input=input)

    def init(self, stack: str, render_dir: Path | None = None, secrets: bool = True, like: str | None = None) -> None:
        """A new stack, configured as the shipped stack `like` (default: its own stack file)."""
        if like is not None:
            (self.dir / f"Pulumi.{stack}.yaml").write_text(plain_stack_file(like))
        self.pulumi("stack", "init", stack, "--secrets-provider", "passphrase")
        if render_dir is not None:
            self.pulumi("config", "set", "--stack", stack, "archon:renderYamlToDirectory", str(render_dir))
        if secrets:
            for key, value in FAKE_SECRETS.items():
                # The value goes over stdin, never on a command line.
                self.pulumi("config", "set", "--stack", stack, "--secret", f"archon:{key}", input=value)


def rendered_objects(directory: Path) -> list[dict[str, Any]]:
    """The manifests the provider wrote in render mode."""
    objects = []
    for path in sorted(directory.rglob("*.yaml")):
        objects.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    return objects


def _quantities(value: Any, key: str = "") -> Any:
    """Resource amounts as numbers: the provider writes 1000m as 1, the same quantity."""
    if isinstance(value, dict):
        amounts = key in ("requests", "limits", "hard", "default", "defaultRequest")
        return {k: str(parse_quantity(v).normalize()) if amounts else _quantities(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_quantities(v) for v in value]
    return value


def normalized(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Objects keyed by (kind, name), as the API server would receive them: random auto-name
    suffixes blanked, Secret stringData as base64 data, Pulumi's autonamed marker dropped,
    resource amounts compared as quantities."""
    result = {}
    for obj in _quantities(json.loads(AUTONAMED.sub(r"\1-*", json.dumps(objects)))):
        annotations = obj["metadata"].get("annotations", {})
        annotations.pop("pulumi.com/autonamed", None)
        if not annotations:
            obj["metadata"].pop("annotations", None)
        if obj["kind"] == "Secret" and "stringData" in obj:
            data = obj.pop("stringData")
            obj["data"] = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
        result[(obj["kind"], obj["metadata"]["name"])] = obj
    return result
