"""ArchonStack: the whole deployment, wired from validated settings.

This is the one component that sees the settings. It turns them, with the service table
(archon/services) and the edge's routing table (archon/edge.py), into each component's own Args;
no other component reads a setting.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pulumi
import pulumi_kubernetes as k8s

from archon import edge
from archon.components.autoscaling import Autoscaling, AutoscalingArgs, ScalingTarget
from archon.components.config import ArchonConfig, ArchonConfigArgs
from archon.components.gateway import ArchonGatewayRoutes, ArchonGatewayRoutesArgs
from archon.components.ingress import ArchonIngress, ArchonIngressArgs
from archon.components.mcp_public import McpLoadBalancer, McpLoadBalancerArgs
from archon.components.namespace import ArchonNamespace, ArchonNamespaceArgs, quota_hard
from archon.components.network import NetworkPolicies, NetworkPoliciesArgs
from archon.components.secrets import ArchonSecrets, ArchonSecretsArgs, ExternalSecretArgs
from archon.components.service import ArchonService, ArchonServiceArgs, Image, footprint, scratch_bytes
from archon.flows import plan_policies
from archon.k8s.pod import Manifest, secret_env
from archon.k8s.quantity import parse_quantity
from archon.services import BY_KEY, PORTS, URLS, Audience, Service, enabled, gates, python, work_orders
from archon.services.specifics import Refs, Specifics
from archon.settings.keys import key_for, set_command
from archon.settings.model import Exposure, McpExposure, ScalableServiceSettings, Settings, UiAccess
from archon.settings.problems import InvalidConfiguration, Problem, problem

# The environment variable an MCP client reads its credential from: never the credential itself.
MCP_CREDENTIAL_VARIABLE = "ARCHON_MCP_CREDENTIAL"


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


def mcp_client_config(settings: Settings) -> str:
    """What to paste into an MCP client's configuration (Claude Code, Cursor, ...). With a
    credential, the header names a variable that holds base64 of `<user>:<password>` of an
    mcpHtpasswd entry; Claude Code expands `${VAR}` in headers."""
    server: dict = {"type": "http", "url": settings.mcp_url}
    if settings.mcp_gate:
        server["headers"] = {"Authorization": f"Basic ${{{MCP_CREDENTIAL_VARIABLE}}}"}
    return json.dumps({"mcpServers": {"archon": server}}, indent=2)


# ---- from settings to each component's Args ----------------------------------------------------


def secret_values(settings: Settings) -> dict[Audience, dict[str, pulumi.Input[str]]]:
    """The values of each audience's Secret, when the stack holds them: only what the services in
    use read."""
    secrets = settings.secrets
    present = {service.key for service in enabled(settings)}

    def plain(value: object) -> str | None:
        return None if value is None else value.get_secret_value()  # type: ignore[attr-defined]

    cookie_key = plain(secrets.auth_cookie_secret) or ""
    by_audience: dict[Audience, dict[str, str | None]] = {
        Audience.APP: {
            "SUPABASE_URL": plain(secrets.supabase_url),
            "SUPABASE_SERVICE_KEY": plain(secrets.supabase_service_key),
            "OPENAI_API_KEY": plain(secrets.openai_api_key),
            "LOGFIRE_TOKEN": plain(secrets.logfire_token),
        },
        Audience.GATES: {
            gates.UI_COOKIE_SECRET: gates.cookie_secret(cookie_key, BY_KEY["auth"].name) if "auth" in present else None,
            gates.MCP_COOKIE_SECRET: gates.cookie_secret(cookie_key, BY_KEY["mcp-auth"].name)
            if "mcp-auth" in present
            else None,
            gates.OIDC_CLIENT_SECRET: plain(secrets.oidc_client_secret)
            if settings.ui_access is UiAccess.OIDC
            else None,
            gates.UI_HTPASSWD: plain(secrets.ui_htpasswd) if settings.ui_access is UiAccess.BASIC_AUTH else None,
            gates.MCP_HTPASSWD: plain(secrets.mcp_htpasswd) if "mcp-auth" in present else None,
        },
        Audience.WORK_ORDERS: {
            work_orders.ANTHROPIC_API_KEY: plain(secrets.anthropic_api_key),
            work_orders.CLAUDE_CODE_OAUTH_TOKEN: plain(secrets.claude_code_oauth_token),
            work_orders.GH_TOKEN: plain(secrets.github_token),
        }
        if "agent-work-orders" in present
        else {},
    }
    return {audience: {k: v for k, v in values.items() if v is not None} for audience, values in by_audience.items()}


def secrets_args(settings: Settings, namespace: pulumi.Input[str]) -> ArchonSecretsArgs:
    secrets = settings.secrets
    external = secrets.external_secret
    if external.enabled:
        return ArchonSecretsArgs(
            namespace,
            settings.namespace,
            external=ExternalSecretArgs(
                store=external.store,
                store_kind=external.store_kind.value,
                remote_keys=dict(external.remote_keys),
                refresh_interval=external.refresh_interval,
                rollout_timeout_seconds=settings.rollout_timeout_seconds,
            ),
        )
    if secrets.existing_secret:
        return ArchonSecretsArgs(namespace, settings.namespace, existing=secrets.existing_secret)
    return ArchonSecretsArgs(namespace, settings.namespace, values=secret_values(settings))


def secret_refs(service: Service, refs: Refs) -> list[Manifest]:
    """The service's Secret keys as environment variables: secretKeyRefs, never literal values. An
    optional key is referenced when the stack holds it, or (Secret managed elsewhere) as optional."""
    env = []
    for key in service.secrets:
        if not key.as_env or (key.optional and refs.present is not None and key.name not in refs.present):
            continue
        env.append(secret_env(key.name, refs.secrets[key.audience], optional=key.optional and refs.present is None))
    return env


def service_args(service: Service, settings: Settings, refs: Refs, namespace: pulumi.Input[str]) -> ArchonServiceArgs:
    own = service.service_settings(settings)
    specifics = service.specifics(settings, refs) if service.specifics else Specifics()
    autoscaled = isinstance(own, ScalableServiceSettings) and own.autoscaling
    python_family = service.python
    return ArchonServiceArgs(
        namespace=namespace,
        instance=settings.namespace,
        name=service.name,
        component=service.key,
        type_token=service.type_token,
        port=service.port,
        uid=service.uid,
        image=Image(own.image, own.tag, own.digest, own.requests, own.limits),
        probes=service.probes,
        replicas=None if autoscaled else own.replicas,  # with an autoscaler, the HPA owns the count
        max_replicas=own.ceiling_replicas,
        writable=(*service.writable, *specifics.writable),
        env=[*specifics.env, *secret_refs(service, refs)],
        env_from=[{"configMapRef": {"name": refs.config_map}}] if python_family else [],
        args=specifics.args,
        mounted=specifics.mounted,
        init_containers=specifics.init_containers,
        pod_annotations=python.scrape_annotations(service.port) if python_family and settings.prometheus_scrape else {},
        pod=settings.pod_defaults.merged(own.pod),
        client_ip_affinity=service.stateful and own.multi_replica,
        rollout_timeout_seconds=settings.rollout_timeout_seconds,
    )


# Stands in for the objects' names while the stack is planned, before any resource exists.
PLANNING = Refs(
    config_map="", secrets={a: "" for a in Audience}, present=None, urls=URLS, upstreams=edge.gate_upstreams()
)


def preflight(settings: Settings) -> list[ArchonServiceArgs]:
    """The services' plans, checked before any resource is registered: disk-backed scratch volumes
    must fit the container's ephemeral-storage limit, or the kubelet evicts the pod when they fill."""
    plans, problems = [], []
    for service in enabled(settings):
        plan = service_args(service, settings, PLANNING, "")
        plans.append(plan)
        limit = plan.image.limits["ephemeral-storage"]
        scratch = scratch_bytes(plan)
        if scratch > parse_quantity(limit):
            problems.append(_scratch_problem(service, limit, scratch))
    if problems:
        raise InvalidConfiguration(settings.stack, problems)
    return plans


def _scratch_problem(service: Service, limit: str, scratch: Decimal) -> Problem:
    key = key_for(service.settings, "ephemeral_storage_limit")
    needed = f"{int(scratch / 2**20)}Mi"
    return problem(
        key.name,
        f"{limit} is less than the {needed} of scratch volumes that {service.name} mounts",
        set_command(key, needed),
    )


class ArchonStack(pulumi.ComponentResource):
    def __init__(self, resource_name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None) -> None:
        plans = preflight(settings)
        provider = kubernetes_provider(settings)
        super().__init__(
            "archon:index:ArchonStack",
            resource_name,
            None,
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(providers={"kubernetes": provider})),
        )
        child = pulumi.ResourceOptions(parent=self)
        instance = settings.namespace
        load_balancer = settings.mcp_exposure is McpExposure.LOAD_BALANCER

        self.namespace_component = ArchonNamespace(
            "namespace",
            ArchonNamespaceArgs(instance, quota_hard([footprint(plan) for plan in plans], int(load_balancer))),
            opts=child,
        )
        ns = self.namespace_component.name
        self.secrets = ArchonSecrets("secrets", secrets_args(settings, ns), opts=child)
        self.config = ArchonConfig(
            "config",
            ArchonConfigArgs(
                ns,
                instance,
                python.environment(settings, PORTS, URLS),
                gates.SIGN_IN_PAGE if settings.ui_access is UiAccess.BASIC_AUTH else None,
            ),
            opts=child,
        )
        refs = Refs(
            config_map=self.config.name,
            secrets=self.secrets.names,
            present=self.secrets.present,
            sign_in_templates=self.config.sign_in_templates,
            urls=URLS,
            upstreams=edge.gate_upstreams(),
        )
        self.services = {
            service.key: ArchonService(service.key, service_args(service, settings, refs, ns), opts=child)
            for service in enabled(settings)
        }
        if load_balancer:
            self.mcp_load_balancer = McpLoadBalancer(
                "mcp-public",
                McpLoadBalancerArgs(
                    ns,
                    instance,
                    self.services["mcp"].selector,
                    BY_KEY["mcp"].port,
                    list(settings.mcp_source_ranges),
                    dict(settings.mcp_load_balancer_annotations),
                    settings.await_external_addresses,
                    settings.rollout_timeout_seconds,
                ),
                opts=child,
            )
        self.network = NetworkPolicies(
            "network", NetworkPoliciesArgs(ns, instance, plan_policies(settings)), opts=child
        )
        self.autoscaling = Autoscaling(
            "autoscaling",
            AutoscalingArgs(
                ns,
                instance,
                [
                    ScalingTarget(s.args.name, s.args.component, s.deployment.metadata["name"], s.selector, scaling)
                    for s in self.services.values()
                    if isinstance(
                        scaling := BY_KEY[s.args.component].service_settings(settings), ScalableServiceSettings
                    )
                ],
            ),
            opts=child,
        )
        hosts = edge.hosts(settings)
        self.edge = (
            ArchonGatewayRoutes(
                "gateway",
                ArchonGatewayRoutesArgs(ns, instance, settings.gateway, settings.gateway_section, hosts),  # type: ignore[arg-type]
                opts=child,
            )
            if settings.exposure is Exposure.GATEWAY
            else ArchonIngress(
                "ingress",
                ArchonIngressArgs(
                    ns,
                    instance,
                    settings.ingress_class_name,
                    settings.nginx_ingress,
                    settings.tls_issuer,
                    hosts,
                    settings.await_external_addresses,
                    settings.rollout_timeout_seconds,
                ),
                opts=child,
            )
        )

        self.outputs = {
            "namespace": ns,
            "uiUrl": settings.ui_url,
            "mcpUrl": settings.mcp_url,
            "mcpPublicUrl": str(settings.mcp_public_url),
            "images": {key: s.args.image.ref for key, s in self.services.items()},
            "mcpClientConfig": mcp_client_config(settings),
        }
        if settings.mcp_exposure is McpExposure.NONE:
            self.outputs["mcpAccess"] = (
                f"kubectl -n {instance} port-forward svc/archon-mcp {settings.mcp_public_url.port}:{BY_KEY['mcp'].port}"
            )
        self.register_outputs(self.outputs)
