"""ArchonServer: the FastAPI server that crawls with Playwright/Chromium and processes documents."""

from __future__ import annotations

from archon.components.app_config import (
    PLAYWRIGHT_BROWSERS_PATH,
    SERVER_PORT,
    ArchonConfig,
)
from archon.components.python_service import APP_UID, python_service_fields
from archon.components.service import ArchonService, ServiceSpec, pull_policy
from archon.k8s.pod import (
    Manifest,
    Probes,
    Timing,
    WritableDir,
    container_security_context,
    http_probe,
    resources,
    tcp_probe,
)
from archon.settings import Settings

HOME = "/home/archon"

# Read-only root filesystem: everything the server writes lands in one of these.
WRITABLE = (
    WritableDir("tmp", "/tmp", "1Gi"),
    # Chromium runs with --disable-dev-shm-usage; a small RAM-backed /dev/shm still helps it.
    WritableDir("dshm", "/dev/shm", "256Mi", in_memory=True),
    # crawl4ai's base directory ($HOME/.crawl4ai) and anything else under HOME.
    WritableDir("home", HOME, "512Mi"),
    # Model cache for reranking and embeddings (the guide's optional embedding cache, 1Gi).
    WritableDir("model-cache", f"{HOME}/.cache", "1Gi"),
)

SERVER_ENV = (
    {"name": "PLAYWRIGHT_BROWSERS_PATH", "value": PLAYWRIGHT_BROWSERS_PATH},
    {"name": "HOME", "value": HOME},
    {"name": "CRAWL4_AI_BASE_DIRECTORY", "value": HOME},
    {"name": "PYTHONDONTWRITEBYTECODE", "value": "1"},
)

# /health answers 503 while the database schema needs a migration. A liveness probe on it would
# restart every pod in a loop, so liveness and startup only check that the process listens;
# readiness uses /health to keep traffic away until the server (and Supabase) is really ready.
PROBES = Probes(
    startup=tcp_probe(SERVER_PORT, Timing(initial_delay=10, period=10, timeout=5, failures=12)),
    liveness=tcp_probe(SERVER_PORT, Timing(initial_delay=60, period=30, timeout=15, failures=5)),
    readiness=http_probe("/health", SERVER_PORT, Timing(initial_delay=15, period=10, timeout=5, failures=3)),
)

# Fails the pod early, with a clear log line, when the image lacks Chromium where
# PLAYWRIGHT_BROWSERS_PATH says it is (the bug that section 1 of the guide fixed).
WARMUP_SCRIPT = """\
from pathlib import Path
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    path = Path(p.chromium.executable_path)
    assert path.exists(), f"Chromium missing at {path}: check PLAYWRIGHT_BROWSERS_PATH"
    print(f"Playwright OK, Chromium at {path}")
"""


def playwright_warmup(settings: Settings) -> Manifest:
    return {
        "name": "playwright-warmup",
        "image": settings.server.image_ref,
        "imagePullPolicy": pull_policy(settings.server),
        "command": ["python", "-c", WARMUP_SCRIPT],
        "env": [{"name": e["name"], "value": e["value"]} for e in SERVER_ENV],
        "resources": resources(
            {"cpu": "200m", "memory": "256Mi", "ephemeral-storage": "64Mi"},
            {"cpu": "500m", "memory": "512Mi", "ephemeral-storage": "256Mi"},
        ),
        "securityContext": container_security_context(APP_UID),
        "volumeMounts": [WRITABLE[0].mount(), WRITABLE[2].mount()],
    }


class ArchonServer(ArchonService):
    """archon-server on port 8181."""

    component = "server"
    writable = WRITABLE
    type_token = "archon:index:ArchonServer"

    @classmethod
    def init_containers(cls, settings: Settings) -> tuple[Manifest, ...]:
        return (playwright_warmup(settings),)

    @classmethod
    def build_spec(cls, settings: Settings, config: ArchonConfig) -> ServiceSpec:
        return cls.make_spec(
            settings,
            probes=PROBES,
            client_ip_affinity=settings.server.multi_replica,
            **python_service_fields(settings, config, SERVER_PORT, env=SERVER_ENV),
        )
