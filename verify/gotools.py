"""Small Go programs the checks need, built on first use into `.tools/bin` and kept there.

Go's own caches (module and build cache, `go env GOMODCACHE GOCACHE`) are used as they are, so
that a fresh checkout on a machine that built them before only links; nothing is downloaded but
Go modules from the module proxy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".tools" / "bin"


def _go_env() -> dict[str, str]:
    if shutil.which("go") is None:
        raise RuntimeError("Go is needed to build the checks' tools: install Go (README, Quick start)")
    return {**os.environ, "GOFLAGS": "-modcacherw", "CGO_ENABLED": "0"}


def build_package(source: Path, name: str) -> Path:
    """`go build` of the main package in `source` (a module of this repository) as bin/<name>."""
    binary = BIN / name
    if not binary.exists():
        BIN.mkdir(parents=True, exist_ok=True)
        env = {**_go_env(), "GOFLAGS": "-mod=readonly -modcacherw"}
        subprocess.run(["go", "build", "-o", str(binary), "."], cwd=source, env=env, check=True, timeout=1200)
    return binary


def install_module(module: str, version: str, name: str) -> Path:
    """`go install module@version` (a published command) as bin/<name>-<version>."""
    binary = BIN / f"{name}-{version}"
    if not binary.exists():
        staging = BIN / f".{name}-{version}.build"
        shutil.rmtree(staging, ignore_errors=True)
        subprocess.run(
            ["go", "install", f"{module}@{version}"],
            cwd=ROOT,
            env={**_go_env(), "GOBIN": str(staging)},
            check=True,
            timeout=1200,
        )
        (staging / name).rename(binary)
        staging.rmdir()
    return binary
