"""The local cluster itself (localcluster/): a second one, on other ports in a directory of its
own, started and stopped as `make cluster` and `make cluster-down` do."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from localcluster import Cluster, Ports, _running
from localcluster.stages import ADDRESS_STAGES, READINESS_FAILS_STAGE

ORDER = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"]


@pytest.fixture(scope="module")
def second(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    cluster = Cluster(tmp_path_factory.mktemp("second") / "cluster", Ports(offset=100))
    cluster.up(fresh=True)
    yield cluster
    cluster.down()


def listening(pids: set[int]) -> set[str]:
    """Addresses (host:port) on which these processes listen for TCP connections."""
    out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, check=True).stdout
    found = set()
    for line in out.splitlines():
        if any(f"pid={pid}," in line for pid in pids):
            found.add(line.split()[3])
    return found


def test_every_component_runs_and_listens_on_loopback_only(second: Cluster) -> None:
    assert second.running() == ORDER
    addresses = listening(set(second.pids().values()))
    assert addresses, "no listening socket found"
    assert all(address.startswith("127.0.0.1:") for address in addresses), addresses
    assert f"127.0.0.1:{second.ports.api}" in addresses


def test_three_ready_nodes_in_three_zones(second: Cluster) -> None:
    nodes = second.get("nodes")["items"]
    zones = {n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in nodes}
    assert len(nodes) == 3 and len(zones) == 3
    for node in nodes:
        ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
        assert ready and ready[0]["status"] == "True"


def test_rbac_is_enforced(second: Cluster) -> None:
    """A ServiceAccount with no role binding may not read Secrets."""
    allowed = second.kubectl(
        "auth", "can-i", "list", "secrets", "--as=system:serviceaccount:default:default", check=False
    )
    assert allowed.stdout.strip() == "no"


def test_the_stand_in_stages_are_there(second: Cluster) -> None:
    names = {s["metadata"]["name"] for s in second.get("stages")["items"]}
    assert {s["metadata"]["name"] for s in (*ADDRESS_STAGES, READINESS_FAILS_STAGE)} <= names
    assert {"pod-ready", "node-initialize"} <= names  # kwok's own
    second.address_stages(on=False)
    assert not {s["metadata"]["name"] for s in ADDRESS_STAGES} & {
        s["metadata"]["name"] for s in second.get("stages")["items"]
    }
    second.address_stages(on=True)


def test_down_stops_every_process_in_reverse_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cluster = Cluster(tmp_path / "cluster", Ports(offset=200))
    cluster.up(fresh=True)
    pids = cluster.pids()
    stopped: list[str] = []
    stop = cluster.stop
    monkeypatch.setattr(cluster, "stop", lambda name: (stopped.append(name), stop(name)))
    cluster.down()
    assert stopped == list(reversed(ORDER))
    assert [name for name, pid in pids.items() if _running(pid)] == []
    assert cluster.running() == []
    assert json.loads((tmp_path / "cluster" / "kubeconfig").read_text())["current-context"] == "archon-local"
