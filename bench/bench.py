"""Benchmarks, measured side by side in one run (not a test: run it by hand, `make bench`).

(a) Evaluating the whole program for prod under Pulumi's mocks, against the floor: a Python
    process that only imports pulumi and the pulumi_kubernetes API modules the program uses.
    Target: at most 1.3x the floor.
    Two reference rows split (a): "libraries alone" replays prod's registrations with no code of
    ours (bench/replay.py: the pydantic modules the program loads, then the same resources, inputs,
    parents and secrets through pulumi_kubernetes' typed classes, under the same mocks), against
    the same floor; "our code" is (a)'s case against that replay.
(b) `pulumi preview` of the local stack with the real engine, against a one-resource program
    (one ConfigMap) with the same provider, backend and render mode. Target: at most 1.5x.

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
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
REPLAY = str(ROOT / "bench" / "replay.py")

MOCK_EVAL = "import sys; sys.path[:0] = ['tests', '.']; from harness import render; render('prod')"

ONE_RESOURCE_PROGRAM = """\
import pulumi_kubernetes as k8s

provider = k8s.Provider("render", render_yaml_to_directory="rendered")
k8s.core.v1.ConfigMap("one", data={"KEY": "value"}, opts=__import__("pulumi").ResourceOptions(provider=provider))
"""


@dataclass(frozen=True)
class Sample:
    seconds: float  # median wall time
    peak_kib: int  # largest peak RSS of a run
    instructions: int | None = None  # counted by cachegrind, when asked for


@dataclass(frozen=True)
class Row:
    name: str
    case: Sample
    baseline: Sample
    target: float | None  # None: a reference row, no target

    @property
    def ratio(self) -> float:
        return self.case.seconds / self.baseline.seconds

    @property
    def instruction_ratio(self) -> float | None:
        if self.case.instructions is None or self.baseline.instructions is None:
            return None
        return self.case.instructions / self.baseline.instructions

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "reference"
        return f"≤ {self.target}x ({'met' if self.ratio <= self.target else 'MISSED'})"


def measured(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    """Wall time of `command` and the peak RSS (KiB) of its largest process, in a fresh wrapper."""
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        f"subprocess.run({command!r}, check=True, stdout=subprocess.DEVNULL)\n"
        "elapsed = time.perf_counter() - start\n"
        "print(elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", wrapper], cwd=cwd, env=env, check=True, capture_output=True, text=True)
    seconds, rss = out.stdout.split()
    return float(seconds), int(rss)


def instructions(command: list[str], cwd: Path, env: dict[str, str]) -> int:
    """Instructions `command` executes (its own process), counted by valgrind's cachegrind."""
    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind: install it (apt-get install valgrind) or drop the option")
    out = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", *command],
        cwd=cwd,
        env={**env, "PYTHONHASHSEED": "0"},
        check=True,
        capture_output=True,
        text=True,
    )
    match = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
    if match is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{out.stderr}")
    return int(match.group(1).replace(",", ""))


def side_by_side(
    commands: dict[str, list[str]], cwd: Path, env: dict[str, str], rounds: int, count_instructions: bool = False
) -> dict[str, Sample]:
    """Each command `rounds` times, alternating, so that all of them share the machine's conditions."""
    for command in commands.values():
        measured(command, cwd, env)  # warm the file cache
    times: dict[str, list[float]] = {label: [] for label in commands}
    peaks = dict.fromkeys(commands, 0)
    for _ in range(rounds):
        for label, command in commands.items():
            seconds, rss = measured(command, cwd, env)
            times[label].append(seconds)
            peaks[label] = max(peaks[label], rss)
    counts: dict[str, int | None] = dict.fromkeys(commands)
    if count_instructions:
        counts = {label: instructions(command, cwd, env) for label, command in commands.items()}
    return {label: Sample(statistics.median(times[label]), peaks[label], counts[label]) for label in commands}


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
            "(a) prod under mocks vs importing pulumi + the pulumi_kubernetes modules used",
            samples["program"],
            samples["floor"],
            1.3,
        ),
        Row(
            "(a) reference: libraries alone (prod's registrations replayed, no code of ours) vs the same floor",
            samples["libraries"],
            samples["floor"],
            None,
        ),
        Row(
            "(a) reference: our code, prod under mocks vs libraries alone",
            samples["program"],
            samples["libraries"],
            None,
        ),
    ]


def pulumi_env(workdir: Path) -> dict[str, str]:
    tools = ROOT / ".tools" / "bin"
    (workdir / "state").mkdir(exist_ok=True)
    return {
        **os.environ,
        "PATH": os.pathsep.join([str(tools), str(ROOT / ".venv" / "bin"), os.environ.get("PATH", "")]),
        "PULUMI_HOME": str(workdir / "home"),
        "PULUMI_BACKEND_URL": f"file://{workdir / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": "archon-local-only",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    }


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
    parser.add_argument("--only", choices=("a", "b"), help="run one benchmark")
    parser.add_argument("--instructions", action="store_true", help="also count (a)'s instructions with valgrind")
    args = parser.parse_args()

    rows: list[Row] = []
    if args.only in (None, "a"):
        with tempfile.TemporaryDirectory() as directory:
            rows += mock_evaluation(Path(directory), args.rounds, args.instructions)
    if args.only in (None, "b"):
        with tempfile.TemporaryDirectory() as directory:
            rows.append(preview(Path(directory), args.rounds))

    print(f"{args.rounds} rounds, medians; peak RSS of the largest process\n")
    print("| benchmark | case | baseline | ratio | instructions | target | peak case | peak baseline |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        counted = "—" if row.instruction_ratio is None else f"{row.instruction_ratio:.2f}x"
        print(
            f"| {row.name} | {row.case.seconds:.2f} s | {row.baseline.seconds:.2f} s | {row.ratio:.2f}x | {counted} | "
            f"{row.verdict} | {row.case.peak_kib / 1024:.0f} MiB | {row.baseline.peak_kib / 1024:.0f} MiB |"
        )


if __name__ == "__main__":
    main()
