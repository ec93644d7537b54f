"""What Archon's Python services (server, MCP, agents) share: one environment, in one ConfigMap."""

from __future__ import annotations

from archon.services.server import PLAYWRIGHT_BROWSERS_PATH
from archon.settings.model import Settings


def environment(settings: Settings, ports: dict[str, int], urls: dict[str, str]) -> dict[str, str]:
    """Environment shared by every Python service (both the guide's images and upstream's).
    `ports` and `urls` map the service keys to their ports and in-cluster URLs (the service table)."""
    return {
        "SERVICE_DISCOVERY_MODE": "kubernetes",
        # Upstream images detect "in a container" by /.dockerenv, which containerd does not create.
        "DOCKER_CONTAINER": "true",
        "LOG_LEVEL": settings.log_level.value,
        # All three ports on every service, or Archon's service discovery raises at import.
        "ARCHON_SERVER_PORT": str(ports["server"]),
        "ARCHON_MCP_PORT": str(ports["mcp"]),
        "ARCHON_AGENTS_PORT": str(ports["agents"]),
        "ARCHON_UI_PORT": str(ports["frontend"]),
        # The host that upstream images put into the MCP configuration they show.
        "ARCHON_HOST": settings.mcp_host,
        "API_SERVICE_URL": urls["server"],
        "MCP_SERVICE_URL": urls["mcp"],
        "AGENTS_SERVICE_URL": urls["agents"],
        # Archon's MCP server speaks streamable HTTP at /mcp; the client configuration says so too.
        "TRANSPORT": "streamable-http",
        "AGENTS_ENABLED": str(settings.agents_enabled).lower(),
        "PLAYWRIGHT_BROWSERS_PATH": PLAYWRIGHT_BROWSERS_PATH,
        "MCP_PUBLIC_URL": str(settings.mcp_public_url),
        "CHROMIUM_DISABLE_DEV_SHM": "true",
        "CHROMIUM_HEADLESS": "true",
    }


def scrape_annotations(port: int) -> dict[str, str]:
    """Opt-in: Archon serves no /metrics today; turn prometheusScrape on once the images do."""
    return {"prometheus.io/scrape": "true", "prometheus.io/port": str(port), "prometheus.io/path": "/metrics"}
