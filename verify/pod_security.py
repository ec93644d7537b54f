"""Pod Security Standards, evaluated by Kubernetes' own code (k8s.io/pod-security-admission).

The Go evaluator in `podsecurity/` is built on first use into `.tools/bin` (see `gotools.py`) and
rebuilt only when its sources change.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from verify.gotools import build_package

SOURCE = Path(__file__).resolve().parent / "podsecurity"


def _source_hash() -> str:
    digest = hashlib.sha256()
    for name in ("go.mod", "go.sum", "main.go"):
        digest.update((SOURCE / name).read_bytes())
    return digest.hexdigest()[:16]


def evaluator_binary() -> Path:
    """The built evaluator, building it when missing or out of date (the name carries a hash)."""
    return build_package(SOURCE, f"podsecurity-{_source_hash()}")


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
