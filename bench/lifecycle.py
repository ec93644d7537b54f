"""Benchmarks (c), (d) and (e): deploy, no-op and destroy on the local cluster, `pulumi` against
`kubectl` with the same objects (see bench.py's docstring for what each measures)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

from harness import FAKE_SECRETS, render  # noqa: E402 - after the path set-up above
from localcluster import BIN, CONTEXT, Cluster  # noqa: E402
from measure import Row, Sample, measured, pulumi_env  # noqa: E402

PROGRAM_FILES = ("Pulumi.yaml", "__main__.py", "requirements.txt", "archon", "configkit")
PULUMI_NAMESPACE = "bench-pulumi"
KUBECTL_NAMESPACE = "bench-kubectl"


def _program(workdir: Path, env: dict[str, str]) -> Path:
    """A copy of the program with a `bench` stack: dev, on the local cluster, in its own namespace."""
    program = workdir / "program"
    program.mkdir()
    for name in PROGRAM_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, program / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, program / name)
    (program / ".venv").symlink_to(ROOT / ".venv")
    stack = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    stack["config"].update({"archon:kubeContext": CONTEXT, "archon:namespace": PULUMI_NAMESPACE})
    (program / "Pulumi.bench.yaml").write_text(yaml.safe_dump(stack))

    def pulumi(*args: str, input: str | None = None) -> None:
        subprocess.run(
            ["pulumi", *args, "--stack", "bench", "--non-interactive"],
            cwd=program,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            input=input,
        )

    _init_stack(program, env)
    for key, value in FAKE_SECRETS.items():
        pulumi("config", "set", "--secret", f"archon:{key}", input=value)
    return program


def _init_stack(project: Path, env: dict[str, str]) -> None:
    """The `bench` stack of `project`, with a passphrase secrets provider."""
    subprocess.run(
        ["pulumi", "stack", "init", "bench", "--secrets-provider", "passphrase", "--non-interactive"],
        cwd=project,
        env=env,
        check=True,
        capture_output=True,
    )


ONE_CONFIG_MAP = f"""\
import pulumi
import pulumi_kubernetes as k8s

provider = k8s.Provider("local", context="{CONTEXT}")
k8s.core.v1.ConfigMap(
    "one", metadata={{"namespace": "default"}}, data={{"KEY": "value"}}, opts=pulumi.ResourceOptions(provider=provider)
)
"""


def _floor(workdir: Path, env: dict[str, str]) -> Path:
    """The engine's floor on a cluster: a program of one ConfigMap, same engine and provider."""
    floor = workdir / "floor"
    floor.mkdir()
    (floor / "Pulumi.yaml").write_text(
        "name: floor\nruntime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: .venv\n"
    )
    (floor / "__main__.py").write_text(ONE_CONFIG_MAP)
    shutil.copy2(ROOT / "requirements.txt", floor / "requirements.txt")
    (floor / ".venv").symlink_to(ROOT / ".venv")
    _init_stack(floor, env)
    return floor


def _manifests(workdir: Path) -> tuple[Path, list[str]]:
    """The same stack as the mocks render it, for kubectl, in its own namespace."""
    config = {
        key.split(":", 1)[1]: value
        for key, value in yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"].items()
    }
    rendered = render("dev", overrides={**config, "kubeContext": CONTEXT, "namespace": KUBECTL_NAMESPACE})
    path = workdir / "manifests.yaml"
    path.write_text(yaml.safe_dump_all(rendered.objects))
    return path, [o["metadata"]["name"] for o in rendered.of_kind("Deployment")]


def lifecycle(workdir: Path, rounds: int) -> list[Row]:
    """Benchmarks (c), (d), (e): `rounds` rounds after one warm-up, all commands of a round in turn."""
    cluster = Cluster()
    started = not cluster.running()
    cluster.up(fresh=started)
    try:
        env = {**pulumi_env(workdir), "KUBECONFIG": str(cluster.kubeconfig)}
        program = _program(workdir, env)
        floor = _floor(workdir, env)
        manifests, deployments = _manifests(workdir)
        kubectl = f"{BIN / 'kubectl'} --context={CONTEXT}"
        rollout = " && ".join(
            f"{kubectl} -n {KUBECTL_NAMESPACE} rollout status deployment/{name} >/dev/null" for name in deployments
        )

        def pulumi(command: str, project: Path) -> str:
            return f"cd {project} && pulumi {command} --yes --skip-preview --stack bench --non-interactive"

        commands = {
            "pulumi deploy": pulumi("up", program),
            "kubectl deploy": f"{kubectl} apply -f {manifests} >/dev/null && {rollout}",
            "pulumi no-op": pulumi("up", program),
            "kubectl no-op apply": f"{kubectl} apply -f {manifests}",
            "kubectl no-op diff": f"{kubectl} diff -f {manifests}",
            "pulumi destroy": pulumi("destroy", program),
            "kubectl destroy": f"{kubectl} delete namespace {KUBECTL_NAMESPACE} --wait",
            "pulumi floor deploy": pulumi("up", floor),
            "pulumi floor destroy": pulumi("destroy", floor),
        }
        times: dict[str, list[float]] = defaultdict(list)
        peaks: dict[str, int] = defaultdict(int)
        for round_number in range(rounds + 1):
            for label, command in commands.items():
                seconds, rss = measured(["sh", "-c", command], workdir, env)
                if round_number:  # the first round warms caches and plugins
                    times[label].append(seconds)
                    peaks[label] = max(peaks[label], rss)
        s = {label: Sample.of(times[label], peaks[label]) for label in commands}
        return [
            Row(
                "(c) deploy dev: `pulumi up` vs `kubectl apply` + `rollout status`",
                s["pulumi deploy"],
                s["kubectl deploy"],
                1.5,
            ),
            Row(
                "(c) reference: `pulumi up` of one ConfigMap (the engine's floor) vs kubectl's deploy of dev",
                s["pulumi floor deploy"],
                s["kubectl deploy"],
                None,
            ),
            Row(
                "(c) reference: `pulumi up` of dev vs `pulumi up` of one ConfigMap (what dev adds to the floor)",
                s["pulumi deploy"],
                s["pulumi floor deploy"],
                None,
            ),
            Row("(d) no-op: second `pulumi up` vs `kubectl apply`", s["pulumi no-op"], s["kubectl no-op apply"], 1.5),
            Row(
                "(d) reference: second `pulumi up` vs `kubectl diff`", s["pulumi no-op"], s["kubectl no-op diff"], None
            ),
            Row(
                "(e) destroy: `pulumi destroy` vs `kubectl delete namespace --wait`",
                s["pulumi destroy"],
                s["kubectl destroy"],
                1.0,
            ),
        ]
    finally:
        subprocess.run(
            [
                str(BIN / "kubectl"),
                f"--context={CONTEXT}",
                "delete",
                "namespace",
                PULUMI_NAMESPACE,
                KUBECTL_NAMESPACE,
                "--ignore-not-found",
            ],
            env=cluster.env,
            capture_output=True,
        )
        if started:
            cluster.down()
