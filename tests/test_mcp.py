"""archon-mcp: restricted pod with a writable /tmp, a liveness probe that does not depend on the
server or Supabase, port 8051 under its well-known name, and prometheus annotations only on request."""

from __future__ import annotations

from helpers_k8s import (
    assert_restricted_container,
    assert_restricted_pod,
    containers,
    pod_template,
    probe_uses_health,
    variant,
    volumes_by_mount,
)

MCP = "archon-mcp"


def test_pod_and_containers_are_restricted(shipped):
    assert_restricted_pod(shipped.pod_spec(MCP), 1001)
    for container in containers(shipped, MCP):
        assert_restricted_container(container, 1001)


def test_tmp_is_a_writable_empty_dir(shipped):
    # The MCP server writes /tmp/mcp_server.log under a read-only root filesystem.
    assert "emptyDir" in volumes_by_mount(shipped, MCP)["/tmp"]
    assert all("emptyDir" in v for v in shipped.pod_spec(MCP)["volumes"])


def test_own_service_account_without_token(shipped):
    assert shipped.pod_spec(MCP)["serviceAccountName"] == MCP
    assert shipped.get("ServiceAccount", MCP)["automountServiceAccountToken"] is False


def test_liveness_does_not_depend_on_other_services(shipped):
    container = shipped.container(MCP)
    assert not probe_uses_health(container["livenessProbe"])
    assert container["livenessProbe"]["tcpSocket"]["port"] == 8051
    assert "readinessProbe" in container


def test_service_port_equals_target_port(shipped):
    (port,) = shipped.get("Service", MCP)["spec"]["ports"]
    assert port["port"] == port["targetPort"] == 8051
    assert shipped.container(MCP)["ports"][0]["containerPort"] == 8051


def test_image_policy_follows_the_tag(prod, dev):
    assert prod.container(MCP)["imagePullPolicy"] == "IfNotPresent"
    assert dev.container(MCP)["imagePullPolicy"] == "Always"
    assert prod.outputs["images"]["mcp"] == prod.container(MCP)["image"]


def test_prometheus_annotations_are_opt_in(shipped):
    default = pod_template(shipped, MCP)["metadata"].get("annotations") or {}
    assert not any(key.startswith("prometheus.io/") for key in default)
    annotations = pod_template(variant("prod", prometheusScrape=True), MCP)["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == "8051"
    assert annotations["prometheus.io/path"] == "/metrics"


def test_one_replica_by_default(shipped):
    assert shipped.get("Deployment", MCP)["spec"]["replicas"] == 1
