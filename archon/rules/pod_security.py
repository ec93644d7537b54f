"""Pod Security Standards, `restricted` profile (version "latest"), in pure Python.

Each check follows the Kubernetes documentation (concepts/security/pod-security-standards) and
the checks of k8s.io/pod-security-admission v0.37 (policy/check_*.go), including their
exemptions: Windows pods (spec.os.name windows) skip the Linux-only restricted checks, and pods
in a user namespace (hostUsers: false) skip runAsNonRoot and runAsUser. `restricted` includes
every `baseline` check. The test suite also runs Kubernetes' own evaluator (verify/) on the
rendered stacks; the policy pack enforces this module at preview time, and the program builds its
security contexts from the same constants (archon/k8s/pod.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

Check = Callable[[Mapping[str, Any], Mapping[str, Any]], list[str]]

BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)
RESTRICTED_ADDABLE_CAPABILITIES = frozenset({"NET_BIND_SERVICE"})
# What every container of the program drops, and the seccomp profile every pod runs with.
DROPPED_CAPABILITIES = ("ALL",)
SECCOMP_PROFILE = "RuntimeDefault"
CONTAINER_FIELDS = {
    "initContainers": "init container",
    "containers": "container",
    "ephemeralContainers": "ephemeral container",
}


def containers(spec: Mapping[str, Any], ephemeral: bool = True) -> Iterator[tuple[str, dict[str, Any]]]:
    """(what, container) for init, app and (optionally) ephemeral containers, in the order
    Kubernetes' Pod Security evaluator visits them; what is "init container", "container", ..."""
    fields = ("initContainers", "containers") + (("ephemeralContainers",) if ephemeral else ())
    for name in fields:
        for container in spec.get(name) or []:
            if isinstance(container, Mapping):
                yield CONTAINER_FIELDS[name], dict(container)


RESTRICTED_VOLUME_TYPES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "image",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
        "net.ipv4.tcp_rmem",
        "net.ipv4.tcp_wmem",
        "net.ipv4.tcp_slow_start_after_idle",
        "net.ipv4.tcp_notsent_lowat",
    }
)
SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"})
SECCOMP_TYPES = frozenset({"RuntimeDefault", "Localhost"})
APPARMOR_TYPES = frozenset({"RuntimeDefault", "Localhost"})
APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"

_CHECKS: list[Check] = []


def _check(fn: Check) -> Check:
    _CHECKS.append(fn)
    return fn


def _pod_sc(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    return spec.get("securityContext") or {}


def _sc(container: Mapping[str, Any]) -> Mapping[str, Any]:
    return container.get("securityContext") or {}


def _names(items: list[str]) -> str:
    return ", ".join(f'"{item}"' for item in items)


def _label(what: str, container: Mapping[str, Any]) -> str:
    """`init container "playwright-warmup"`: how messages name a container."""
    return f'{what} "{container.get("name", "?")}"'


def _containers_phrase(labels: list[str]) -> str:
    return ", ".join(labels)


def _windows(spec: Mapping[str, Any]) -> bool:
    return (spec.get("os") or {}).get("name") == "windows"


def _user_namespace(spec: Mapping[str, Any]) -> bool:
    return spec.get("hostUsers") is False


def check_pod(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    """Every way this pod (template) breaks Pod Security `restricted`, each with its fix."""
    metadata = metadata or {}
    spec = spec or {}
    return [problem for check in _CHECKS for problem in check(metadata, spec)]


# --- baseline -------------------------------------------------------------------------------------


@_check
def host_process(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    setters = ["pod"] if (_pod_sc(spec).get("windowsOptions") or {}).get("hostProcess") is True else []
    bad = [_label(w, c) for w, c in containers(spec) if (_sc(c).get("windowsOptions") or {}).get("hostProcess") is True]
    if bad:
        setters.append(_containers_phrase(bad))
    if setters:
        return [f"hostProcess: {' and '.join(setters)} must not set securityContext.windowsOptions.hostProcess=true"]
    return []


@_check
def host_namespaces(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    shared = [f"{name}=true" for name in ("hostNetwork", "hostPID", "hostIPC") if spec.get(name) is True]
    if shared:
        return [f"host namespaces: {', '.join(shared)}; remove them (or set them to false)"]
    return []


@_check
def privileged(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    bad = [_label(w, c) for w, c in containers(spec) if _sc(c).get("privileged") is True]
    if bad:
        return [f"privileged: {_containers_phrase(bad)} must not set securityContext.privileged=true"]
    return []


@_check
def host_ports(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    bad, ports = [], set()
    for w, c in containers(spec):
        used = [p.get("hostPort") for p in c.get("ports") or [] if p.get("hostPort")]
        if used:
            bad.append(_label(w, c))
            ports.update(str(p) for p in used)
    if bad:
        return [f"hostPort: {_containers_phrase(bad)} must not use hostPort {', '.join(sorted(ports))}; remove it"]
    return []


@_check
def host_probes_and_lifecycle(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    bad, hosts = [], set()
    for w, c in containers(spec):
        handlers = [c.get(p) for p in ("livenessProbe", "readinessProbe", "startupProbe")]
        lifecycle = c.get("lifecycle") or {}
        handlers += [lifecycle.get("postStart"), lifecycle.get("preStop")]
        found = {
            handler[action]["host"]
            for handler in handlers
            if handler
            for action in ("httpGet", "tcpSocket")
            if (handler.get(action) or {}).get("host")
        }
        if found:
            bad.append(_label(w, c))
            hosts.update(found)
    if bad:
        return [
            f"probe or lifecycle host: {_containers_phrase(bad)} must not set a host ({_names(sorted(hosts))}) "
            "in httpGet/tcpSocket probes or lifecycle handlers"
        ]
    return []


@_check
def app_armor(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    problems = []
    pod_type = (_pod_sc(spec).get("appArmorProfile") or {}).get("type")
    if _pod_sc(spec).get("appArmorProfile") is not None and pod_type not in APPARMOR_TYPES:
        problems.append(f"AppArmor: pod must not set securityContext.appArmorProfile.type to {pod_type!r}")
    for w, c in containers(spec):
        profile = _sc(c).get("appArmorProfile")
        if profile is not None and profile.get("type") not in APPARMOR_TYPES:
            problems.append(
                f"AppArmor: {_label(w, c)} must not set securityContext.appArmorProfile.type to {profile.get('type')!r}"
            )
    for key, value in sorted((metadata.get("annotations") or {}).items()):
        if key.startswith(APPARMOR_ANNOTATION_PREFIX) and not (
            value == "" or value == "runtime/default" or str(value).startswith("localhost/")
        ):
            problems.append(f'AppArmor: annotation {key}="{value}" is forbidden')
    if problems:
        problems[-1] += "; use RuntimeDefault or Localhost (or leave it unset)"
    return problems


@_check
def se_linux(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    def bad(options: Mapping[str, Any] | None) -> list[str]:
        if options is None:
            return []
        reasons = []
        if (options.get("type") or "") not in SELINUX_TYPES:
            reasons.append(f"type {options.get('type')!r}")
        if options.get("user"):
            reasons.append("user may not be set")
        if options.get("role"):
            reasons.append("role may not be set")
        return reasons

    problems = []
    if reasons := bad(_pod_sc(spec).get("seLinuxOptions")):
        problems.append(f"seLinuxOptions: pod sets forbidden securityContext.seLinuxOptions ({'; '.join(reasons)})")
    for w, c in containers(spec):
        if reasons := bad(_sc(c).get("seLinuxOptions")):
            problems.append(
                f"seLinuxOptions: {_label(w, c)} sets forbidden securityContext.seLinuxOptions ({'; '.join(reasons)})"
            )
    return problems


@_check
def proc_mount(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    # restricted (1.35+) requires the Default procMount even in a user namespace
    bad = [
        _label(w, c)
        for w, c in containers(spec)
        if _sc(c).get("procMount") is not None and _sc(c).get("procMount") != "Default"
    ]
    if bad:
        return [f"procMount: {_containers_phrase(bad)} must not set securityContext.procMount other than Default"]
    return []


@_check
def sysctls(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    bad = [s.get("name") for s in _pod_sc(spec).get("sysctls") or [] if s.get("name") not in SAFE_SYSCTLS]
    if bad:
        return [f"forbidden sysctls: {', '.join(map(str, bad))}; only the safe set is allowed"]
    return []


# --- restricted -----------------------------------------------------------------------------------


@_check
def volume_types(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    bad = []
    for volume in spec.get("volumes") or []:
        sources = [key for key in volume if key != "name" and volume[key] is not None]
        if not sources or any(source not in RESTRICTED_VOLUME_TYPES for source in sources):
            bad.append(f"{volume.get('name', '?')} ({', '.join(sources) or 'unknown'})")
    if bad:
        return [
            f"restricted volume types: {', '.join(bad)}; use configMap, csi, downwardAPI, emptyDir, ephemeral, "
            "image, persistentVolumeClaim, projected or secret (hostPath is never allowed)"
        ]
    return []


@_check
def allow_privilege_escalation(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    if _windows(spec):
        return []
    bad = [_label(w, c) for w, c in containers(spec) if _sc(c).get("allowPrivilegeEscalation") is not False]
    if bad:
        return [
            f"allowPrivilegeEscalation != false: {_containers_phrase(bad)} must set "
            "securityContext.allowPrivilegeEscalation=false"
        ]
    return []


@_check
def capabilities(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    if _windows(spec):
        return []
    missing_drop, adding, added = [], [], set()
    for w, c in containers(spec):
        caps = _sc(c).get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            missing_drop.append(_label(w, c))
        forbidden = [cap for cap in caps.get("add") or [] if cap not in RESTRICTED_ADDABLE_CAPABILITIES]
        if forbidden:
            adding.append(_label(w, c))
            added.update(forbidden)
    problems = []
    if missing_drop:
        problems.append(
            f"unrestricted capabilities: {_containers_phrase(missing_drop)} must set "
            'securityContext.capabilities.drop=["ALL"]'
        )
    if adding:
        problems.append(
            f"unrestricted capabilities: {_containers_phrase(adding)} must not add {_names(sorted(added))} "
            "(only NET_BIND_SERVICE may be added)"
        )
    return problems


@_check
def run_as_non_root(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    if _user_namespace(spec):
        return []
    pod_value = _pod_sc(spec).get("runAsNonRoot")
    explicit = [_label(w, c) for w, c in containers(spec) if _sc(c).get("runAsNonRoot") is False]
    implicit = [
        _label(w, c) for w, c in containers(spec) if _sc(c).get("runAsNonRoot") is None and pod_value is not True
    ]
    setters = (["pod"] if pod_value is False else []) + ([_containers_phrase(explicit)] if explicit else [])
    if setters:
        return [f"runAsNonRoot != true: {' and '.join(setters)} must not set securityContext.runAsNonRoot=false"]
    if implicit:
        return [
            f"runAsNonRoot != true: pod or {_containers_phrase(implicit)} must set securityContext.runAsNonRoot=true"
        ]
    return []


@_check
def run_as_user(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    if _user_namespace(spec):
        return []
    setters = ["pod"] if _pod_sc(spec).get("runAsUser") == 0 else []
    bad = [_label(w, c) for w, c in containers(spec) if _sc(c).get("runAsUser") == 0]
    if bad:
        setters.append(_containers_phrase(bad))
    if setters:
        return [f"runAsUser=0: {' and '.join(setters)} must not set securityContext.runAsUser=0; use a non-zero UID"]
    return []


@_check
def seccomp(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    if _windows(spec):
        return []
    pod_profile = _pod_sc(spec).get("seccompProfile")
    setters, values = [], set()
    if pod_profile is not None and pod_profile.get("type") not in SECCOMP_TYPES:
        setters.append("pod")
        values.add(str(pod_profile.get("type")))
    pod_set = pod_profile is not None and pod_profile.get("type") in SECCOMP_TYPES
    explicit, implicit = [], []
    for w, c in containers(spec):
        profile = _sc(c).get("seccompProfile")
        if profile is not None:
            if profile.get("type") not in SECCOMP_TYPES:
                explicit.append(_label(w, c))
                values.add(str(profile.get("type")))
        elif not pod_set:
            implicit.append(_label(w, c))
    if explicit:
        setters.append(_containers_phrase(explicit))
    if setters:
        return [
            f"seccompProfile: {' and '.join(setters)} must not set securityContext.seccompProfile.type to "
            f"{_names(sorted(values))}; use RuntimeDefault or Localhost"
        ]
    if implicit:
        return [
            f"seccompProfile: pod or {_containers_phrase(implicit)} must set securityContext.seccompProfile.type "
            'to "RuntimeDefault" or "Localhost"'
        ]
    return []
