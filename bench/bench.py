"""Benchmarks, measured side by side in one run (not a test: run it by hand, `make bench`).

(a) Evaluating the whole program for prod under Pulumi's mocks, against the floor: a Python
    process that only imports pulumi and the pulumi_kubernetes API modules the program uses.
    Target: at most 1.3x the floor.
    Two reference rows split (a): "libraries alone" replays prod's registrations with no code of
    ours (bench/replay.py: the pydantic modules the program loads, then the same resources, inputs,
    parents and secrets through pulumi_kubernetes' typed classes, under the same mocks), against
    the same floor; "our code" is (a)'s case against that replay.
    Target: our code adds at most 10% to the libraries alone (the third row, at most 1.1x); the
    first row, against the bare imports, is a reference.
(b) `pulumi preview` of the local stack in render mode (as `make render` runs it) with the real
    engine, against a one-resource program (one ConfigMap) with the same provider, backend and
    render mode. Target: at most 1.5x.
On the local cluster (localcluster/, started for the run if it is not running), against the same
objects applied by kubectl (the dev stack as the mocks render it), each round in fresh namespaces:
(c) Deploy: `pulumi up --skip-preview` of dev from nothing until every Deployment is Available,
    against `kubectl apply -f` of the manifests and `kubectl rollout status` of each Deployment.
    Target: at most 1.5x.
(d) No-op: a second `pulumi up --skip-preview`, against `kubectl apply -f` of the unchanged
    manifests (target: at most 1.5x) and, for reference, `kubectl diff -f`.
(e) Destroy: `pulumi destroy --skip-preview` until the namespace is gone, against
    `kubectl delete namespace --wait`. Target: at most 1x.

Each command runs in fresh processes, the commands of a benchmark alternating, `--rounds` times;
the table shows medians, the ratio and the peak resident memory of the largest process of each run.
Wall time on a shared machine drifts by tens of percent within minutes, so `--instructions` also
counts the instructions each command of (a) executes, once, under valgrind's cachegrind with a fixed
hash seed: a count that does not depend on the machine's speed, repeatable to 0.01%. The verdict
stays on wall time, the quantity the target is about: imports run at fewer instructions per cycle
than the registrations, so instruction ratios come out higher than time ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from lifecycle import lifecycle
from measure import Row, pulumi_env, side_by_side

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
REPLAY = str(ROOT / "bench" / "replay.py")

MOCK_EVAL = "import sys; sys.path[:0] = ['tests', '.']; from harness import render; render('prod')"

RENDER = {"renderYamlToDirectory": "rendered", "existingSecret": "archon-local-credentials"}

ONE_RESOURCE_PROGRAM = """\
import pulumi_kubernetes as k8s

provider = k8s.Provider("render", render_yaml_to_directory="rendered")
k8s.core.v1.ConfigMap("one", data={"KEY": "value"}, opts=__import__("pulumi").ResourceOptions(provider=provider))
"""


def mock_evaluation(workdir: Path, rounds: int, count_instructions: bool) -> list[Row]:
    """Benchmark (a) and its two reference rows."""
    recording = workdir / "prod-registrations.json"
    subprocess.run([PYTHON, REPLAY, "record", "prod", str(recording)], cwd=ROOT, check=True)
    subprocess.run([PYTHON, REPLAY, "check", str(recording)], cwd=ROOT, check=True)  # the replay is faithful
    modules = json.loads(recording.read_text())["modules"]
    floor = "import pulumi, pulumi_kubernetes, " + ", ".join(modules)
    samples = side_by_side(
        {
            "program": [PYTHON, "-c", MOCK_EVAL],
            "libraries": [PYTHON, REPLAY, "replay", str(recording)],
            "floor": [PYTHON, "-c", floor],
        },
        ROOT,
        dict(os.environ),
        rounds,
        count_instructions,
    )
    return [
        Row(
            "(a) reference: prod under mocks vs importing pulumi + the pulumi_kubernetes modules used",
            samples["program"],
            samples["floor"],
            None,
        ),
        Row(
            "(a) reference: libraries alone (prod's registrations replayed, no code of ours) vs the same floor",
            samples["libraries"],
            samples["floor"],
            None,
        ),
        Row(
            "(a) our code: prod under mocks vs libraries alone",
            samples["program"],
            samples["libraries"],
            1.1,
        ),
    ]


def preview_projects(workdir: Path) -> tuple[Path, Path, dict[str, str]]:
    """A copy of the program with the local stack, and the one-resource program, both initialised."""
    env = pulumi_env(workdir)
    program = workdir / "archon"
    program.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.local.yaml", "__main__.py", "requirements.txt"):
        shutil.copy2(ROOT / name, program / name)
    for package in ("archon", "configkit"):
        shutil.copytree(ROOT / package, program / package, ignore=shutil.ignore_patterns("__pycache__"))
    (program / ".venv").symlink_to(ROOT / ".venv")

    minimal = workdir / "minimal"
    minimal.mkdir()
    (minimal / "Pulumi.yaml").write_text(
        "name: minimal\nruntime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: .venv\n"
    )
    (minimal / "__main__.py").write_text(ONE_RESOURCE_PROGRAM)
    (minimal / ".venv").symlink_to(ROOT / ".venv")

    for project in (program, minimal):
        subprocess.run(
            ["pulumi", "stack", "init", "local", "--secrets-provider", "passphrase", "--non-interactive"],
            cwd=project,
            env=env,
            check=True,
            capture_output=True,
        )
    for key, value in RENDER.items():  # as `make render` does
        subprocess.run(
            ["pulumi", "config", "set", "--plaintext", "--stack", "local", f"archon:{key}", value, "--non-interactive"],
            cwd=program,
            env=env,
            check=True,
            capture_output=True,
        )
    for project in (program, minimal):
        subprocess.run(
            ["pulumi", "up", "--yes", "--stack", "local", "--non-interactive"],
            cwd=project,
            env=env,
            check=True,
            capture_output=True,
        )
    return program, minimal, env


def preview(workdir: Path, rounds: int) -> Row:
    """Benchmark (b)."""
    program, minimal, env = preview_projects(workdir)
    command = " ".join(["pulumi", "preview", "--stack", "local", "--non-interactive"])
    # Both previews run from their own project directory: `cd` through a shell.
    samples = side_by_side(
        {
            "program": ["sh", "-c", f"cd {program} && exec {command}"],
            "minimal": ["sh", "-c", f"cd {minimal} && exec {command}"],
        },
        workdir,
        env,
        rounds,
    )
    return Row("(b) `pulumi preview` local stack vs one-resource program", samples["program"], samples["minimal"], 1.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", choices=("a", "b", "cde"), help="run one benchmark (cde: the cluster ones)")
    parser.add_argument("--instructions", action="store_true", help="also count (a)'s instructions with valgrind")
    args = parser.parse_args()

    rows: list[Row] = []
    if args.only in (None, "a"):
        with tempfile.TemporaryDirectory() as directory:
            rows += mock_evaluation(Path(directory), args.rounds, args.instructions)
    if args.only in (None, "b"):
        with tempfile.TemporaryDirectory() as directory:
            rows.append(preview(Path(directory), args.rounds))
    if args.only in (None, "cde"):
        with tempfile.TemporaryDirectory() as directory:
            rows += lifecycle(Path(directory), args.rounds)

    print(f"{args.rounds} rounds, medians (fastest–slowest); peak RSS of the largest process\n")
    print("| benchmark | case | baseline | ratio | instructions | target | peak case | peak baseline |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        counted = "—" if row.instruction_ratio is None else f"{row.instruction_ratio:.2f}x"
        print(
            f"| {row.name} | {row.case} | {row.baseline} | {row.ratio:.2f}x | {counted} | "
            f"{row.verdict} | {row.case.peak_kib / 1024:.0f} MiB | {row.baseline.peak_kib / 1024:.0f} MiB |"
        )


if __name__ == "__main__":
    main()
