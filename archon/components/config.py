"""ArchonConfig: the shared ConfigMap and the Secret of the Python services.

Both are auto-named (`archon-config-<suffix>`, `archon-secrets-<suffix>`): Pulumi replaces them
when their data changes, the Deployments then point at the new name and roll their pods. That is
what the guide's manual `kubectl rollout restart` did, now done by `pulumi up` itself.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from archon.k8s import labels as kl
from archon.k8s.meta import object_meta
from archon.k8s.pod import Manifest, secret_env
from archon.settings import Settings

SERVER_PORT = 8181
MCP_PORT = 8051
AGENTS_PORT = 8052
UI_PORT = 3737
PLAYWRIGHT_BROWSERS_PATH = "/app/ms-playwright"

REQUIRED_SECRET_KEYS = ("SUPABASE_URL", "SUPABASE_SERVICE_KEY")
OPTIONAL_SECRET_KEYS = ("OPENAI_API_KEY", "LOGFIRE_TOKEN")
_SECRET_FIELDS = {
    "SUPABASE_URL": "supabase_url",
    "SUPABASE_SERVICE_KEY": "supabase_service_key",
    "OPENAI_API_KEY": "openai_api_key",
    "LOGFIRE_TOKEN": "logfire_token",
}


def config_data(settings: Settings) -> dict[str, str]:
    """Environment shared by every Python service (both the guide's images and upstream's)."""
    return {
        "SERVICE_DISCOVERY_MODE": "kubernetes",
        # Upstream images detect "in a container" by /.dockerenv, which containerd does not create.
        "DOCKER_CONTAINER": "true",
        "LOG_LEVEL": settings.log_level.value,
        # All three ports on every service, or Archon's service discovery raises at import.
        "ARCHON_SERVER_PORT": str(SERVER_PORT),
        "ARCHON_MCP_PORT": str(MCP_PORT),
        "ARCHON_AGENTS_PORT": str(AGENTS_PORT),
        "ARCHON_UI_PORT": str(UI_PORT),
        # The host that upstream images put into the MCP configuration they show.
        "ARCHON_HOST": settings.mcp_host,
        "API_SERVICE_URL": f"http://archon-server:{SERVER_PORT}",
        "MCP_SERVICE_URL": f"http://archon-mcp:{MCP_PORT}",
        "AGENTS_SERVICE_URL": f"http://archon-agents:{AGENTS_PORT}",
        # Archon's MCP server speaks streamable HTTP at /mcp; the client configuration says so too.
        "TRANSPORT": "streamable-http",
        "AGENTS_ENABLED": str(settings.agents_enabled).lower(),
        "PLAYWRIGHT_BROWSERS_PATH": PLAYWRIGHT_BROWSERS_PATH,
        "MCP_PUBLIC_URL": settings.mcp_public_url,
        "CHROMIUM_DISABLE_DEV_SHM": "true",
        "CHROMIUM_HEADLESS": "true",
    }


class ArchonConfig(pulumi.ComponentResource):
    """ConfigMap `archon-config` and, unless `existingSecret` is set, Secret `archon-secrets`."""

    def __init__(
        self,
        resource_name: str,
        settings: Settings,
        namespace: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("archon:index:ArchonConfig", resource_name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        def metadata(name: str) -> dict:  # auto-named: `name` only names the labels
            return object_meta(None, namespace, kl.labels(name, settings.namespace, "config"))

        self.config_map = k8s.core.v1.ConfigMap(
            "archon-config", metadata=metadata("archon-config"), data=config_data(settings), opts=child
        )
        self.config_map_name: pulumi.Output[str] = self.config_map.metadata["name"]

        secrets = settings.secrets
        self._optional_present: tuple[str, ...]
        if secrets.existing_secret:
            self.secret = None
            self.secret_name: pulumi.Input[str] = secrets.existing_secret
            self._optional_present = ()
        else:
            values = {
                key: getattr(secrets, field)
                for key, field in _SECRET_FIELDS.items()
                if getattr(secrets, field) is not None
            }
            self._optional_present = tuple(key for key in OPTIONAL_SECRET_KEYS if key in values)
            self.secret = k8s.core.v1.Secret(
                "archon-secrets",
                metadata=metadata("archon-secrets"),
                type="Opaque",
                string_data={key: pulumi.Output.secret(value.get_secret_value()) for key, value in values.items()},
                opts=child,
            )
            self.secret_name = self.secret.metadata["name"]
        self._existing = bool(secrets.existing_secret)

        self.register_outputs({"configMap": self.config_map_name, "secret": self.secret_name})

    def env_from(self) -> list[Manifest]:
        return [{"configMapRef": {"name": self.config_map_name}}]

    def secret_env(self) -> list[Manifest]:
        """Secret values reach the pods only as secretKeyRefs, never as literal env values."""
        env = [secret_env(key, self.secret_name) for key in REQUIRED_SECRET_KEYS]
        if self._existing:
            # A Secret managed elsewhere may or may not hold the optional keys.
            env += [secret_env(key, self.secret_name, optional=True) for key in OPTIONAL_SECRET_KEYS]
        else:
            env += [secret_env(key, self.secret_name) for key in self._optional_present]
        return env
