"""Benchmarks, measured side by side in one run (not a test: run it by hand, `make bench`).

(a) Evaluating the whole program for prod under Pulumi's mocks, against the floor: a Python
    process that only imports pulumi and the pulumi_kubernetes modules the program uses.
    Target: at most 1.3x the floor.
(b) `pulumi preview` of the local stack with the real engine, against a one-resource program
    (one ConfigMap) with the same provider, backend and render mode. Target: at most 1.5x.

Each case runs in fresh processes, alternating with its baseline, `--rounds` times; the table shows
medians, the ratio and the peak resident memory of the largest process of each run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")

FLOOR = (
    "import pulumi, pulumi_kubernetes, pulumi_kubernetes.core.v1, pulumi_kubernetes.apps.v1, "
    "pulumi_kubernetes.networking.v1, pulumi_kubernetes.autoscaling.v2, pulumi_kubernetes.policy.v1"
)
MOCK_EVAL = "import sys; sys.path[:0] = ['tests', '.']; from harness import render; render('prod')"

ONE_RESOURCE_PROGRAM = """\
import pulumi_kubernetes as k8s

provider = k8s.Provider("render", render_yaml_to_directory="rendered")
k8s.core.v1.ConfigMap("one", data={"KEY": "value"}, opts=__import__("pulumi").ResourceOptions(provider=provider))
"""


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


def compare(
    name: str, case: list[str], baseline: list[str], cwd: Path, env: dict[str, str], rounds: int, target: float
) -> dict:
    measured(case, cwd, env), measured(baseline, cwd, env)  # warm the file cache
    times: dict[str, list[float]] = {"case": [], "baseline": []}
    peaks: dict[str, int] = {"case": 0, "baseline": 0}
    for _ in range(rounds):
        for label, command in (("case", case), ("baseline", baseline)):
            seconds, rss = measured(command, cwd, env)
            times[label].append(seconds)
            peaks[label] = max(peaks[label], rss)
    case_s, base_s = statistics.median(times["case"]), statistics.median(times["baseline"])
    return {
        "name": name,
        "case": case_s,
        "baseline": base_s,
        "ratio": case_s / base_s,
        "target": target,
        "case_mib": peaks["case"] / 1024,
        "baseline_mib": peaks["baseline"] / 1024,
    }


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    results = [
        compare(
            "(a) prod under mocks vs importing pulumi + pulumi_kubernetes",
            [PYTHON, "-c", MOCK_EVAL],
            [PYTHON, "-c", FLOOR],
            ROOT,
            dict(os.environ),
            args.rounds,
            1.3,
        ),
    ]
    with tempfile.TemporaryDirectory() as directory:
        program, minimal, env = preview_projects(Path(directory))
        preview = ["pulumi", "preview", "--stack", "local", "--non-interactive"]
        # Both previews run from their own project directory: `cd` through a shell.
        results.append(
            compare(
                "(b) `pulumi preview` local stack vs one-resource program",
                ["sh", "-c", f"cd {program} && exec {' '.join(preview)}"],
                ["sh", "-c", f"cd {minimal} && exec {' '.join(preview)}"],
                Path(directory),
                env,
                args.rounds,
                1.5,
            )
        )

    print(f"{args.rounds} rounds, medians; peak RSS of the largest process\n")
    print("| benchmark | case | baseline | ratio | target | peak case | peak baseline |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        verdict = "met" if r["ratio"] <= r["target"] else "MISSED"
        print(
            f"| {r['name']} | {r['case']:.2f} s | {r['baseline']:.2f} s | {r['ratio']:.2f}x | "
            f"≤ {r['target']}x ({verdict}) | {r['case_mib']:.0f} MiB | {r['baseline_mib']:.0f} MiB |"
        )


if __name__ == "__main__":
    main()
