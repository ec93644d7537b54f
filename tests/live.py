"""A shipped stack, deployed by the real engine to the local cluster.

Each end-to-end stack is a copy of a shipped stack file (`Pulumi.<like>.yaml`) in a copy of the
program, pointed at the local cluster and at a namespace of its own (`e2e-<like>`), with a short
rollout timeout and fake secrets (the local stack keeps its own placeholders). The objects the
mocks render for exactly that configuration are what the live objects are compared with.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from engine import Project, normalized, pulumi_binary
from harness import FAKE_SECRETS, SHIPPED_STACKS, Rendered, plain_stack_file, render
from localcluster import BIN, CONTEXT, Cluster

E2E_STACKS = SHIPPED_STACKS  # every one of them
ROLLOUT_TIMEOUT = 10  # seconds; the shipped default is 600
KUBECTL = BIN / "kubectl"


class LiveStack:
    def __init__(
        self,
        cluster: Cluster,
        like: str,
        workdir: Path,
        name: str | None = None,
        overrides: dict | None = None,
        secrets: dict[str, str] | None = None,
    ) -> None:
        self.cluster = cluster
        self.like = like
        self.name = name or f"e2e-{like}"
        self.namespace = self.name
        self.project = Project(workdir, stacks=())
        self.project.env["KUBECONFIG"] = str(cluster.kubeconfig)
        self.dir = self.project.dir
        stack_file = yaml.safe_load(plain_stack_file(like))
        stack_file["config"].update(
            {
                "archon:kubeContext": CONTEXT,
                "archon:namespace": self.namespace,
                "archon:rolloutTimeoutSeconds": ROLLOUT_TIMEOUT,
                **{f"archon:{key}": value for key, value in (overrides or {}).items()},
            }
        )
        (self.dir / f"Pulumi.{self.name}.yaml").write_text(yaml.safe_dump(stack_file, sort_keys=False))
        self.project.pulumi("stack", "init", self.name, "--secrets-provider", "passphrase")
        for key, value in (FAKE_SECRETS if secrets is None else secrets).items():
            self.pulumi("config", "set", "--secret", f"archon:{key}", input=value)

    # ---- the engine ------------------------------------------------------------------------------
    def pulumi(self, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return self.project.pulumi(*args, "--stack", self.name, check=check, input=input)

    def up(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.pulumi("up", "--yes", "--skip-preview", *args, check=check)

    def set(self, key: str, value: Any) -> None:
        self.pulumi("config", "set", f"archon:{key}", json.dumps(value) if not isinstance(value, str) else value)

    def steps(self, *args: str) -> dict[str, str]:
        """{resource name: operation} of what a preview would change."""
        preview = json.loads(self.pulumi("preview", "--json", *args).stdout)
        return {s["urn"].split("::")[-1]: s["op"] for s in preview.get("steps", []) if s["op"] != "same"}

    def config(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(plain values, secret values) of the stack's config, as the engine hands them over."""
        values = json.loads(self.pulumi("config", "--json", "--show-secrets").stdout)
        plain, secret = {}, {}
        for key, entry in values.items():
            if not key.startswith("archon:") or "value" not in entry:
                continue
            (secret if entry.get("secret") else plain)[key.split(":", 1)[1]] = entry["value"]
        return plain, secret

    def rendered(self) -> Rendered:
        """What the mocks render for this stack's current configuration (in the main thread:
        Pulumi's mocks run on its event loop)."""
        plain, secret = self.config()
        return render(self.like, overrides=plain, secrets=secret, name=self.name)

    def start_up(self, *args: str) -> subprocess.Popen[str]:
        """`pulumi up` in the background, in a process group of its own (as a terminal or a CI
        runner starts it, so that signals reach the engine and its plugins alike)."""
        return subprocess.Popen(
            [pulumi_binary(), "up", "--yes", "--skip-preview", "--non-interactive", "--stack", self.name, *args],
            cwd=self.dir,
            env=self.project.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    @contextmanager
    def running(self, *args: str) -> Iterator[subprocess.Popen[str]]:
        process = self.start_up(*args)
        try:
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    # ---- the cluster -----------------------------------------------------------------------------
    def kubectl(self, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return self.cluster.kubectl("-n", self.namespace, *args, check=check, input=input)

    def get(self, *args: str) -> dict[str, Any]:
        return json.loads(self.kubectl("get", *args, "-o", "json").stdout)

    def items(self, kind: str) -> list[dict[str, Any]]:
        return self.get(kind)["items"]

    def wait_for_pods_of(self, deployment: str, condition: str, timeout: float = 30) -> None:
        self.kubectl("wait", f"--for={condition}", f"deployment/{deployment}", f"--timeout={timeout}s")

    def live_objects(self, kinds: set[str]) -> list[dict[str, Any]]:
        namespaced = [k for k in kinds if k != "Namespace"]
        objects = self.get(",".join(sorted(namespaced)))["items"] if namespaced else []
        if "Namespace" in kinds:
            objects.append(self.cluster.get("namespace", self.namespace))
        return objects

    def replica_sets(self) -> dict[str, set[str]]:
        """ReplicaSet names by the Deployment that owns them."""
        result: dict[str, set[str]] = defaultdict(set)
        for rs in self.items("replicasets"):
            for owner in rs["metadata"].get("ownerReferences", []):
                result[owner["name"]].add(rs["metadata"]["name"])
        return result


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Where `actual` (a live object) lacks or contradicts `expected` (what the program set).
    Fields the API server adds (defaults, status, managed fields) are not differences."""
    from archon.k8s.quantity import parse_quantity

    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected a map, got {actual!r}"]
        return [d for key, value in expected.items() for d in differences(value, actual.get(key), f"{path}.{key}")]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        return [
            d for i, (e, a) in enumerate(zip(expected, actual, strict=True)) for d in differences(e, a, f"{path}[{i}]")
        ]
    if expected != actual:
        try:  # the API server writes quantities in canonical form: 1000m is 1
            if parse_quantity(str(expected)) == parse_quantity(str(actual)):
                return []
        except ValueError:
            pass
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return []


def compare_live(rendered: Rendered, live: list[dict[str, Any]]) -> dict[tuple[str, str], list[str]]:
    """Every rendered object exists live and carries every field the program set."""
    expected = normalized(rendered.objects)
    actual = normalized(live)
    problems: dict[tuple[str, str], list[str]] = {}
    for key, obj in expected.items():
        if key not in actual:
            problems[key] = ["missing from the cluster"]
        elif found := differences(obj, actual[key]):
            problems[key] = found
    return problems


class RolloutWatch:
    """Records every status the API server reports for the namespace's Deployments while a
    rollout runs (`kubectl get deployments --watch`), to check what was available throughout."""

    def __init__(self, stack: LiveStack) -> None:
        self.stack = stack
        self.seen: dict[str, list[dict[str, int]]] = defaultdict(list)
        self._process: subprocess.Popen[str] | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> RolloutWatch:
        self._process = subprocess.Popen(
            [
                str(KUBECTL),
                f"--context={CONTEXT}",
                "-n",
                self.stack.namespace,
                "get",
                "deployments",
                "--watch",
                "-o",
                "json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=self.stack.cluster.env,
        )
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        time.sleep(0.5)  # the watch lists the current state first
        return self

    def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        decoder = json.JSONDecoder()
        buffer = ""
        for line in self._process.stdout:
            buffer += line
            while buffer.strip():
                try:
                    obj, end = decoder.raw_decode(buffer.lstrip())
                except json.JSONDecodeError:
                    break
                buffer = buffer.lstrip()[end:]
                status, spec = obj.get("status", {}), obj["spec"]
                self.seen[obj["metadata"]["name"]].append(
                    {
                        "desired": spec.get("replicas", 0),
                        "available": status.get("availableReplicas", 0),
                        "updated": status.get("updatedReplicas", 0),
                        "generation": obj["metadata"].get("generation", 0),
                    }
                )

    def __exit__(self, *exc: object) -> None:
        time.sleep(0.5)
        assert self._process is not None
        self._process.terminate()
        self._process.wait()
        if self._thread is not None:
            self._thread.join(timeout=5)
