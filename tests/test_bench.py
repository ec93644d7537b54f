"""The benchmark's measuring instruments (bench/replay.py), not its timings: the import floor must
import exactly the API modules the program loads, and the library-only replay must register exactly
what the program registers, or the ratios in the README compare the wrong things."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness import ROOT

REPLAY = ROOT / "bench" / "replay.py"


def replay_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPLAY), *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "prod.json"
    result = replay_tool("record", "prod", str(path))
    assert result.returncode == 0, result.stderr
    return path


def test_floor_imports_the_api_modules_of_every_registered_kind(recording: Path) -> None:
    document = json.loads(recording.read_text())
    kinds = {r["type"] for r in document["resources"] if r["type"].startswith("kubernetes:")}
    # kubernetes:networking.k8s.io/v1:Ingress lives in pulumi_kubernetes.networking.v1
    expected = {"pulumi_kubernetes.{}.{}".format(*t.split(":")[1].replace(".k8s.io", "").split("/")) for t in kinds}
    # and every object's metadata is typed by meta.v1, which the SDK loads to translate it
    assert set(document["modules"]) == expected | {"pulumi_kubernetes.meta.v1"}
    assert "pydantic.main" in document["pydantic_modules"]


def test_replay_registers_what_the_program_registered(recording: Path) -> None:
    result = replay_tool("check", str(recording))
    assert result.returncode == 0, result.stderr
    document = json.loads(recording.read_text())
    assert len(document["resources"]) > 30
    assert any(r["secret_paths"] for r in document["resources"])  # the Secret's data stays secret


def test_check_fails_when_the_replay_would_differ(recording: Path, tmp_path: Path) -> None:
    document = json.loads(recording.read_text())
    resources = document["resources"]
    index = next(i for i, r in enumerate(resources) if r["type"] == "kubernetes:apps/v1:Deployment")
    other = next(i for i, r in enumerate(resources) if not r["custom"] and i != resources[index]["parent"])
    resources[index]["parent"] = other  # replayed under another component: another URN than recorded
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(document))
    result = replay_tool("check", str(tampered))
    assert result.returncode != 0
    assert "differs from the recording" in result.stderr
