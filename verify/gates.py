"""The real oauth2-proxy, run with what the program renders for an access gate, on 127.0.0.1.

`run_gate` takes a gate's Deployment as the mocks render it and starts oauth2-proxy with exactly
its arguments and environment (secrets resolved from the rendered Secret, files from the rendered
Secret and ConfigMap), except for what only exists inside the cluster: the listening address
becomes a free port on 127.0.0.1, the Services it proxies to (archon-server:8181, ...) become the
addresses of the tests' stand-ins, and the mounted files become files in a temporary directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from verify.gotools import build_package, install_module

ROOT = Path(__file__).resolve().parent.parent
MOCKOIDC = Path(__file__).resolve().parent / "mockoidc"
OAUTH2_PROXY_MODULE = "github.com/oauth2-proxy/oauth2-proxy/v7"


def oauth2_proxy_version() -> str:
    """The version the program deploys (authTag's default in Pulumi.yaml)."""
    return yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]["authTag"]["default"]


def oauth2_proxy() -> Path:
    return install_module(OAUTH2_PROXY_MODULE, oauth2_proxy_version(), "oauth2-proxy")


def mockoidc() -> Path:
    digest = hashlib.sha256(b"".join((MOCKOIDC / n).read_bytes() for n in ("go.mod", "go.sum", "main.go")))
    return build_package(MOCKOIDC, f"mockoidc-{digest.hexdigest()[:16]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def oidc_provider(workdir: Path, email: str) -> Iterator[dict[str, str]]:
    """A mock OIDC provider that signs in `email` at every login: {issuer, clientId, clientSecret, caFile}."""
    process = subprocess.Popen(
        [str(mockoidc()), "-dir", str(workdir), "-email", email], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        yield json.loads(process.stdout.readline())
    finally:
        process.kill()
        process.wait()


def _secret_value(objects: list[dict[str, Any]], ref: Mapping[str, str]) -> str:
    (secret,) = [o for o in objects if o["kind"] == "Secret" and o["metadata"]["name"] == ref["name"]]
    return secret["stringData"][ref["key"]]


def _files(objects: list[dict[str, Any]], volume: Mapping[str, Any], directory: Path) -> Path:
    """A Secret or ConfigMap volume's items, written into `directory`."""
    directory.mkdir(parents=True)
    if "secret" in volume:
        source, data = volume["secret"], "stringData"
        name, kind = source["secretName"], "Secret"
    else:
        source, data = volume["configMap"], "data"
        name, kind = source["name"], "ConfigMap"
    (obj,) = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    for item in source["items"]:
        (directory / item["path"]).write_text(obj[data][item["key"]])
    return directory


@contextmanager
def run_gate(
    objects: list[dict[str, Any]],
    deployment: str,
    workdir: Path,
    services: Mapping[str, str],
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """oauth2-proxy as `deployment` is rendered; yields its base URL. `services` maps an in-cluster
    `name:port` to the `host:port` standing in for it."""
    (gate,) = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == deployment]
    pod = gate["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    mounts = {m["name"]: m["mountPath"] for m in container.get("volumeMounts", [])}
    paths = {
        mounts[v["name"]]: str(_files(objects, v, workdir / v["name"]))
        for v in pod.get("volumes", [])
        if "secret" in v or "configMap" in v
    }
    port = free_port()
    args = []
    for arg in container["args"]:
        arg = re.sub(r"^--http-address=.*$", f"--http-address=127.0.0.1:{port}", arg)
        for inside, outside in services.items():
            arg = arg.replace(f"http://{inside}", f"http://{outside}")
        for inside, outside in paths.items():
            arg = arg.replace(inside, outside)
        args.append(arg)
    env = {e["name"]: _secret_value(objects, e["valueFrom"]["secretKeyRef"]) for e in container.get("env", [])}
    process = subprocess.Popen(
        [str(oauth2_proxy()), *args],
        env={"PATH": os.environ.get("PATH", ""), **env, **(extra_env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/ping", timeout=1):
                    break
            except (urllib.error.URLError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    output = process.communicate()[0]
                    raise RuntimeError(f"oauth2-proxy did not start:\n{output}") from None
                time.sleep(0.1)
        yield base
    finally:
        process.kill()
        process.wait()
