"""A real Kubernetes control plane on this machine, for `make demo` and the end-to-end tests.

etcd, kube-apiserver (PodSecurity admission and RBAC on), kube-controller-manager and
kube-scheduler run as they would in any cluster, built from Go modules by `tools/build.sh
cluster`. kwok stands in for the kubelets: it keeps three fake nodes (one per zone) alive and
marks scheduled pods Running and Ready, without running any container. Two kwok stages stand in
for an ingress controller and a cloud load balancer by giving Ingresses and LoadBalancer Services
an address, and a third holds chosen pods not ready (see `stages.py`).

Everything listens on 127.0.0.1; certificates, kubeconfig, data and logs live in
`.tools/cluster/`. Processes are recorded by PID and stopped in reverse order of their start.
"""

from __future__ import annotations

import json
import os
import re
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from localcluster import pki
from localcluster.stages import ADDRESS_STAGES, OUR_STAGES

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".tools" / "bin"
CONTEXT = "archon-local"


@dataclass(frozen=True)
class Ports:
    """Where the components listen, all on 127.0.0.1 (`offset` moves them all, for a second cluster)."""

    offset: int = 0

    @property
    def etcd(self) -> int:
        return 23790 + self.offset

    @property
    def etcd_peer(self) -> int:
        return 23791 + self.offset

    @property
    def api(self) -> int:
        return 16443 + self.offset

    @property
    def controller_manager(self) -> int:
        return 10357 + self.offset

    @property
    def scheduler(self) -> int:
        return 10359 + self.offset

    @property
    def kwok(self) -> int:
        return 10347 + self.offset


SERVICE_RANGE = "10.96.0.0/16"
POD_RANGE = "10.244.0.0/16"
ZONES = ("zone-a", "zone-b", "zone-c")
# CRDs the cluster serves, so that the API server validates the program's custom objects (from
# `tools/build.sh cluster`): Gateway API v1.6.3 (experimental channel) and the External Secrets
# Operator v0.16.2 (ExternalSecret, SecretStore, ClusterSecretStore; no operator runs).
CRD_BUNDLES = (BIN / "gateway-api-crds.yaml", BIN / "external-secrets-crds.yaml")
# What each fake node offers: enough for every shipped stack at its peak, side by side.
NODE_CAPACITY = {"cpu": "8", "memory": "32Gi", "pods": "110", "ephemeral-storage": "200Gi"}


PROBLEM_LINE = re.compile(r'^[EF]\d{4} |"level":"ERROR"')


class ClusterError(RuntimeError):
    pass


@dataclass(frozen=True)
class Component:
    name: str
    args: tuple[str, ...]

    @property
    def binary(self) -> Path:
        return BIN / ("kwok" if self.name == "kwok" else self.name)


def _state(pid: int) -> str | None:
    """The process state letter from /proc, or None once it is gone. A zombie ('Z') has exited:
    `kill -0` would still find it, so /proc is read instead."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def _running(pid: int) -> bool:
    return _state(pid) not in (None, "Z", "X")


class Cluster:
    """The local cluster under `directory` (default `.tools/cluster`)."""

    def __init__(self, directory: Path | None = None, ports: Ports = Ports()) -> None:
        self.dir = directory or ROOT / ".tools" / "cluster"
        self.ports = ports
        self.pki = self.dir / "pki"
        self.logs = self.dir / "logs"
        self.pid_dir = self.dir / "pids"
        self.kubeconfig = self.dir / "kubeconfig"
        self._children: dict[str, subprocess.Popen[bytes]] = {}

    # ---- what runs -------------------------------------------------------------------------------
    def components(self) -> list[Component]:
        """The control plane in start order; it stops in reverse."""
        pki_dir, ports = self.pki, self.ports

        def kubeconfig_flags(identity: str) -> tuple[str, ...]:
            path = str(self.dir / f"{identity}.kubeconfig")
            return (f"--kubeconfig={path}", f"--authentication-kubeconfig={path}", f"--authorization-kubeconfig={path}")

        return [
            Component(
                "etcd",
                (
                    "--name=archon-local",
                    f"--data-dir={self.dir / 'etcd'}",
                    f"--listen-client-urls=http://127.0.0.1:{ports.etcd}",
                    f"--advertise-client-urls=http://127.0.0.1:{ports.etcd}",
                    f"--listen-peer-urls=http://127.0.0.1:{ports.etcd_peer}",
                    f"--initial-advertise-peer-urls=http://127.0.0.1:{ports.etcd_peer}",
                    f"--initial-cluster=archon-local=http://127.0.0.1:{ports.etcd_peer}",
                    "--unsafe-no-fsync",  # a throwaway test cluster: speed over durability
                    "--log-level=warn",
                ),
            ),
            Component(
                "kube-apiserver",
                (
                    "--bind-address=127.0.0.1",
                    f"--secure-port={ports.api}",
                    "--advertise-address=127.0.0.1",
                    # The default reconciler refuses a loopback address for the `kubernetes` Service.
                    "--endpoint-reconciler-type=none",
                    f"--etcd-servers=http://127.0.0.1:{ports.etcd}",
                    f"--service-cluster-ip-range={SERVICE_RANGE}",
                    "--authorization-mode=Node,RBAC",
                    # On by default; named so that nobody wonders.
                    "--enable-admission-plugins=PodSecurity,NodeRestriction",
                    f"--client-ca-file={pki_dir / 'ca.crt'}",
                    f"--tls-cert-file={pki_dir / 'apiserver.crt'}",
                    f"--tls-private-key-file={pki_dir / 'apiserver.key'}",
                    f"--service-account-key-file={pki_dir / 'service-account.pub'}",
                    f"--service-account-signing-key-file={pki_dir / 'service-account.key'}",
                    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                    f"--requestheader-client-ca-file={pki_dir / 'front-proxy-ca.crt'}",
                    "--requestheader-allowed-names=front-proxy-client",
                    "--requestheader-username-headers=X-Remote-User",
                    "--requestheader-group-headers=X-Remote-Group",
                    "--requestheader-extra-headers-prefix=X-Remote-Extra-",
                    f"--proxy-client-cert-file={pki_dir / 'front-proxy-client.crt'}",
                    f"--proxy-client-key-file={pki_dir / 'front-proxy-client.key'}",
                    "--profiling=false",
                ),
            ),
            Component(
                "kube-controller-manager",
                (
                    *kubeconfig_flags("controller-manager"),
                    "--bind-address=127.0.0.1",
                    f"--secure-port={ports.controller_manager}",
                    "--leader-elect=false",
                    "--use-service-account-credentials=true",
                    f"--service-account-private-key-file={pki_dir / 'service-account.key'}",
                    f"--root-ca-file={pki_dir / 'ca.crt'}",
                    f"--service-cluster-ip-range={SERVICE_RANGE}",
                    # Pods become schedulable in about 3.5 s instead of 9 s.
                    "--kube-api-qps=100",
                    "--kube-api-burst=200",
                    "--profiling=false",
                ),
            ),
            Component(
                "kube-scheduler",
                (
                    *kubeconfig_flags("scheduler"),
                    "--bind-address=127.0.0.1",
                    f"--secure-port={ports.scheduler}",
                    "--leader-elect=false",
                    "--profiling=false",
                ),
            ),
            Component(
                "kwok",
                (
                    f"--kubeconfig={self.dir / 'kwok.kubeconfig'}",
                    "--manage-all-nodes=false",
                    "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                    # Stages are objects in the cluster, so that tests can switch them on and off.
                    "--enable-crds=Stage",
                    f"--server-address=127.0.0.1:{ports.kwok}",
                    f"--cidr={POD_RANGE}",
                    "--node-ip=127.0.0.1",
                    "--node-lease-duration-seconds=40",
                ),
            ),
        ]

    def component(self, name: str) -> Component:
        return next(c for c in self.components() if c.name == name)

    # ---- lifecycle -------------------------------------------------------------------------------
    def pids(self) -> dict[str, int]:
        """The recorded process of each component that is alive."""
        return {c.name: pid for c in self.components() if (pid := self._pid(c)) is not None}

    def running(self) -> list[str]:
        """Names of the components whose recorded process is alive, in start order."""
        return list(self.pids())

    def up(self, fresh: bool = False) -> None:
        """Start what is not running; wait until nodes are ready and pods can be scheduled.

        `fresh` starts from an empty etcd (only when nothing runs)."""
        missing = [tool for tool in self._tools() if not tool.exists()]
        if missing:
            raise ClusterError(f"missing {', '.join(p.name for p in missing)}: run `make cluster-tools` first")
        if fresh and self.running():
            raise ClusterError("a fresh cluster was asked for, but one is running: `make cluster-down` first")
        if fresh:
            subprocess.run(["rm", "-rf", str(self.dir / "etcd")], check=True)
        for directory in (self.logs, self.pid_dir):
            directory.mkdir(parents=True, exist_ok=True)
        pki.ensure(self.pki)
        self._write_kubeconfigs()
        components = self.components()
        self.start("etcd")
        self.start("kube-apiserver")
        self.wait_ready()
        self._bootstrap()
        for component in components[2:]:
            self.start(component.name)
        self._wait_for_nodes()

    def down(self) -> None:
        for component in reversed(self.components()):
            self.stop(component.name)

    def start(self, name: str) -> None:
        component = self.component(name)
        if self._pid(component) is not None:
            return
        log = (self.logs / f"{name}.log").open("ab")
        child = subprocess.Popen(
            [str(component.binary), *component.args],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # outlives `make cluster`; no terminal signal reaches it
        )
        log.close()
        self._children[name] = child
        (self.pid_dir / f"{name}.pid").write_text(str(child.pid))
        time.sleep(0.2)
        if child.poll() is not None:
            raise ClusterError(f"{name} exited at once; see {self.logs / (name + '.log')}:\n{self.log_tail(name)}")

    def stop(self, name: str, timeout: float = 5) -> None:
        """SIGTERM, then SIGKILL after `timeout`; returns once the process has exited. (The API
        server's graceful shutdown waits for open watches, which the controllers and kwok hold
        until they stop: without the SIGKILL it takes a minute.)"""
        component = self.component(name)
        pid = self._pid(component)
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while _running(pid) and time.monotonic() < deadline:
                self._reap(name)
                time.sleep(0.05)
            if _running(pid):
                os.kill(pid, signal.SIGKILL)
                while _running(pid):
                    time.sleep(0.05)
            self._reap(name)
        (self.pid_dir / f"{name}.pid").unlink(missing_ok=True)

    def _reap(self, name: str) -> None:
        child = self._children.get(name)
        if child is not None and child.poll() is not None:
            del self._children[name]

    def _pid(self, component: Component) -> int | None:
        """The recorded PID, if that process is alive and still runs this component's binary."""
        try:
            pid = int((self.pid_dir / f"{component.name}.pid").read_text())
        except (FileNotFoundError, ValueError):
            return None
        if not _running(pid):
            return None
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
        except FileNotFoundError:
            return None
        return pid if command == str(component.binary) else None

    def _tools(self) -> list[Path]:
        return [c.binary for c in self.components()] + [BIN / "kubectl", BIN / "kwok-stages.yaml", *CRD_BUNDLES]

    # ---- talking to it ---------------------------------------------------------------------------
    @property
    def env(self) -> dict[str, str]:
        """Environment for kubectl and pulumi: this cluster's kubeconfig, nothing else."""
        return {**os.environ, "KUBECONFIG": str(self.kubeconfig)}

    def kubectl(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        completed = subprocess.run(
            [str(BIN / "kubectl"), f"--context={CONTEXT}", *args],
            input=input,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
        )
        if check and completed.returncode != 0:
            raise ClusterError(f"kubectl {' '.join(args)} failed:\n{completed.stderr}")
        return completed

    def get(self, *args: str) -> dict:
        return json.loads(self.kubectl("get", *args, "-o", "json").stdout)

    def apply(self, manifests: str | Sequence[dict]) -> None:
        text = (
            manifests
            if isinstance(manifests, str)
            else json.dumps({"apiVersion": "v1", "kind": "List", "items": list(manifests)})
        )
        self.kubectl("apply", "--server-side", "--field-manager=archon-local-cluster", "-f", "-", input=text)

    def healthy(self) -> bool:
        """The API server answers /readyz."""
        context = ssl.create_default_context(cafile=str(self.pki / "ca.crt"))
        context.load_cert_chain(str(self.pki / "admin.crt"), str(self.pki / "admin.key"))
        url = f"https://127.0.0.1:{self.ports.api}/readyz"
        try:
            with urllib.request.urlopen(url, context=context, timeout=2) as reply:
                return reply.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if time.monotonic() > deadline:
                raise ClusterError(
                    f"the API server is not ready after {timeout:.0f} s:\n{self.log_tail('kube-apiserver')}"
                )
            if self._pid(self.component("kube-apiserver")) is None:
                raise ClusterError(f"the API server exited:\n{self.log_tail('kube-apiserver')}")
            time.sleep(0.2)

    def log_tail(self, name: str, lines: int = 40, problems_only: bool = False) -> str:
        """The end of a component's log; `problems_only` keeps the errors (klog's E and F lines,
        kwok's ERROR records)."""
        try:
            text = (self.logs / f"{name}.log").read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return "(no log)"
        if problems_only:
            text = [line for line in text if PROBLEM_LINE.search(line)]
        return "\n".join(text[-lines:])

    # ---- address stages (the stand-in ingress controller and load balancer) ----------------------
    def address_stages(self, on: bool) -> None:
        if on:
            self.apply(ADDRESS_STAGES)
        else:
            self.kubectl("delete", "stage", *(s["metadata"]["name"] for s in ADDRESS_STAGES), "--ignore-not-found")

    # ---- internals -------------------------------------------------------------------------------
    def _write_kubeconfigs(self) -> None:
        for identity in pki.IDENTITIES:
            target = self.kubeconfig if identity.name == "admin" else self.dir / f"{identity.name}.kubeconfig"
            config = {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {
                        "name": CONTEXT,
                        "cluster": {
                            "server": f"https://127.0.0.1:{self.ports.api}",
                            "certificate-authority": str(self.pki / "ca.crt"),
                        },
                    }
                ],
                "users": [
                    {
                        "name": identity.user,
                        "user": {
                            "client-certificate": str(self.pki / f"{identity.name}.crt"),
                            "client-key": str(self.pki / f"{identity.name}.key"),
                        },
                    }
                ],
                "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": identity.user}}],
                "current-context": CONTEXT,
            }
            target.write_text(json.dumps(config, indent=2))
            target.chmod(0o600)

    def _bootstrap(self) -> None:
        """kwok's Stage CRD and stages, then the fake nodes (idempotent: server-side apply)."""
        stages = (BIN / "kwok-stages.yaml").read_text()
        crd, _, default_stages = stages.partition("\n---\n")
        self.apply(crd)
        self.kubectl("wait", "--for=condition=Established", "crd/stages.kwok.x-k8s.io", "--timeout=30s")
        self.apply(default_stages)
        self.apply(OUR_STAGES)
        self.apply([_node(zone) for zone in ZONES])
        for bundle in CRD_BUNDLES:
            self.apply(bundle.read_text())
        self._wait_established()

    def _wait_established(self, timeout: float = 60) -> None:
        """Every CRD serves its kind. (`kubectl wait` fails, rather than waits, on a CRD so new that
        it has no conditions yet, so this asks again.)"""
        deadline = time.monotonic() + timeout
        while True:
            waited = self.kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=30s", check=False)
            if waited.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise ClusterError(f"CRDs not established after {timeout:.0f} s:\n{waited.stderr}")
            time.sleep(1)

    def _wait_for_nodes(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            nodes = self.get("nodes")["items"]
            ready = [
                n
                for n in nodes
                if any(
                    c["type"] == "Ready" and c["status"] == "True" for c in n.get("status", {}).get("conditions", [])
                )
            ]
            accounts = self.kubectl("get", "serviceaccount", "default", "-n", "default", check=False)
            if len(ready) >= len(ZONES) and accounts.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise ClusterError(
                    f"{len(ready)} of {len(ZONES)} nodes ready after {timeout:.0f} s:\n{self.log_tail('kwok')}"
                )
            time.sleep(0.3)


def _node(zone: str) -> dict:
    name = f"kwok-{zone}"
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "topology.kubernetes.io/zone": zone,
                "type": "kwok",
            },
        },
        "status": {"allocatable": NODE_CAPACITY, "capacity": NODE_CAPACITY},
    }
