"""Secure pod building blocks: restricted security contexts, writable scratch volumes, probes.

Every container gets the Pod Security "restricted" settings and a read-only root filesystem; the
paths an application writes are declared as `WritableDir`s and become emptyDir volumes. There is
no switch to turn these off: a service that needs more must change this module, in review.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archon.rules.images import is_mutable
from archon.rules.pod_security import DROPPED_CAPABILITIES, SECCOMP_PROFILE

Manifest = dict[str, Any]

RUNTIME_DEFAULT = {"type": SECCOMP_PROFILE}


def pod_security_context(uid: int) -> Manifest:
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "fsGroupChangePolicy": "OnRootMismatch",
        "seccompProfile": RUNTIME_DEFAULT,
    }


def container_security_context(uid: int) -> Manifest:
    return {
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "capabilities": {"drop": list(DROPPED_CAPABILITIES)},
        "seccompProfile": RUNTIME_DEFAULT,
    }


@dataclass(frozen=True)
class WritableDir:
    """A path the application writes under a read-only root filesystem, backed by an emptyDir."""

    name: str
    mount_path: str
    size_limit: str
    in_memory: bool = False

    def volume(self) -> Manifest:
        empty_dir: Manifest = {"sizeLimit": self.size_limit}
        if self.in_memory:
            empty_dir["medium"] = "Memory"
        return {"name": self.name, "emptyDir": empty_dir}

    def mount(self) -> Manifest:
        return {"name": self.name, "mountPath": self.mount_path}


@dataclass(frozen=True)
class MountedFiles:
    """Keys of a Secret or ConfigMap as files in a read-only directory (`items`: key -> file)."""

    name: str
    mount_path: str
    kind: str  # "secret" or "configMap"
    source: Any  # the Secret's or ConfigMap's name (an Output when auto-named)
    items: dict[str, str]

    def volume(self) -> Manifest:
        name_field = "secretName" if self.kind == "secret" else "name"
        files = [{"key": key, "path": path} for key, path in self.items.items()]
        return {"name": self.name, self.kind: {name_field: self.source, "items": files}}

    def mount(self) -> Manifest:
        return {"name": self.name, "mountPath": self.mount_path, "readOnly": True}


@dataclass(frozen=True)
class Timing:
    initial_delay: int
    period: int
    timeout: int
    failures: int

    def fields(self) -> Manifest:
        delay = {"initialDelaySeconds": self.initial_delay} if self.initial_delay else {}
        return {
            **delay,
            "periodSeconds": self.period,
            "timeoutSeconds": self.timeout,
            "failureThreshold": self.failures,
            "successThreshold": 1,
        }


@dataclass(frozen=True)
class Probe:
    """A check of the service's own port: an HTTP GET of `path`, or (no path) a TCP connect."""

    timing: Timing
    path: str | None = None

    def manifest(self, port: int) -> Manifest:
        if self.path is None:
            return {"tcpSocket": {"port": port}, **self.timing.fields()}
        return {"httpGet": {"path": self.path, "port": port, "scheme": "HTTP"}, **self.timing.fields()}


def http_probe(path: str, delay: int, period: int, timeout: int, failures: int) -> Probe:
    return Probe(Timing(delay, period, timeout, failures), path)


def tcp_probe(delay: int, period: int, timeout: int, failures: int) -> Probe:
    return Probe(Timing(delay, period, timeout, failures))


@dataclass(frozen=True)
class Probes:
    liveness: Probe
    readiness: Probe
    startup: Probe | None = None

    def fields(self, port: int) -> Manifest:
        result = {"livenessProbe": self.liveness.manifest(port), "readinessProbe": self.readiness.manifest(port)}
        if self.startup:
            result["startupProbe"] = self.startup.manifest(port)
        return result


def pull_policy(tag: str, digest: str) -> str:
    """A moving tag must be pulled every time; a pinned image never changes under its name."""
    return "Always" if is_mutable(tag, digest) else "IfNotPresent"


def resources(requests: dict[str, str], limits: dict[str, str]) -> Manifest:
    return {"requests": dict(requests), "limits": dict(limits)}


def secret_env(name: str, secret_name: Any, optional: bool = False, rename: str | None = None) -> Manifest:
    """An env var read from a Secret key (of the same name, unless `rename`), never a literal value."""
    ref: Manifest = {"name": secret_name, "key": name}
    if optional:
        ref["optional"] = True
    return {"name": rename or name, "valueFrom": {"secretKeyRef": ref}}
