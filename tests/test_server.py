"""archon-server: Playwright path, the guide's resources, read-only root with writable emptyDirs,
probes that never restart-loop on a pending migration, the playwright-warmup init container."""

from __future__ import annotations

from helpers_k8s import (
    assert_restricted_container,
    assert_restricted_pod,
    env_of,
    pod_template,
    probe_uses_health,
    quantity,
    timings,
    variant,
    volumes_by_mount,
)

SERVER = "archon-server"
HOME = "/home/archon"


def test_playwright_browsers_path_in_env_and_config_map(shipped):
    container = shipped.container(SERVER)
    literal = {e["name"]: e.get("value") for e in container["env"]}
    assert literal["PLAYWRIGHT_BROWSERS_PATH"] == "/app/ms-playwright"
    assert shipped.find("ConfigMap", "archon-config")["data"]["PLAYWRIGHT_BROWSERS_PATH"] == "/app/ms-playwright"
    assert env_of(shipped, container)["PLAYWRIGHT_BROWSERS_PATH"] == "/app/ms-playwright"


def test_prod_resources_are_the_guides(prod):
    resources = prod.container(SERVER)["resources"]
    assert resources["requests"]["memory"] == "768Mi"
    assert resources["requests"]["cpu"] == "500m"
    assert resources["limits"]["memory"] == "2Gi"
    assert resources["limits"]["cpu"] == "2000m"
    assert resources["limits"]["ephemeral-storage"] == "5Gi"


def test_dev_resources_are_smaller(dev, prod):
    for kind in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            smaller = quantity(dev.container(SERVER)["resources"][kind][resource])
            assert smaller < quantity(prod.container(SERVER)["resources"][kind][resource]), (kind, resource)


def test_pod_and_containers_are_restricted(shipped):
    spec = shipped.pod_spec(SERVER)
    assert_restricted_pod(spec, 1001)
    for container in spec["containers"] + spec["initContainers"]:
        assert_restricted_container(container, 1001)


def test_own_service_account_without_token(shipped):
    assert shipped.pod_spec(SERVER)["serviceAccountName"] == SERVER
    assert shipped.get("ServiceAccount", SERVER)["automountServiceAccountToken"] is False


def test_writable_paths_are_empty_dirs(shipped):
    mounts = volumes_by_mount(shipped, SERVER)
    assert "emptyDir" in mounts["/tmp"]
    assert mounts["/dev/shm"]["emptyDir"]["medium"] == "Memory"
    assert "emptyDir" in mounts[HOME]
    assert all("emptyDir" in volume for volume in shipped.pod_spec(SERVER)["volumes"])  # no PersistentVolumes


def test_home_and_crawl4ai_base_directory_are_writable(shipped):
    env = env_of(shipped, shipped.container(SERVER))
    mounts = volumes_by_mount(shipped, SERVER)
    assert env["HOME"] == HOME
    assert env["CRAWL4_AI_BASE_DIRECTORY"] == HOME
    assert HOME in mounts


def test_model_cache_under_home_is_limited_to_1gi(shipped):
    cache = {path: v for path, v in volumes_by_mount(shipped, SERVER).items() if path.startswith(f"{HOME}/.cache")}
    assert cache, "no emptyDir for the model cache under $HOME/.cache"
    assert [v["emptyDir"]["sizeLimit"] for v in cache.values()] == ["1Gi"]


def test_liveness_and_startup_do_not_call_health(shipped):
    container = shipped.container(SERVER)
    for probe in (container["livenessProbe"], container["startupProbe"]):
        assert not probe_uses_health(probe)
        assert probe["tcpSocket"]["port"] == 8181


def test_probe_timings_are_the_guides(shipped):
    container = shipped.container(SERVER)
    assert timings(container["livenessProbe"]) == (60, 30, 15, 5)
    assert timings(container["startupProbe"]) == (10, 10, 5, 12)
    assert timings(container["readinessProbe"]) == (15, 10, 5, 3)


def test_readiness_uses_health(shipped):
    assert shipped.container(SERVER)["readinessProbe"]["httpGet"] == {"path": "/health", "port": 8181, "scheme": "HTTP"}


def _warmup(r):
    (init,) = [c for c in r.pod_spec(SERVER)["initContainers"] if c["name"] == "playwright-warmup"]
    return init


def test_playwright_warmup_init_container(shipped):
    init, main = _warmup(shipped), shipped.container(SERVER)
    assert init["image"] == main["image"]
    assert init["imagePullPolicy"] == main["imagePullPolicy"]
    assert init["resources"]["requests"]["memory"] == "256Mi"
    assert init["resources"]["requests"]["cpu"] == "200m"
    assert init["resources"]["limits"]["memory"] == "512Mi"
    assert init["resources"]["limits"]["cpu"] == "500m"
    assert "playwright" in " ".join(init.get("command", []) + init.get("args", []))
    assert env_of(shipped, init)["PLAYWRIGHT_BROWSERS_PATH"] == "/app/ms-playwright"
    assert_restricted_container(init, 1001)


def test_warmup_writes_only_to_empty_dirs(shipped):
    mounts = volumes_by_mount(shipped, SERVER, _warmup(shipped))
    assert "/tmp" in mounts and all("emptyDir" in v for v in mounts.values())


def test_pinned_prod_image_is_not_pulled_every_time(prod):
    container = prod.container(SERVER)
    assert not container["image"].endswith("-latest")
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert _warmup(prod)["imagePullPolicy"] == "IfNotPresent"


def test_dev_moving_tag_is_always_pulled(dev):
    assert dev.container(SERVER)["image"].endswith(":k8s-latest")
    assert dev.container(SERVER)["imagePullPolicy"] == "Always"
    assert _warmup(dev)["imagePullPolicy"] == "Always"


def test_digest_pins_the_image():
    digest = "sha256:" + "a" * 64
    r = variant("dev", serverDigest=digest)
    assert r.container(SERVER)["image"].endswith(f"@{digest}")
    assert r.container(SERVER)["imagePullPolicy"] == "IfNotPresent"
    assert _warmup(r)["image"] == r.container(SERVER)["image"]


def test_service_port_equals_target_port(shipped):
    (port,) = shipped.get("Service", SERVER)["spec"]["ports"]
    assert port["port"] == port["targetPort"] == 8181
    assert shipped.container(SERVER)["ports"][0]["containerPort"] == 8181


def test_image_is_an_output(shipped):
    assert shipped.outputs["images"]["server"] == shipped.container(SERVER)["image"]


def test_prometheus_annotations_are_opt_in(shipped):
    default = pod_template(shipped, SERVER)["metadata"].get("annotations") or {}
    assert not any(key.startswith("prometheus.io/") for key in default)
    annotations = pod_template(variant("prod", prometheusScrape=True), SERVER)["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == "8181"
    assert annotations["prometheus.io/path"] == "/metrics"
