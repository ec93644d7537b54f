"""ArchonStack: the whole deployment, wired from validated settings."""

from __future__ import annotations

import json

import pulumi
import pulumi_kubernetes as k8s

from archon.components.agents import ArchonAgents
from archon.components.app_config import ArchonConfig
from archon.components.auth import AccessSecrets, ArchonAuth, ArchonMcpAuth
from archon.components.autoscaling import Autoscaling
from archon.components.frontend import ArchonFrontend
from archon.components.gateway import ArchonGatewayRoutes
from archon.components.ingress import ArchonIngress
from archon.components.mcp import ArchonMcp
from archon.components.namespace import ArchonNamespace
from archon.components.network import NetworkPolicies
from archon.components.server import ArchonServer
from archon.components.service import ArchonService
from archon.settings import InvalidConfiguration, McpExposure, Settings
from archon.settings.model import Exposure


def kubernetes_provider(settings: Settings) -> k8s.Provider:
    """An explicit provider: a stack deploys only where its settings say, never to the current context."""
    options: dict = {}
    if settings.render_yaml_to_directory:
        options["render_yaml_to_directory"] = settings.render_yaml_to_directory
        # Render mode reaches no cluster; without this the SDK would take KUBECONFIG from the
        # environment, which the provider refuses next to renderYamlToDirectory.
        options["kubeconfig"] = ""
    else:
        options["context"] = settings.kube_context
    if settings.secrets.kubeconfig is not None:
        options["kubeconfig"] = pulumi.Output.secret(settings.secrets.kubeconfig.get_secret_value())
    return k8s.Provider(f"archon-{settings.stack}", **options)


# The environment variable an MCP client reads its credential from: never the credential itself.
MCP_CREDENTIAL_VARIABLE = "ARCHON_MCP_CREDENTIAL"


def mcp_client_config(settings: Settings) -> str:
    """What to paste into an MCP client's configuration (Claude Code, Cursor, ...). With a
    credential, the header names a variable that holds base64 of `<user>:<password>` of an
    mcpHtpasswd entry; Claude Code expands `${VAR}` in headers."""
    server: dict = {"type": "http", "url": settings.mcp_url}
    if settings.mcp_gate:
        server["headers"] = {"Authorization": f"Basic ${{{MCP_CREDENTIAL_VARIABLE}}}"}
    return json.dumps({"mcpServers": {"archon": server}}, indent=2)


def service_types(settings: Settings) -> list[type[ArchonService]]:
    """The services this stack runs: the optional ones only when enabled."""
    return (
        [ArchonServer, ArchonMcp, ArchonFrontend]
        + ([ArchonAgents] if settings.agents_enabled else [])
        + ([ArchonAuth] if settings.ui_gate else [])
        + ([ArchonMcpAuth] if settings.mcp_gate else [])
    )


def preflight(settings: Settings) -> None:
    """Checks that need the services' own plans (scratch volumes), still before any resource."""
    problems = [problem for kind in service_types(settings) for problem in kind.check(settings)]
    if problems:
        raise InvalidConfiguration(settings.stack, problems)


class ArchonStack(pulumi.ComponentResource):
    def __init__(self, resource_name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None) -> None:
        preflight(settings)
        provider = kubernetes_provider(settings)
        super().__init__(
            "archon:index:ArchonStack",
            resource_name,
            None,
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(providers={"kubernetes": provider})),
        )
        child = pulumi.ResourceOptions(parent=self)

        self.namespace = ArchonNamespace(
            "namespace", settings, [kind.footprint(settings) for kind in service_types(settings)], opts=child
        )
        ns = self.namespace.name
        self.config = ArchonConfig("config", settings, ns, opts=child)

        self.server = ArchonServer("server", settings, self.config, ns, opts=child)
        self.mcp = ArchonMcp("mcp", settings, self.config, ns, opts=child)
        self.frontend = ArchonFrontend("frontend", settings, self.config, ns, opts=child)
        self.agents = ArchonAgents("agents", settings, self.config, ns, opts=child) if settings.agents_enabled else None
        gates: list[ArchonService] = []
        if settings.ui_gate or settings.mcp_gate:
            self.access = AccessSecrets("access", settings, ns, opts=child)
            if settings.ui_gate:
                gates.append(ArchonAuth("auth", settings, self.config, ns, self.access, opts=child))
            if settings.mcp_gate:
                gates.append(ArchonMcpAuth("mcp-auth", settings, self.config, ns, self.access, opts=child))
        services = [s for s in (self.server, self.mcp, self.frontend, self.agents) if s is not None]

        self.network = NetworkPolicies("network", settings, ns, opts=child)
        self.autoscaling = Autoscaling("autoscaling", settings, services, opts=child)
        self.edge = (
            ArchonGatewayRoutes("gateway", settings, ns, opts=child)
            if settings.exposure is Exposure.GATEWAY
            else ArchonIngress("ingress", settings, ns, opts=child)
        )

        self.outputs = {
            "namespace": ns,
            "uiUrl": settings.ui_url,
            "mcpUrl": settings.mcp_url,
            "mcpPublicUrl": settings.mcp_public_url,
            "images": {s.spec.component: s.image for s in (*services, *gates)},
            "mcpClientConfig": mcp_client_config(settings),
        }
        if settings.mcp_exposure is McpExposure.NONE:
            self.outputs["mcpAccess"] = (
                f"kubectl -n {settings.namespace} port-forward svc/archon-mcp {settings.mcp_port}:8051"
            )
        self.register_outputs(self.outputs)
