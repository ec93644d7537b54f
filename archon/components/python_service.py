"""What the three Python services (server, MCP, agents) share: user, environment, scrape opt-in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from archon.components.app_config import ArchonConfig
from archon.k8s.pod import Manifest
from archon.settings import Settings

APP_UID = 1001  # `appuser` in Archon's Python images


def python_service_fields(
    settings: Settings, config: ArchonConfig, port: int, env: Sequence[Manifest] = ()
) -> dict[str, Any]:
    """ServiceSpec fields for a Python service: the shared ConfigMap, the Secret's keys, the app user."""
    annotations = {}
    if settings.prometheus_scrape:
        # Opt-in: Archon serves no /metrics today; turn this on once the images do.
        annotations = {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": str(port),
            "prometheus.io/path": "/metrics",
        }
    return {
        "port": port,
        "uid": APP_UID,
        "env_from": config.env_from(),
        "env": [*env, *config.secret_env()],
        "pod_annotations": annotations,
    }
