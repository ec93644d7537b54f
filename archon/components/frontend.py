"""ArchonFrontend: the static React build served by nginx as UID 101 on port 3737."""

from __future__ import annotations

from archon.components.app_config import UI_PORT, ArchonConfig
from archon.components.service import ArchonService, ServiceSpec
from archon.k8s.pod import Probes, Timing, WritableDir, http_probe
from archon.settings import Settings

NGINX_UID = 101

# nginx writes its cache, pid file and logs; /tmp for anything an image's config puts there.
WRITABLE = (
    WritableDir("nginx-cache", "/var/cache/nginx", "64Mi"),
    WritableDir("nginx-run", "/var/run", "8Mi"),
    WritableDir("nginx-logs", "/var/log/nginx", "64Mi"),
    WritableDir("tmp", "/tmp", "64Mi"),
)

# Static files only: nothing behind / depends on another service.
PROBES = Probes(
    liveness=http_probe("/", UI_PORT, Timing(initial_delay=5, period=20, timeout=3, failures=3)),
    readiness=http_probe("/", UI_PORT, Timing(initial_delay=2, period=10, timeout=3, failures=3)),
)


class ArchonFrontend(ArchonService):
    """archon-frontend on port 3737."""

    component = "frontend"
    writable = WRITABLE
    type_token = "archon:index:ArchonFrontend"

    @classmethod
    def build_spec(cls, settings: Settings, config: ArchonConfig) -> ServiceSpec:
        # Static files: no environment, no secrets, nginx's own user.
        return cls.make_spec(settings, port=UI_PORT, uid=NGINX_UID, probes=PROBES)
