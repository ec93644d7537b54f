"""What only archon-server has: Chromium's scratch space, and an init container that checks for it."""

from __future__ import annotations

from archon.k8s.pod import Manifest, WritableDir, pull_policy, resources
from archon.services import work_orders
from archon.services.specifics import Refs, Specifics
from archon.settings.model import Settings

HOME = "/home/archon"
PLAYWRIGHT_BROWSERS_PATH = "/app/ms-playwright"

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

ENV = (
    {"name": "PLAYWRIGHT_BROWSERS_PATH", "value": PLAYWRIGHT_BROWSERS_PATH},
    {"name": "HOME", "value": HOME},
    {"name": "CRAWL4_AI_BASE_DIRECTORY", "value": HOME},
    {"name": "PYTHONDONTWRITEBYTECODE", "value": "1"},
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
    """Runs as the pod's user, with the same restricted security context as the app container."""
    return {
        "name": "playwright-warmup",
        "image": settings.server.image_ref,
        "imagePullPolicy": pull_policy(settings.server.tag, settings.server.digest),
        "command": ["python", "-c", WARMUP_SCRIPT],
        "env": [dict(e) for e in ENV],
        "resources": resources(
            {"cpu": "200m", "memory": "256Mi", "ephemeral-storage": "64Mi"},
            {"cpu": "500m", "memory": "512Mi", "ephemeral-storage": "256Mi"},
        ),
        "volumeMounts": [WRITABLE[0].mount(), WRITABLE[2].mount()],
    }


def specifics(settings: Settings, refs: Refs) -> Specifics:
    env = list(ENV)
    if settings.agent_work_orders_enabled:
        # The server proxies /api/agent-work-orders/* only when it knows the port (ARCHON-FACTS §4).
        env.append({"name": "AGENT_WORK_ORDERS_PORT", "value": str(work_orders.PORT)})
    return Specifics(env=env, init_containers=(playwright_warmup(settings),))
