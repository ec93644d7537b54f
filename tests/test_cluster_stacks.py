"""Every shipped stack against a real API server: the local cluster (see localcluster/).

All stacks (dev, local, pr, prod) live side by side, each in a namespace of its own, and go
through the same life, in this order: deploy, a second run, upgrades, the autoscaler's replica
count, drift, a pod that never becomes ready, an interrupted update, the API server going away, a
cluster without an ingress controller or load balancer, and destroy. Each test runs its scenario
on every stack at once (the waits overlap) and reports each stack as a subtest; the tests build on
each other, so they run in this file's order.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from harness import render
from helpers_k8s import AGENTS, MCP_LOAD_BALANCER, OPEN_UI
from live import E2E_STACKS, ROLLOUT_TIMEOUT, LiveStack, RolloutWatch, compare_live
from localcluster import Cluster
from localcluster.stages import READINESS_FAILS

GOOD_TAG = "v2.0.1"  # what the upgrade moves the frontend to
ZONE = "topology.kubernetes.io/zone"

Stacks = dict[str, LiveStack]


@pytest.fixture(scope="module")
def stacks(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stacks]:
    directories = {like: tmp_path_factory.mktemp(f"e2e-{like}") for like in E2E_STACKS}
    with ThreadPoolExecutor(len(E2E_STACKS)) as pool:
        made = pool.map(lambda like: LiveStack(cluster, like, directories[like]), E2E_STACKS)
    live = dict(zip(E2E_STACKS, made, strict=True))
    yield live
    # Whatever happened, leave nothing behind.
    cluster.address_stages(on=True)
    in_parallel(live, lambda stack: stack.pulumi("destroy", "--yes", "--skip-preview", check=False))
    for stack in live.values():
        cluster.kubectl("delete", "namespace", stack.namespace, "--ignore-not-found", "--wait=false", check=False)


def in_parallel(stacks: Stacks, scenario: Callable[[LiveStack], Any]) -> dict[str, BaseException | None]:
    """`scenario` on every stack at once; what each raised, if anything."""

    def run(stack: LiveStack) -> BaseException | None:
        try:
            scenario(stack)
        except Exception as error:  # reported per stack by `each`
            return error
        return None

    with ThreadPoolExecutor(len(stacks)) as pool:
        return dict(zip(stacks, pool.map(run, stacks.values()), strict=True))


def each(stacks: Stacks, subtests: pytest.Subtests, scenario: Callable[[LiveStack], Any]) -> None:
    """`scenario` on every stack at once, each stack's outcome reported as a subtest."""
    for name, error in in_parallel(stacks, scenario).items():
        with subtests.test(stack=name):
            if error is not None:
                raise error


def deployments(stack: LiveStack) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in stack.items("deployments")}


def available(deployment: dict) -> bool:
    conditions = deployment.get("status", {}).get("conditions", [])
    return any(c["type"] == "Available" and c["status"] == "True" for c in conditions)


# ---- deploy -----------------------------------------------------------------------------------


def test_deploy(stacks: Stacks, subtests: pytest.Subtests) -> None:
    expected = {name: stack.rendered() for name, stack in stacks.items()}

    def deploy(stack: LiveStack) -> None:
        stack.up()
        live = deployments(stack)
        assert set(live) == {o["metadata"]["name"] for o in expected[stack.like].of_kind("Deployment")}
        assert [name for name, d in live.items() if not available(d)] == [], "not Available after pulumi up"
        # Several pods of one service land in as many zones (three nodes, one per zone).
        zones = {n["metadata"]["name"]: n["metadata"]["labels"][ZONE] for n in stack.cluster.get("nodes")["items"]}
        for name, deployment in live.items():
            selector = ",".join(f"{k}={v}" for k, v in deployment["spec"]["selector"]["matchLabels"].items())
            pods = stack.get("pods", "-l", selector)["items"]
            assert len({zones[p["spec"]["nodeName"]] for p in pods}) == min(len(pods), len(zones)), name
        # Every object was created after what it needs: no ReplicaSet had to retry a pod whose
        # ServiceAccount did not exist yet.
        failed = [e["message"] for e in stack.items("events") if e["reason"] == "FailedCreate"]
        assert failed == [], failed

    each(stacks, subtests, deploy)


def test_live_objects_carry_every_field_the_program_sets(stacks: Stacks, subtests: pytest.Subtests) -> None:
    expected = {name: stack.rendered() for name, stack in stacks.items()}

    def compare(stack: LiveStack) -> None:
        rendered = expected[stack.like]
        assert compare_live(rendered, stack.live_objects({o["kind"] for o in rendered.objects})) == {}

    each(stacks, subtests, compare)


def test_services_have_ready_endpoints_when_up_returns(stacks: Stacks, subtests: pytest.Subtests) -> None:
    """Skipping the ClusterIP Services' await loses nothing: the Deployments' await already waited
    for every pod, so when `pulumi up` returns every Service has as many ready endpoints."""

    def endpoints(stack: LiveStack) -> None:
        slices = stack.items("endpointslices")
        replicas = {name: d["spec"]["replicas"] for name, d in deployments(stack).items()}
        for service in stack.items("services"):
            if service["spec"]["type"] != "ClusterIP":
                continue
            name = service["metadata"]["name"]
            ready = [
                e
                for s in slices
                if s["metadata"]["labels"].get("kubernetes.io/service-name") == name
                for e in s.get("endpoints") or []
                if e["conditions"].get("ready")
            ]
            assert len(ready) == replicas[name], f"{name}: {len(ready)} ready endpoints, {replicas[name]} pods"
            assert service["metadata"]["annotations"]["pulumi.com/skipAwait"] == "true"

    each(stacks, subtests, endpoints)


def test_restricted_is_enforced_live(stacks: Stacks, subtests: pytest.Subtests) -> None:
    """The namespace's Pod Security labels are enforced by the API server: a root pod is refused."""
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "not-restricted"},
        "spec": {"containers": [{"name": "root", "image": "busybox", "securityContext": {"runAsUser": 0}}]},
    }

    def refused(stack: LiveStack) -> None:
        result = stack.kubectl("create", "-f", "-", input=json.dumps(pod), check=False)
        assert result.returncode != 0
        assert 'violates PodSecurity "restricted:latest"' in result.stderr, result.stderr

    each(stacks, subtests, refused)


def test_a_second_up_changes_nothing(stacks: Stacks, subtests: pytest.Subtests) -> None:
    each(stacks, subtests, lambda stack: stack.up("--expect-no-changes"))


# ---- upgrades ---------------------------------------------------------------------------------


def test_an_image_tag_change_rolls_only_that_deployment(stacks: Stacks, subtests: pytest.Subtests) -> None:
    def upgrade(stack: LiveStack) -> None:
        before = stack.replica_sets()
        stack.set("frontendTag", GOOD_TAG)
        assert stack.steps() == {"archon-frontend": "update"}
        with RolloutWatch(stack) as watch:
            stack.up()
        after = stack.replica_sets()
        assert len(after["archon-frontend"] - before["archon-frontend"]) == 1, "no new ReplicaSet for the frontend"
        others = {name for name in after if name != "archon-frontend"}
        assert {n: after[n] for n in others} == {n: before[n] for n in others}
        image = deployments(stack)["archon-frontend"]["spec"]["template"]["spec"]["containers"][0]["image"]
        assert re.search(rf":{re.escape(GOOD_TAG)}(@|$)", image), image
        assert_availability_kept(watch, stack, {"archon-frontend"})

    each(stacks, subtests, upgrade)


def test_a_config_change_replaces_the_config_map_and_rolls_its_readers(
    stacks: Stacks, subtests: pytest.Subtests
) -> None:
    def config_maps(stack: LiveStack) -> set[str]:
        return {c["metadata"]["name"] for c in stack.items("configmaps") if c["metadata"]["name"].startswith("archon-")}

    def reconfigure(stack: LiveStack) -> None:
        old_maps, before = config_maps(stack), stack.replica_sets()
        readers = {"archon-server", "archon-mcp"} | ({"archon-agents"} & set(before))
        stack.set("logLevel", "WARNING")
        with RolloutWatch(stack) as watch:
            events = stack.up("--json").stdout
        new_maps = config_maps(stack)
        assert len(new_maps) == 1 and not new_maps & old_maps, (old_maps, new_maps)
        after = stack.replica_sets()
        assert {name for name in after if after[name] != before.get(name)} == readers
        assert_availability_kept(watch, stack, readers)
        # The old ConfigMap is deleted only once the Deployments no longer read it.
        order = [
            (e["resOutputsEvent"]["metadata"]["op"], e["resOutputsEvent"]["metadata"]["urn"].split("::")[-1])
            for e in map(json.loads, (line for line in events.splitlines() if line.startswith("{")))
            if "resOutputsEvent" in e
        ]
        deleted = order.index(("delete-replaced", "archon-config"))
        assert all(order.index(("update", name)) < deleted for name in readers), order

    each(stacks, subtests, reconfigure)


def assert_availability_kept(watch: RolloutWatch, stack: LiveStack, rolled: set[str]) -> None:
    """maxUnavailable 0: while a Deployment rolls, its available pods never drop below the desired
    count (so never below what its disruption budget promises either)."""
    for name in rolled:
        seen = watch.seen[name]
        assert len({s["generation"] for s in seen}) > 1, f"{name}: the watch saw no rollout"
        dips = [s for s in seen if s["available"] < s["desired"]]
        assert not dips, f"{name}: fewer pods available than desired during the rollout: {dips}"
    for budget in stack.items("poddisruptionbudgets"):
        assert budget["status"]["currentHealthy"] >= budget["spec"]["minAvailable"]


# ---- autoscaler ownership ---------------------------------------------------------------------


def test_the_autoscaler_owns_the_replica_count(stacks: Stacks, subtests: pytest.Subtests) -> None:
    """Scaled through the scale subresource, as the HPA does: with an HPA, `pulumi up --refresh`
    keeps the count; without one the program owns the count and restores its own."""

    def scale(stack: LiveStack) -> None:
        autoscaled = {h["spec"]["scaleTargetRef"]["name"] for h in stack.items("horizontalpodautoscalers")}
        target = "archon-server"
        configured = deployments(stack)[target]["spec"]["replicas"]
        scaled = configured + 1  # within the quota, which leaves room for one surge pod
        stack.kubectl("scale", f"deployment/{target}", f"--replicas={scaled}")
        stack.up("--refresh")
        replicas = deployments(stack)[target]["spec"]["replicas"]
        if target in autoscaled:
            assert replicas == scaled, "pulumi up took the replica count back from the autoscaler"
            stack.kubectl("scale", f"deployment/{target}", f"--replicas={configured}")
        else:
            assert replicas == configured, "pulumi up did not restore the configured replica count"
        stack.up("--refresh", "--expect-no-changes")

    each(stacks, subtests, scale)


# ---- drift ------------------------------------------------------------------------------------


def test_drift_is_shown_and_repaired(stacks: Stacks, subtests: pytest.Subtests) -> None:
    def drift(stack: LiveStack) -> None:
        stack.kubectl(
            "patch", "deployment/archon-frontend", "--type=merge", "-p", '{"spec":{"revisionHistoryLimit":9}}'
        )
        stack.kubectl("delete", "networkpolicy", "archon-mcp-netpol")
        changes = {name: op for name, op in stack.steps("--refresh").items() if op != "refresh"}
        assert changes == {"archon-frontend": "update", "archon-mcp-netpol": "create"}
        diff = stack.pulumi("preview", "--refresh", "--diff").stdout
        assert re.search(r"~ revisionHistoryLimit\s*:\s*9 => 5", diff), diff
        stack.up("--refresh")
        assert deployments(stack)["archon-frontend"]["spec"]["revisionHistoryLimit"] == 5
        stack.kubectl("get", "networkpolicy", "archon-mcp-netpol")
        stack.up("--refresh", "--expect-no-changes")

    each(stacks, subtests, drift)


# ---- failure ----------------------------------------------------------------------------------


def test_a_pod_that_never_becomes_ready_fails_up_within_the_timeout(stacks: Stacks, subtests: pytest.Subtests) -> None:
    """A frontend whose readiness probe keeps failing (the cluster's readiness-fails stage):
    `pulumi up` fails after rolloutTimeoutSeconds, naming the Deployment and why; fixed, the next
    run converges."""

    def never_ready(stack: LiveStack) -> None:
        stack.set("frontendTag", READINESS_FAILS)
        started = time.monotonic()
        failed = stack.up(check=False)
        took = time.monotonic() - started
        output = failed.stdout + failed.stderr
        assert failed.returncode != 0
        assert ROLLOUT_TIMEOUT <= took < ROLLOUT_TIMEOUT + 30, f"took {took:.0f} s"
        assert_names_the_frontend(output)
        assert "timed out waiting to be Ready" in output, output
        assert "containers with unready status: [frontend]" in output, output
        stack.set("frontendTag", GOOD_TAG)
        stack.up()
        assert available(deployments(stack)["archon-frontend"])
        stack.up("--expect-no-changes")

    each(stacks, subtests, never_ready)


def assert_names_the_frontend(output: str) -> None:
    assert "kubernetes:apps/v1:Deployment (archon-frontend)" in output, output
    assert "Traceback" not in output, output


def test_an_interrupted_update_recovers(stacks: Stacks, subtests: pytest.Subtests) -> None:
    """SIGINT, then SIGKILL, to `pulumi up` (its whole process group, as a terminal or CI runner
    does) while it waits on a rollout: the next run converges and leaves no pending operation."""

    def interrupt(stack: LiveStack) -> None:
        stack.set("frontendTag", READINESS_FAILS)
        with stack.running() as process:
            wait_until_held(stack)
            os.killpg(process.pid, signal.SIGINT)
            time.sleep(0.5)
            os.killpg(process.pid, signal.SIGKILL)
        stack.set("frontendTag", GOOD_TAG)
        recovered = stack.up(check=False)
        assert recovered.returncode == 0, recovered.stdout + recovered.stderr
        state = json.loads(stack.pulumi("stack", "export").stdout)
        assert not state["deployment"].get("pending_operations"), state["deployment"]["pending_operations"]
        stack.up("--expect-no-changes")

    each(stacks, subtests, interrupt)


def wait_until_held(stack: LiveStack, timeout: float = 30) -> None:
    """Until a pod of the readiness-fails image runs, not ready: the rollout is under way."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pods = stack.get("pods", "-l", f"app.kubernetes.io/version={READINESS_FAILS}")["items"]
        if any(p["status"].get("phase") == "Running" for p in pods):
            return
        time.sleep(0.2)
    raise AssertionError("no pod of the readiness-fails image started")


def test_the_api_server_going_away_mid_update(stacks: Stacks, subtests: pytest.Subtests, cluster: Cluster) -> None:
    """The API server stops while every stack's `pulumi up` waits on a rollout: each fails with a
    clear error and a state that still loads; once it is back, each converges."""
    for stack in stacks.values():
        stack.set("frontendTag", READINESS_FAILS)
    processes = {name: stack.start_up() for name, stack in stacks.items()}
    outputs: dict[str, str] = {}
    try:
        with ThreadPoolExecutor(len(stacks)) as pool:
            list(pool.map(wait_until_held, stacks.values()))
            cluster.stop("kube-apiserver")
            # Read every output at once, so that no process waits on a full pipe.
            outputs = dict(zip(processes, pool.map(finished, processes.values()), strict=True))
    finally:
        cluster.start("kube-apiserver")
        cluster.wait_ready()

    def failed_cleanly(stack: LiveStack) -> None:
        try:
            output = outputs[stack.like]
            assert not output.startswith("(still running"), output
            assert processes[stack.like].returncode != 0, output
            assert_names_the_frontend(output)
            stack.pulumi("stack", "export")  # the state still loads
        finally:  # converge whatever happened, for the tests that follow
            stack.set("frontendTag", GOOD_TAG)
            stack.up()
            stack.up("--expect-no-changes")

    each(stacks, subtests, failed_cleanly)


def finished(process: subprocess.Popen[str], timeout: float = ROLLOUT_TIMEOUT + 120) -> str:
    """The whole output of a background `pulumi up`; killed (and so marked) if it outlives `timeout`."""
    try:
        return process.communicate(timeout=timeout)[0]
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return f"(still running after {timeout:.0f} s, killed)\n" + process.communicate()[0]


def test_without_an_ingress_controller_or_load_balancer(
    stacks: Stacks, subtests: pytest.Subtests, cluster: Cluster
) -> None:
    """No address ever comes. With awaitExternalAddresses off (dev), `pulumi up` does not wait for
    one; with it on, `pulumi up` fails within the rollout timeout naming the object, and converges
    once there is an address."""
    in_parallel(stacks, lambda stack: stack.pulumi("destroy", "--yes", "--skip-preview"))
    cluster.address_stages(on=False)
    try:

        def without_address(stack: LiveStack) -> None:
            plain, _ = stack.config()
            result = stack.up(check=False)
            output = result.stdout + result.stderr
            if plain.get("awaitExternalAddresses", "true") == "true":
                assert result.returncode != 0, output
                assert "kubernetes:networking.k8s.io/v1:Ingress (archon)" in output, output
                assert "Traceback" not in output, output
            else:
                assert result.returncode == 0, output
                assert not stack.get("ingress", "archon")["status"].get("loadBalancer", {}).get("ingress")

        each(stacks, subtests, without_address)
    finally:
        cluster.address_stages(on=True)

    def converge(stack: LiveStack) -> None:
        stack.up()
        assert stack.get("ingress", "archon")["status"]["loadBalancer"]["ingress"]
        stack.up("--expect-no-changes")

    each(stacks, subtests, converge)


# ---- destroy ----------------------------------------------------------------------------------


def test_destroy_leaves_nothing(stacks: Stacks, subtests: pytest.Subtests) -> None:
    def destroy(stack: LiveStack) -> None:
        stack.pulumi("destroy", "--yes", "--skip-preview")
        gone = stack.cluster.kubectl("get", "namespace", stack.namespace, check=False)
        assert gone.returncode != 0 and "NotFound" in gone.stderr
        instance = f"app.kubernetes.io/instance={stack.namespace}"
        left = stack.cluster.kubectl("get", "all,configmaps,secrets,networkpolicies,ingresses", "-A", "-l", instance)
        assert "No resources found" in left.stdout + left.stderr

    each(stacks, subtests, destroy)


# Every shipped stack, and prod with each optional part on.
DRY_RUN = [(name, {}) for name in E2E_STACKS] + [
    ("prod", {**AGENTS, "prometheusScrape": True}),  # every optional service
    ("prod", {"mcpReplicas": 2, "authReplicas": 2}),
    ("prod", {"serverTag": "", "frontendTag": "", "mcpTag": ""}),  # images pinned by digest alone
    ("prod", {**MCP_LOAD_BALANCER, **OPEN_UI}),
    ("dev", {"uiAccess": "basicAuth", "uiSourceRanges": []}),
    ("dev", {"uiAccess": "sourceRanges", "uiSourceRanges": ["203.0.113.0/24"]}),
    # Gateway API, validated against its CRDs (experimental channel), with and without gates
    ("dev", {"exposure": "gateway", "gateway": "gateway-system/public", "gatewaySection": "https"}),
    (
        "prod",
        {
            "exposure": "gateway",
            "gateway": "gw/public",
            "gatewayApiChannel": "experimental",
            "tlsIssuer": "",  # the Gateway holds the certificate
            "mcpReplicas": 2,
        },
    ),
]


def dry_run(cluster: Cluster, objects: list[dict]) -> subprocess.CompletedProcess[str]:
    listed = json.dumps({"apiVersion": "v1", "kind": "List", "items": objects})
    return cluster.kubectl("apply", "--dry-run=server", "--server-side", "-f", "-", input=listed, check=False)


def test_server_side_dry_run_accepts_every_rendered_object(cluster: Cluster) -> None:
    """Every object, as the mocks render it, is valid to the API server: names, labels,
    annotations and every field (the prod digest label once was not, and only this caught it)."""
    namespace = f"dry-run-{os.getpid()}"  # a namespace still terminating from an earlier run refuses objects
    cluster.kubectl("create", "namespace", namespace)
    try:
        for name, variant in DRY_RUN:
            objects = render(name, overrides={**variant, "namespace": namespace}).objects
            result = dry_run(cluster, objects)
            assert result.returncode == 0, f"{name} {variant}: {result.stderr}"
        # The check can fail: the digest as a label value, as the program once rendered it.
        broken = render("prod", overrides={"namespace": namespace}).get("Deployment", "archon-server")
        broken["metadata"]["labels"]["app.kubernetes.io/version"] = "sha256:" + "0" * 64
        refused = dry_run(cluster, [broken])
        assert refused.returncode != 0 and "metadata.labels: Invalid value" in refused.stderr, refused.stderr
    finally:
        cluster.kubectl("delete", "namespace", namespace, "--wait=false", check=False)
