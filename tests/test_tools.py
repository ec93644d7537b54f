"""The tool builder (tools/build.sh, behind `make tools` and `make cluster-tools`): cached,
idempotent, one line per stage, and a suitable `pulumi` on PATH is used instead of building one."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from harness import ROOT

SCRIPT = ROOT / "tools" / "build.sh"
BIN = ROOT / ".tools" / "bin"


def build(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path or os.environ["PATH"]}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=3600, check=True)


STAGES = ("pulumi", "python-scripts", "yaml", "kubernetes", "etcd", "kube", "kwok", "gateway-api", "external-secrets")


def test_a_second_run_builds_nothing() -> None:
    build("engine", "kubernetes", "cluster")  # whatever state .tools/bin is in, this leaves it complete
    log = build("engine", "kubernetes", "cluster").stderr
    # One line per stage, each up to date.
    lines = [line for line in log.splitlines() if re.search(r"\] \[\d\] ", line)]
    assert [re.search(r"\[\d\] (\S+)", line)[1] for line in lines] == list(STAGES), log
    assert all(line.endswith(": up to date") for line in lines), log
    assert "building" not in log and "restored" not in log
    versions = subprocess.run([str(BIN / "pulumi"), "version"], capture_output=True, text=True, check=True)
    assert versions.stdout.strip() == "v3.274.1"
    kubectl = subprocess.run(
        [str(BIN / "kubectl"), "version", "--client", "-o", "json"], capture_output=True, text=True, check=True
    )
    assert json.loads(kubectl.stdout)["clientVersion"]["gitVersion"] == "v1.37.2"


def test_a_stage_whose_binary_went_missing_is_restored_from_the_cache_with_its_time(tmp_path: Path) -> None:
    """A fresh output directory is filled from the binary cache, a line per stage."""
    out = tmp_path / "out"
    log = build("--out", str(out), "cluster").stderr
    for name in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "kwok"):
        assert (out / name).exists(), log
    for bundle in ("gateway-api-crds.yaml", "external-secrets-crds.yaml"):
        assert "kind: CustomResourceDefinition" in (out / bundle).read_text(), bundle
    assert len(re.findall(r"restored ", log)) == 5, log


def test_a_suitable_pulumi_on_path_is_used_instead_of_building_one(tmp_path: Path) -> None:
    system = tmp_path / "system-bin"
    system.mkdir()
    for name, output in (("pulumi", "v3.300.0"), ("pulumi-language-python", "v3.300.0")):
        tool = system / name
        tool.write_text(f"#!/bin/sh\necho {output}\n")
        tool.chmod(0o755)
    out = tmp_path / "out"
    log = build("--out", str(out), "--use-system", path=f"{system}{os.pathsep}{os.environ['PATH']}").stderr
    assert f"using system pulumi v3.300.0 at {system / 'pulumi'}" in log
    assert not (out / "pulumi").exists()
    assert (out / "pulumi-resource-kubernetes").exists()  # the provider is always the project's
    assert (out / "pulumi-language-yaml").exists()  # that pulumi has no YAML host beside it: ours


def test_the_system_pulumis_yaml_host_is_used_when_it_has_one(tmp_path: Path) -> None:
    system = tmp_path / "system-bin"
    system.mkdir()
    for name in ("pulumi", "pulumi-language-python", "pulumi-language-yaml"):
        tool = system / name
        tool.write_text("#!/bin/sh\necho v3.300.0\n")
        tool.chmod(0o755)
    out = tmp_path / "out"
    log = build("--out", str(out), "--use-system", "engine", path=f"{system}{os.pathsep}{os.environ['PATH']}").stderr
    assert "using the system pulumi's pulumi-language-yaml" in log
    assert not (out / "pulumi-language-yaml").exists()


def test_an_older_pulumi_on_path_is_not_used(tmp_path: Path) -> None:
    system = tmp_path / "system-bin"
    system.mkdir()
    for name in ("pulumi", "pulumi-language-python"):
        tool = system / name
        tool.write_text("#!/bin/sh\necho v3.100.0\n")
        tool.chmod(0o755)
    out = tmp_path / "out"
    log = build("--out", str(out), "--use-system", path=f"{system}{os.pathsep}{os.environ['PATH']}").stderr
    assert "no suitable system pulumi" in log
    assert (out / "pulumi").exists() and (out / "pulumi-language-python").exists()
