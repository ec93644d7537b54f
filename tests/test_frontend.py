"""archon-frontend: nginx as UID 101 with a read-only root and emptyDirs for its cache, pid and logs."""

from __future__ import annotations

from helpers_k8s import (
    assert_restricted_container,
    assert_restricted_pod,
    containers,
    pod_template,
    values_of_key,
    variant,
    volumes_by_mount,
)

FRONTEND = "archon-frontend"


def test_pod_runs_as_nginx_user(shipped):
    assert_restricted_pod(shipped.pod_spec(FRONTEND), 101)


def test_containers_are_restricted(shipped):
    for container in containers(shipped, FRONTEND):
        assert_restricted_container(container, 101)


def test_nginx_writable_dirs_are_empty_dirs(shipped):
    mounts = volumes_by_mount(shipped, FRONTEND)
    for path in ("/var/cache/nginx", "/var/run", "/var/log/nginx"):
        assert "emptyDir" in mounts[path], path
    assert all("emptyDir" in v for v in shipped.pod_spec(FRONTEND)["volumes"])


def test_own_service_account_without_token(shipped):
    assert shipped.pod_spec(FRONTEND)["serviceAccountName"] == FRONTEND
    assert shipped.get("ServiceAccount", FRONTEND)["automountServiceAccountToken"] is False


def test_serves_port_3737(shipped):
    (port,) = shipped.get("Service", FRONTEND)["spec"]["ports"]
    assert port["port"] == port["targetPort"] == 3737
    assert shipped.container(FRONTEND)["ports"][0]["containerPort"] == 3737


def test_probes_fetch_the_index(shipped):
    container = shipped.container(FRONTEND)
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["path"] == "/"
        assert container[probe]["httpGet"]["port"] == 3737


def test_static_files_need_no_secrets(shipped):
    assert not list(values_of_key(shipped.get("Deployment", FRONTEND), "secretKeyRef"))


def test_image_policy_follows_the_tag(prod, dev):
    assert prod.container(FRONTEND)["imagePullPolicy"] == "IfNotPresent"
    assert dev.container(FRONTEND)["imagePullPolicy"] == "Always"
    assert prod.outputs["images"]["frontend"] == prod.container(FRONTEND)["image"]


def test_no_prometheus_annotations_on_nginx():
    # nginx serves no /metrics, and the NetworkPolicies admit Prometheus only to the Python services.
    annotations = pod_template(variant("prod", prometheusScrape=True), FRONTEND)["metadata"].get("annotations") or {}
    assert not any(k.startswith("prometheus.io/") for k in annotations)
