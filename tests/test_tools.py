"""`make tools` (tools/build-pulumi.sh): cached, idempotent, and a suitable `pulumi` on PATH is
used instead of building one."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from harness import ROOT

SCRIPT = ROOT / "tools" / "build-pulumi.sh"
BIN = ROOT / ".tools" / "bin"


def build(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path or os.environ["PATH"]}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=3600, check=True)


def test_a_second_run_builds_nothing() -> None:
    build()  # whatever state .tools/bin is in, this one leaves it complete
    log = build().stderr
    assert "pulumi v3.274.1 + pulumi-language-python: up to date" in log
    assert "pulumi-resource-kubernetes v4.25.0: up to date" in log
    assert "building pulumi" not in log and "restored" not in log
    versions = subprocess.run([str(BIN / "pulumi"), "version"], capture_output=True, text=True, check=True)
    assert versions.stdout.strip() == "v3.274.1"


def test_a_suitable_pulumi_on_path_is_used_instead_of_building_one(tmp_path: Path) -> None:
    system = tmp_path / "system-bin"
    system.mkdir()
    for name, output in (("pulumi", "v3.300.0"), ("pulumi-language-python", "v3.300.0")):
        tool = system / name
        tool.write_text(f"#!/bin/sh\necho {output}\n")
        tool.chmod(0o755)
    out = tmp_path / "out"
    log = build(str(out), "--use-system", path=f"{system}{os.pathsep}{os.environ['PATH']}").stderr
    assert f"using system pulumi v3.300.0 at {system / 'pulumi'}" in log
    assert not (out / "pulumi").exists()
    assert (out / "pulumi-resource-kubernetes").exists()  # the provider is always the project's


def test_an_older_pulumi_on_path_is_not_used(tmp_path: Path) -> None:
    system = tmp_path / "system-bin"
    system.mkdir()
    for name in ("pulumi", "pulumi-language-python"):
        tool = system / name
        tool.write_text("#!/bin/sh\necho v3.100.0\n")
        tool.chmod(0o755)
    out = tmp_path / "out"
    log = build(str(out), "--use-system", path=f"{system}{os.pathsep}{os.environ['PATH']}").stderr
    assert "no suitable system pulumi" in log
    assert (out / "pulumi").exists() and (out / "pulumi-language-python").exists()
