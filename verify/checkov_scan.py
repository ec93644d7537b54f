"""checkov, the IaC security scanner, over the rendered manifests of a stack.

checkov lives in its own virtualenv (`make checkov` creates `.tools/checkov`), as its pinned
dependencies clash with the program's. The skipped checks and their reasons are in
`checkov-skips.yaml`, the one place where exceptions are allowed.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CHECKOV = Path(os.environ.get("CHECKOV", ROOT / ".tools" / "checkov" / "bin" / "checkov"))
SKIPS_FILE = Path(__file__).resolve().parent / "checkov-skips.yaml"


def skips() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(SKIPS_FILE.read_text())


def skipped_for(stack: str) -> list[str]:
    return sorted(check for check, entry in skips().items() if stack in entry["stacks"])


def scan(objects: Iterable[dict[str, Any]], stack: str) -> dict[str, Any]:
    """checkov's JSON report for these objects, with the stack's skips applied."""
    with tempfile.TemporaryDirectory() as directory:
        for index, obj in enumerate(objects):
            name = f"{index:03d}-{obj['kind']}-{obj['metadata']['name']}.yaml"
            Path(directory, name).write_text(yaml.safe_dump(obj))
        command = [str(CHECKOV), "--directory", directory, "--framework", "kubernetes", "--output", "json", "--quiet"]
        skipped = skipped_for(stack)
        if skipped:
            command += ["--skip-check", ",".join(skipped)]
        completed = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "LOG_LEVEL": "ERROR"})
    if completed.returncode not in (0, 1):  # 1: some check failed
        raise RuntimeError(f"checkov failed ({completed.returncode}): {completed.stderr[-2000:]}")
    report = json.loads(completed.stdout)
    return report[0] if isinstance(report, list) else report


def failures(report: dict[str, Any]) -> list[str]:
    return sorted(f"{c['check_id']} {c['check_name']}: {c['resource']}" for c in report["results"]["failed_checks"])
