"""What the three Python services (server, MCP, agents) share: user, environment, scrape opt-in."""

from __future__ import annotations

from typing import Any

from archon.components.app_config import ArchonConfig
from archon.components.service import ServiceSpec
from archon.settings import Settings

APP_UID = 1001  # `appuser` in Archon's Python images


def python_service_spec(settings: Settings, config: ArchonConfig, **spec: Any) -> ServiceSpec:
    """A ServiceSpec with the shared ConfigMap, the Secret's keys and the app user filled in."""
    port = spec["port"]
    annotations = dict(spec.pop("pod_annotations", {}))
    if settings.prometheus_scrape:
        # Opt-in: Archon serves no /metrics today; turn this on once the images do.
        annotations.update(
            {"prometheus.io/scrape": "true", "prometheus.io/port": str(port), "prometheus.io/path": "/metrics"}
        )
    env = [*spec.pop("env", ()), *config.secret_env()]
    return ServiceSpec(
        uid=APP_UID,
        env_from=config.env_from(),
        env=env,
        pod_annotations=annotations,
        **spec,
    )
