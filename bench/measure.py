"""How the benchmarks measure: wall time and peak memory of fresh processes, medians of rounds
that alternate between a case and its baseline, and optionally instruction counts."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Sample:
    seconds: float  # median wall time
    peak_kib: int  # largest peak RSS of a run
    instructions: int | None = None  # counted by cachegrind, when asked for
    low: float = 0.0  # fastest round
    high: float = 0.0  # slowest round

    @classmethod
    def of(cls, times: list[float], peak_kib: int, instructions: int | None = None) -> Sample:
        return cls(statistics.median(times), peak_kib, instructions, min(times), max(times))

    def __str__(self) -> str:
        return f"{self.seconds:.2f} s ({self.low:.2f}–{self.high:.2f})"


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
    return {label: Sample.of(times[label], peaks[label], counts[label]) for label in commands}


def pulumi_env(workdir: Path) -> dict[str, str]:
    tools = ROOT / ".tools" / "path"  # the commands; the provider is in the project's PULUMI_HOME
    (workdir / "state").mkdir(exist_ok=True)
    return {
        **os.environ,
        "PATH": os.pathsep.join([str(tools), str(ROOT / ".venv" / "bin"), os.environ.get("PATH", "")]),
        "PULUMI_HOME": str(ROOT / ".tools" / "pulumi-home"),
        "PULUMI_BACKEND_URL": f"file://{workdir / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": "archon-local-only",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    }
