"""ArchonAgents: the optional PydanticAI agents service, created only with agentsEnabled."""

from __future__ import annotations

from archon.components.app_config import AGENTS_PORT, ArchonConfig
from archon.components.python_service import python_service_fields
from archon.components.service import ArchonService, ServiceSpec
from archon.k8s.pod import Probes, Timing, WritableDir, http_probe, tcp_probe
from archon.settings import Settings

WRITABLE = (WritableDir("tmp", "/tmp", "256Mi"),)

# Liveness only checks the listener, so a slow dependency never restarts the pod.
PROBES = Probes(
    startup=tcp_probe(AGENTS_PORT, Timing(initial_delay=5, period=5, timeout=3, failures=24)),
    liveness=tcp_probe(AGENTS_PORT, Timing(initial_delay=0, period=20, timeout=5, failures=3)),
    readiness=http_probe("/health", AGENTS_PORT, Timing(initial_delay=0, period=10, timeout=5, failures=3)),
)


class ArchonAgents(ArchonService):
    """archon-agents on port 8052."""

    component = "agents"
    writable = WRITABLE
    type_token = "archon:index:ArchonAgents"

    @classmethod
    def build_spec(cls, settings: Settings, config: ArchonConfig) -> ServiceSpec:
        return cls.make_spec(settings, probes=PROBES, **python_service_fields(settings, config, AGENTS_PORT))
