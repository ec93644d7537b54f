"""Pod Security Standards, evaluated by Kubernetes' own code (k8s.io/pod-security-admission).

The Go evaluator in `podsecurity/` is built on first use into `.tools/bin` (Go modules come from
the module proxy; caches stay under `.tools`) and rebuilt only when its sources change.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path(__file__).resolve().parent / "podsecurity"
TOOLS = ROOT / ".tools"


def _source_hash() -> str:
    digest = hashlib.sha256()
    for name in ("go.mod", "go.sum", "main.go"):
        digest.update((SOURCE / name).read_bytes())
    return digest.hexdigest()[:16]


def evaluator_binary() -> Path:
    """The built evaluator, building it when missing or out of date."""
    binary = TOOLS / "bin" / f"podsecurity-{_source_hash()}"
    if binary.exists():
        return binary
    binary.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "GOPATH": os.environ.get("GOPATH", str(TOOLS / "go")),
        "GOMODCACHE": os.environ.get("GOMODCACHE", str(TOOLS / "go" / "pkg" / "mod")),
        "GOCACHE": os.environ.get("GOCACHE", str(TOOLS / "go-build")),
        "GOFLAGS": "-mod=readonly -modcacherw",
        "CGO_ENABLED": "0",
    }
    subprocess.run(["go", "build", "-o", str(binary), "."], cwd=SOURCE, env=env, check=True)
    return binary


def evaluate(objects: Iterable[dict[str, Any]], level: str = "restricted", version: str = "latest") -> list[dict]:
    """One result per pod template: {kind, name, level, version, checks, violations: [...]}."""
    completed = subprocess.run(
        [str(evaluator_binary()), "-level", level, "-version", version],
        input=json.dumps(list(objects)),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout)
