"""Every setting of a stack, declared once: its config key, type, constraints, default and description.

This model is the single source of the configuration. `python -m archon.settings.generate` writes
the `config:` block of Pulumi.yaml and docs/configuration.md from it, and a test fails when either
drifts. Each field's alias is its config key (`archon:serverTag` is the alias `serverTag`), written
out so that a search for a key finds its declaration. Per-service settings are nested models
(`settings.server.tag`); secrets are declared here too, but not in Pulumi.yaml (a declared key
would be demanded from stacks that take their secrets from elsewhere).

Field validation lives here and in `types.py`; rules that relate several fields live in `rules.py`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, create_model

from archon.rules.images import MUTABLE_TAGS_TEXT
from archon.settings.pod_options import PodOptions
from archon.settings.types import (
    HOSTNAME,
    AnnotationTerms,
    Cidr,
    DnsLabel,
    GatewayRefValue,
    Hostname,
    HostPort,
    HostPortValue,
    Htpasswd,
    ImageDigest,
    ImageRepository,
    ImageTag,
    LabelTerms,
    Percent,
    Port,
    Quantity,
    Replicas,
)

REGISTRY = "git.automatizase.com.br/luis.erlacher/archon"


class Environment(StrEnum):
    """How strict the rules are: production refuses mutable image tags, plain HTTP and open surfaces."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


class McpExposure(StrEnum):
    """How MCP clients outside the cluster reach archon-mcp."""

    NONE = "none"
    """Only through `kubectl port-forward`."""
    INGRESS = "ingress"
    """Its own HTTPS host at the edge."""
    LOAD_BALANCER = "loadBalancer"
    """A LoadBalancer Service on port 8051."""


class Exposure(StrEnum):
    """How the UI, the API and (with mcpExposure ingress) MCP are published."""

    INGRESS = "ingress"
    """Ingress objects, for ingress-nginx and compatible controllers."""
    GATEWAY = "gateway"
    """Gateway API HTTPRoutes attached to a Gateway you run."""


class GatewayApiChannel(StrEnum):
    """Which Gateway API CRDs the cluster has: only the experimental channel has sessionPersistence."""

    STANDARD = "standard"
    EXPERIMENTAL = "experimental"


class UiAccess(StrEnum):
    """Who may use the UI and the API (Archon has no login of its own; its API hands out keys)."""

    OIDC = "oidc"
    """Single sign-on through oauth2-proxy."""
    BASIC_AUTH = "basicAuth"
    """Users and bcrypt passwords (htpasswd), checked by oauth2-proxy."""
    SOURCE_RANGES = "sourceRanges"
    """Clients from uiSourceRanges only (ingress-nginx)."""
    NONE = "none"
    """Anyone who reaches the host."""


class McpAuth(StrEnum):
    """What an MCP client must show (MCP clients cannot do a browser login)."""

    CREDENTIAL = "credential"
    """An `Authorization: Basic` header, checked against mcpHtpasswd."""
    NONE = "none"


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class SecretStoreKind(StrEnum):
    SECRET_STORE = "SecretStore"
    CLUSTER_SECRET_STORE = "ClusterSecretStore"


def key(alias: str, default: Any, description: str, *, group: str = "", per_stack: bool = False, **kw: Any) -> Any:
    """A setting: its config key (`alias`), default and description, plus field constraints.
    `per_stack` keys may contain `{stack}`, which the loader replaces with the stack's name."""
    extra = {"group": group, "per_stack": per_stack}
    return Field(default, alias=alias, description=description, json_schema_extra=extra, **kw)


def secret(alias: str, required: str, becomes: str, *, group: str = "Secrets") -> Any:
    """A secret setting: never declared in Pulumi.yaml, set with `pulumi config set --secret`."""
    extra = {"group": group, "required": required, "secret": True}
    return Field(None, alias=alias, description=becomes, json_schema_extra=extra)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False, validate_by_name=True)


# ---- services ---------------------------------------------------------------------------------

_TAG = f"Production refuses moving tags ({MUTABLE_TAGS_TEXT}) unless allowMutableTags, or a digest pins the image."


class ServiceSettings(_Strict):
    """Image, size, replica count and pod options of one Archon service. The descriptions are
    templates: `{service}` is the service's name."""

    image: ImageRepository = Field(description="Image repository of {service}.")
    tag: ImageTag = Field(description=f"Image tag of {{service}}. {_TAG}")
    digest: ImageDigest = Field(
        description="Image digest (sha256:...) of {service}; pins the image whatever the tag says."
    )
    replicas: Replicas = Field(description="Number of {service} pods.")
    cpu_request: Quantity = Field(description="cpu request of the {service} container.")
    cpu_limit: Quantity = Field(description="cpu limit of the {service} container.")
    memory_request: Quantity = Field(description="memory request of the {service} container.")
    memory_limit: Quantity = Field(description="memory limit of the {service} container.")
    ephemeral_storage_request: Quantity = Field(
        description="ephemeral-storage request of the {service} container (its emptyDir volumes count against it)."
    )
    ephemeral_storage_limit: Quantity = Field(description="ephemeral-storage limit of the {service} container.")
    pod: PodOptions = Field(
        description="Pod options of {service}, over podDefaults: imagePullSecrets, nodeSelector, tolerations, "
        "affinity, priorityClassName, env (extra variables), labels (on its objects and pods), annotations (on "
        "its pods). Set them with `pulumi config set --path`."
    )

    @property
    def image_ref(self) -> str:
        """The reference a pod pulls: a digest pins the image even when a tag is also given."""
        ref = self.image + (f":{self.tag}" if self.tag else "")
        return ref + (f"@{self.digest}" if self.digest else "")

    @property
    def requests(self) -> dict[str, str]:
        return {
            "cpu": self.cpu_request,
            "memory": self.memory_request,
            "ephemeral-storage": self.ephemeral_storage_request,
        }

    @property
    def limits(self) -> dict[str, str]:
        return {"cpu": self.cpu_limit, "memory": self.memory_limit, "ephemeral-storage": self.ephemeral_storage_limit}

    @property
    def ceiling_replicas(self) -> int:
        """The most pods this service runs in normal operation."""
        return self.replicas

    @property
    def multi_replica(self) -> bool:
        return self.ceiling_replicas > 1


class ScalableServiceSettings(ServiceSettings):
    """A service that may run behind a HorizontalPodAutoscaler and a PodDisruptionBudget."""

    replicas: Replicas = Field(description="Number of {service} pods when its autoscaling is off.")
    autoscaling: bool = Field(
        description="Scale {service} with a HorizontalPodAutoscaler between its min and max replicas."
    )
    min_replicas: Replicas = Field(description="Fewest {service} pods the autoscaler keeps.")
    max_replicas: Replicas = Field(description="Most {service} pods the autoscaler runs.")
    cpu_utilization: Percent = Field(description="Target average CPU utilization (% of request) of {service}.")
    memory_utilization: Annotated[int, Field(ge=0, le=100)] = Field(
        description="Target average memory utilization (% of request) of {service}; 0 leaves memory out."
    )
    disruption_budget: bool = Field(
        description="PodDisruptionBudget (minAvailable 1) for {service}; needs at least 2 pods so that it never "
        "blocks a node drain."
    )

    @property
    def floor_replicas(self) -> int:
        """The fewest pods this service runs in normal operation."""
        return self.min_replicas if self.autoscaling else self.replicas

    @property
    def ceiling_replicas(self) -> int:
        return self.max_replicas if self.autoscaling else self.replicas


def service_settings(
    model: str, base: type[ServiceSettings], service: str, **fields: tuple[str, Any] | tuple[str, Any, str]
) -> Any:
    """The settings of one service: for each field of `base`, its config key and default (and, where
    the template does not fit, its own description)."""
    declared = {}
    for name, spec in fields.items():
        alias, default, *own = spec
        template = base.model_fields[name]
        description = own[0] if own else (template.description or "").format(service=service)
        annotation = Annotated[(template.annotation, *template.metadata)] if template.metadata else template.annotation
        declared[name] = (annotation, key(alias, default, description, group=service))
    missing = set(base.model_fields) - set(declared)
    if missing:
        raise TypeError(f"{model} declares no config key for {sorted(missing)}")
    return create_model(model, __base__=base, __doc__=f"The settings of {service}.", **declared)


ServerSettings = service_settings(
    "ServerSettings",
    ScalableServiceSettings,
    "archon-server",
    image=("serverImage", f"{REGISTRY}/server", "Image repository of archon-server (API, crawling with Playwright)."),
    tag=("serverTag", "k8s-latest"),
    digest=("serverDigest", ""),
    replicas=(
        "serverReplicas",
        2,
        "Number of archon-server pods when serverAutoscaling is off. More than one needs an edge that keeps a "
        "browser on one pod (see docs/design.md, Scaling safety).",
    ),
    cpu_request=("serverCpuRequest", "500m"),
    cpu_limit=("serverCpuLimit", "2000m"),
    memory_request=("serverMemoryRequest", "768Mi"),
    memory_limit=("serverMemoryLimit", "2Gi"),
    ephemeral_storage_request=("serverEphemeralStorageRequest", "1Gi"),
    ephemeral_storage_limit=("serverEphemeralStorageLimit", "5Gi"),
    pod=("serverPod", PodOptions()),
    autoscaling=("serverAutoscaling", True),
    min_replicas=("serverMinReplicas", 2),
    max_replicas=("serverMaxReplicas", 5),
    cpu_utilization=("serverCpuUtilization", 70),
    memory_utilization=("serverMemoryUtilization", 80),
    disruption_budget=("serverDisruptionBudget", True),
)

McpSettings = service_settings(
    "McpSettings",
    ServiceSettings,
    "archon-mcp",
    image=("mcpImage", f"{REGISTRY}/mcp", "Image repository of archon-mcp (the MCP server)."),
    tag=("mcpTag", "k8s-latest"),
    digest=("mcpDigest", ""),
    replicas=(
        "mcpReplicas",
        1,
        "Number of archon-mcp pods. More than one needs mcpExposure ingress on an edge that keeps a client on "
        "one pod (Mcp-Session-Id affinity).",
    ),
    cpu_request=("mcpCpuRequest", "100m"),
    cpu_limit=("mcpCpuLimit", "500m"),
    memory_request=("mcpMemoryRequest", "256Mi"),
    memory_limit=("mcpMemoryLimit", "512Mi"),
    ephemeral_storage_request=("mcpEphemeralStorageRequest", "64Mi"),
    ephemeral_storage_limit=("mcpEphemeralStorageLimit", "512Mi"),
    pod=("mcpPod", PodOptions()),
)

AgentsSettings = service_settings(
    "AgentsSettings",
    ServiceSettings,
    "archon-agents",
    image=("agentsImage", f"{REGISTRY}/agents", "Image repository of archon-agents (optional)."),
    tag=("agentsTag", "k8s-latest"),
    digest=("agentsDigest", ""),
    replicas=("agentsReplicas", 1, "Number of archon-agents pods (one is enough; they hold no state)."),
    cpu_request=("agentsCpuRequest", "200m"),
    cpu_limit=("agentsCpuLimit", "1000m"),
    memory_request=("agentsMemoryRequest", "512Mi"),
    memory_limit=("agentsMemoryLimit", "1Gi"),
    ephemeral_storage_request=("agentsEphemeralStorageRequest", "64Mi"),
    ephemeral_storage_limit=("agentsEphemeralStorageLimit", "512Mi"),
    pod=("agentsPod", PodOptions()),
)

WorkOrdersSettings = service_settings(
    "WorkOrdersSettings",
    ServiceSettings,
    "archon-agent-work-orders",
    image=(
        "agentWorkOrdersImage",
        f"{REGISTRY}/agent-work-orders",
        "Image repository of archon-agent-work-orders (optional; built from python/Dockerfile.agent-work-orders).",
    ),
    tag=("agentWorkOrdersTag", "k8s-latest"),
    digest=("agentWorkOrdersDigest", ""),
    replicas=(
        "agentWorkOrdersReplicas",
        1,
        "Number of archon-agent-work-orders pods; one, because work orders and their clones live in its pod.",
    ),
    cpu_request=("agentWorkOrdersCpuRequest", "250m"),
    cpu_limit=("agentWorkOrdersCpuLimit", "2000m"),
    memory_request=("agentWorkOrdersMemoryRequest", "512Mi"),
    memory_limit=("agentWorkOrdersMemoryLimit", "2Gi"),
    ephemeral_storage_request=("agentWorkOrdersEphemeralStorageRequest", "1Gi"),
    ephemeral_storage_limit=("agentWorkOrdersEphemeralStorageLimit", "12Gi"),
    pod=("agentWorkOrdersPod", PodOptions()),
)

FrontendSettings = service_settings(
    "FrontendSettings",
    ScalableServiceSettings,
    "archon-frontend",
    image=("frontendImage", f"{REGISTRY}/frontend", "Image repository of archon-frontend (nginx serving the UI)."),
    tag=("frontendTag", "k8s-latest"),
    digest=("frontendDigest", ""),
    replicas=("frontendReplicas", 2),
    cpu_request=("frontendCpuRequest", "50m"),
    cpu_limit=("frontendCpuLimit", "200m"),
    memory_request=("frontendMemoryRequest", "64Mi"),
    memory_limit=("frontendMemoryLimit", "128Mi"),
    ephemeral_storage_request=("frontendEphemeralStorageRequest", "16Mi"),
    ephemeral_storage_limit=("frontendEphemeralStorageLimit", "256Mi"),
    pod=("frontendPod", PodOptions()),
    autoscaling=("frontendAutoscaling", True),
    min_replicas=("frontendMinReplicas", 2),
    max_replicas=("frontendMaxReplicas", 4),
    cpu_utilization=("frontendCpuUtilization", 75),
    memory_utilization=("frontendMemoryUtilization", 0),
    disruption_budget=("frontendDisruptionBudget", True),
)

AuthSettings = service_settings(
    "AuthSettings",
    ServiceSettings,
    "oauth2-proxy",
    image=(
        "authImage",
        "quay.io/oauth2-proxy/oauth2-proxy",
        "Image repository of oauth2-proxy, the access gate of uiAccess oidc or basicAuth and of mcpAuth credential.",
    ),
    tag=("authTag", "v7.15.6", f"Image tag of oauth2-proxy. {_TAG}"),
    digest=("authDigest", ""),
    replicas=("authReplicas", 1, "Number of pods of each access gate (oauth2-proxy)."),
    cpu_request=("authCpuRequest", "20m"),
    cpu_limit=("authCpuLimit", "200m"),
    memory_request=("authMemoryRequest", "32Mi"),
    memory_limit=("authMemoryLimit", "128Mi"),
    ephemeral_storage_request=("authEphemeralStorageRequest", "16Mi"),
    ephemeral_storage_limit=("authEphemeralStorageLimit", "64Mi"),
    pod=("authPod", PodOptions()),
)


# ---- secrets ----------------------------------------------------------------------------------

_UNLESS = "unless existingSecret or externalSecret"


class ExternalSecretSettings(_Strict):
    """The External Secrets Operator syncs the stack's Secret from a secret store."""

    store: Annotated[str, Field(pattern=rf"^({HOSTNAME})?$")] = Field("", description="SecretStore name.")
    store_kind: SecretStoreKind = Field(SecretStoreKind.SECRET_STORE, alias="storeKind")
    remote_keys: dict[str, str] = Field(
        {}, alias="remoteKeys", description="Secret key (SUPABASE_URL, ...) -> the store's key for it."
    )
    refresh_interval: Annotated[str, Field(pattern=r"^([0-9]+(s|m|h))+$")] = Field("1h", alias="refreshInterval")

    @property
    def enabled(self) -> bool:
        return bool(self.store)


class SecretSettings(_Strict):
    """Credentials, held as `SecretStr` so they never show in a repr, log or error message.

    With `existing_secret` or `external_secret`, none of the stack's secret values is read: the pods
    use that Secret's keys.
    """

    existing_secret: Annotated[str, Field(pattern=rf"^({HOSTNAME})?$")] = key(
        "existingSecret",
        "",
        "Name of a Secret managed elsewhere, in the stack's namespace, with the keys SUPABASE_URL and "
        "SUPABASE_SERVICE_KEY (optionally OPENAI_API_KEY, LOGFIRE_TOKEN, and the keys of the access gates and "
        "agent work orders in use). When set, no secret value is read from config.",
        group="Where the secrets come from",
    )
    external_secret: ExternalSecretSettings = key(
        "externalSecret",
        ExternalSecretSettings(),
        "Sync the stack's Secret with the External Secrets Operator instead: store (a SecretStore in the "
        "namespace, or with storeKind ClusterSecretStore a cluster-wide one), remoteKeys (each Secret key, such "
        "as SUPABASE_URL, and the store's key for it), refreshInterval. The pods wait for the synced Secret.",
        group="Where the secrets come from",
    )
    supabase_url: SecretStr | None = secret(
        "supabaseUrl", f"yes, {_UNLESS}", "`SUPABASE_URL`: the Supabase project URL; https unless the host is private."
    )
    supabase_service_key: SecretStr | None = secret(
        "supabaseServiceKey",
        f"yes, {_UNLESS}",
        "`SUPABASE_SERVICE_KEY`: the service-role (secret) key; anon/publishable keys are refused.",
    )
    openai_api_key: SecretStr | None = secret("openaiApiKey", "no", "`OPENAI_API_KEY`: must start with `sk-`.")
    logfire_token: SecretStr | None = secret("logfireToken", "no", "`LOGFIRE_TOKEN`: Logfire telemetry token.")
    kubeconfig: SecretStr | None = secret(
        "kubeconfig",
        "no",
        "kubeconfig (contents or path) for the explicit Kubernetes provider, for automation; never reaches a pod.",
    )
    oidc_client_secret: SecretStr | None = secret(
        "oidcClientSecret",
        f"with uiAccess oidc, {_UNLESS}",
        "`OIDC_CLIENT_SECRET`: the OIDC client's secret; the UI's gate reads it.",
    )
    auth_cookie_secret: Annotated[SecretStr, Field(min_length=32)] | None = secret(
        "authCookieSecret",
        f"with a gate (uiAccess oidc or basicAuth, mcpAuth credential), {_UNLESS}",
        "At least 32 characters (`openssl rand -base64 32`). Each gate signs its session cookies with its own "
        "key derived from it (`AUTH_COOKIE_SECRET`, `MCP_AUTH_COOKIE_SECRET`).",
    )
    ui_htpasswd: Htpasswd | None = secret(
        "uiHtpasswd",
        f"with uiAccess basicAuth, {_UNLESS}",
        "`UI_HTPASSWD`: the users who may sign in, bcrypt htpasswd lines (`htpasswd -nbB <user> <password>`).",
    )
    mcp_htpasswd: Htpasswd | None = secret(
        "mcpHtpasswd",
        f"with mcpAuth credential, {_UNLESS}",
        "`MCP_HTPASSWD`: the MCP clients' credentials, bcrypt htpasswd lines; a client sends "
        "`Authorization: Basic <base64 of user:password>`.",
    )
    anthropic_api_key: SecretStr | None = secret(
        "anthropicApiKey",
        f"with agentWorkOrdersEnabled, this or claudeCodeOauthToken, {_UNLESS}",
        "`ANTHROPIC_API_KEY` of archon-agent-work-orders (the Claude Code CLI); no other service receives it.",
    )
    claude_code_oauth_token: SecretStr | None = secret(
        "claudeCodeOauthToken",
        f"with agentWorkOrdersEnabled, this or anthropicApiKey, {_UNLESS}",
        "`CLAUDE_CODE_OAUTH_TOKEN` of archon-agent-work-orders; no other service receives it.",
    )
    github_token: SecretStr | None = secret(
        "githubToken",
        f"with agentWorkOrdersEnabled, {_UNLESS}",
        "`GH_TOKEN` of archon-agent-work-orders (gh and git, for the repositories it works on); no other "
        "service receives it.",
    )

    @property
    def managed_elsewhere(self) -> bool:
        """The Secret's values come from an existing Secret or the External Secrets Operator."""
        return bool(self.existing_secret) or self.external_secret.enabled


# ---- the stack --------------------------------------------------------------------------------


class Settings(_Strict):
    """Everything one stack of the program needs, validated."""

    stack: str = Field(exclude=True)

    environment: Environment = key(
        "environment",
        Environment.PRODUCTION,
        "development or production. Production refuses mutable image tags, plain HTTP and a surface open to anyone.",
        group="Stack",
    )
    namespace: DnsLabel = key(
        "namespace",
        "archon",
        "Namespace the stack creates and deploys into (Pod Security 'restricted' enforced). May contain {stack}.",
        group="Stack",
        per_stack=True,
    )
    kube_context: str = key(
        "kubeContext",
        "",
        "kubeconfig context the explicit Kubernetes provider uses; required unless renderYamlToDirectory is "
        "set. The current context is never used implicitly.",
        group="Stack",
    )
    render_yaml_to_directory: str = key(
        "renderYamlToDirectory",
        "",
        "Render manifests into this directory instead of applying them to a cluster (no cluster needed).",
        group="Stack",
    )
    log_level: LogLevel = key("logLevel", LogLevel.INFO, "LOG_LEVEL of the Python services.", group="Stack")
    allow_mutable_tags: bool = key(
        "allowMutableTags",
        False,
        "Let a production stack run mutable tags such as k8s-latest (not recommended).",
        group="Stack",
    )
    rollout_timeout_seconds: int = key(
        "rolloutTimeoutSeconds",
        600,
        "How long `pulumi up` waits for a Deployment's new pods to become ready (and, with "
        "awaitExternalAddresses, for an Ingress or LoadBalancer address) before it fails, naming the object "
        "and why.",
        group="Stack",
        ge=10,
        le=3600,
        examples=[600],
    )
    await_external_addresses: bool = key(
        "awaitExternalAddresses",
        True,
        "Wait until the ingress controller (or cloud load balancer) gives each Ingress (and the MCP "
        "LoadBalancer) an address. Turn it off on clusters without one, where the address never comes.",
        group="Stack",
    )
    pod_defaults: PodOptions = key(
        "podDefaults",
        PodOptions(),
        "Pod options of every service (each service's <service>Pod goes on top): imagePullSecrets (the "
        "default images live in a private registry), nodeSelector, tolerations, affinity, priorityClassName, "
        "env, labels, annotations.",
        group="Stack",
    )

    ui_host: Hostname = key(
        "uiHost",
        "",
        "Public host of the UI and API (required). The edge sends /api and /health to archon-server and "
        "everything else to the frontend, whose nginx does not proxy. May contain {stack}.",
        group="Edge",
        per_stack=True,
    )
    tls_issuer: str = key(
        "tlsIssuer",
        "",
        "cert-manager ClusterIssuer that signs the Ingress certificates, with exposure ingress. Empty: plain "
        "HTTP (development only).",
        group="Edge",
    )
    exposure: Exposure = key(
        "exposure",
        Exposure.INGRESS,
        "How the UI, the API and (with mcpExposure ingress) MCP are published: ingress (Ingress objects, for "
        "ingress-nginx and compatible controllers) or gateway (Gateway API HTTPRoutes attached to the Gateway "
        "named by `gateway`; TLS terminates there).",
        group="Edge",
    )
    ingress_class_name: str = key(
        "ingressClassName",
        "nginx",
        "IngressClass of the ingress controller, with exposure ingress. Session affinity (needed by more than "
        "one server or MCP pod), streaming and source ranges are configured for ingress-nginx ('nginx').",
        group="Edge",
    )
    ingress_namespace: DnsLabel = key(
        "ingressNamespace",
        "ingress-nginx",
        "Namespace of the edge's pods (the ingress controller's, or the Gateway's proxies with exposure "
        "gateway): the only source of traffic into the UI, the API and (with mcpExposure ingress) MCP.",
        group="Edge",
    )
    ingress_pod_labels: LabelTerms = key(
        "ingressPodLabels",
        {"app.kubernetes.io/name": "ingress-nginx"},
        "Labels (key=value) that select the edge's pods (ingress controller or Gateway proxies) in ingressNamespace.",
        group="Edge",
    )
    gateway: GatewayRefValue = key(
        "gateway",
        None,
        "namespace/name of the Gateway the HTTPRoutes attach to (required with exposure gateway). Its pods are "
        "the edge: ingressNamespace and ingressPodLabels must select them.",
        group="Edge",
    )
    gateway_section: Annotated[str, Field(pattern=rf"^({HOSTNAME})?$", examples=["https"])] = key(
        "gatewaySection",
        "",
        "Listener (sectionName) of that Gateway to attach to; empty attaches to every listener that allows the routes.",
        group="Edge",
    )
    gateway_api_channel: GatewayApiChannel = key(
        "gatewayApiChannel",
        GatewayApiChannel.STANDARD,
        "Gateway API CRDs installed in the cluster: standard or experimental. Only experimental has "
        "sessionPersistence, which more than one archon-server or archon-mcp pod needs behind a Gateway.",
        group="Edge",
    )
    gateway_tls: bool = key(
        "gatewayTls",
        True,
        "With exposure gateway: whether the Gateway's listener terminates TLS for these hosts (HTTPS URLs, "
        "secure cookies). The certificate belongs to the Gateway, so tlsIssuer is not used. Production refuses "
        "false.",
        group="Edge",
    )
    upload_max_body_size: Annotated[str, Field(pattern=r"^[0-9]+[kmg]?$", examples=["50m"])] = key(
        "uploadMaxBodySize",
        "50m",
        "Largest request body the ingress accepts for document uploads (nginx size: 50m).",
        group="Edge",
    )

    ui_access: UiAccess = key(
        "uiAccess",
        UiAccess.NONE,
        "Who may use the UI and the API: oidc (single sign-on through oauth2-proxy), basicAuth (uiHtpasswd "
        "users, through oauth2-proxy), sourceRanges (clients in uiSourceRanges, ingress-nginx) or none. Archon "
        "has no login and its API hands out stored keys: production refuses none unless "
        "allowUnauthenticatedAccess.",
        group="Access",
    )
    ui_source_ranges: list[Cidr] = key(
        "uiSourceRanges",
        [],
        "Client networks (CIDRs) allowed to reach the UI and API with uiAccess sourceRanges.",
        group="Access",
    )
    oidc_issuer_url: Annotated[
        str, Field(pattern=r"^(https://[^\s/]+(/[^\s]*)?)?$", examples=["https://accounts.google.com"])
    ] = key(
        "oidcIssuerUrl",
        "",
        "OIDC issuer (https URL) of the identity provider, with uiAccess oidc. Its redirect URL for this stack: "
        "<uiUrl>/oauth2/callback.",
        group="Access",
    )
    oidc_client_id: str = key(
        "oidcClientId", "", "OIDC client id, with uiAccess oidc (its secret is oidcClientSecret).", group="Access"
    )
    oidc_email_domains: list[Annotated[str, Field(pattern=r"^(\*|[a-z0-9.-]+)$", examples=["example.com"])]] = key(
        "oidcEmailDomains",
        [],
        "E-mail domains whose users may sign in ('*' for any verified e-mail), with uiAccess oidc. "
        "oidcEmailDomains or oidcGroups must be set.",
        group="Access",
    )
    oidc_groups: list[str] = key(
        "oidcGroups",
        [],
        "Groups (the ID token's groups claim) whose members may sign in, with uiAccess oidc.",
        group="Access",
    )
    allow_unauthenticated_access: bool = key(
        "allowUnauthenticatedAccess",
        False,
        "I KNOW ARCHON WILL BE OPEN TO ANYONE WHO REACHES IT, API KEYS INCLUDED. Lets a production stack "
        "publish the UI or MCP without access control (for a host reachable only from a private network).",
        group="Access",
    )

    mcp_public_url: HostPortValue = key(
        "mcpPublicUrl",
        HostPort("localhost", 8051),
        "host:port that MCP clients use (MCP_PUBLIC_URL). Must match mcpExposure: localhost:<port> for none, "
        "<dns name>:8051 for loadBalancer, <mcp host>:443 for ingress (:80 without TLS). May contain {stack}.",
        group="MCP",
        per_stack=True,
    )
    mcp_exposure: McpExposure = key(
        "mcpExposure",
        McpExposure.NONE,
        "How MCP is reached from outside the cluster: none (kubectl port-forward), ingress (its own HTTPS host "
        "at the edge) or loadBalancer (a LoadBalancer Service on 8051).",
        group="MCP",
    )
    mcp_auth: McpAuth = key(
        "mcpAuth",
        McpAuth.NONE,
        "What an MCP client must show with mcpExposure ingress: credential (an Authorization: Basic header, "
        "checked against mcpHtpasswd by oauth2-proxy at the edge) or none. A LoadBalancer cannot check a "
        "credential: use mcpSourceRanges there.",
        group="MCP",
    )
    mcp_source_ranges: list[Cidr] = key(
        "mcpSourceRanges",
        [],
        "Client networks (CIDRs) allowed to reach MCP. Required with mcpExposure loadBalancer (enforced by the "
        "cloud's firewall and a NetworkPolicy; production refuses 0.0.0.0/0); with ingress, ingress-nginx "
        "enforces it.",
        group="MCP",
    )
    mcp_load_balancer_annotations: AnnotationTerms = key(
        "mcpLoadBalancerAnnotations",
        {},
        "Annotations (key=value) for the MCP LoadBalancer Service, for load-balancer specific options (a static "
        "address, an internal load balancer, ...).",
        group="MCP",
    )

    agents_enabled: bool = key(
        "agentsEnabled", False, "Deploy the optional archon-agents service (AGENTS_ENABLED).", group="Services"
    )
    agent_work_orders_enabled: bool = key(
        "agentWorkOrdersEnabled",
        False,
        "Deploy the optional archon-agent-work-orders service (port 8053), which runs the Claude Code CLI on "
        "GitHub repositories. It runs untrusted code: it gets its own secrets, a size-limited work directory, "
        "HTTPS to the internet, and in the cluster only archon-server and archon-mcp.",
        group="Services",
    )
    agent_work_orders_work_dir_size: Quantity = key(
        "agentWorkOrdersWorkDirSize",
        "10Gi",
        "Size limit of the work directory of archon-agent-work-orders (repository clones, worktrees, state, "
        "HOME); it counts against agentWorkOrdersEphemeralStorageLimit.",
        group="Services",
    )
    agent_work_orders_model: Annotated[str, Field(pattern=r"^[a-z0-9.-]+$", examples=["sonnet"])] = key(
        "agentWorkOrdersModel", "sonnet", "CLAUDE_CLI_MODEL of archon-agent-work-orders.", group="Services"
    )
    agent_work_orders_timeout_seconds: int = key(
        "agentWorkOrdersTimeoutSeconds",
        3600,
        "AGENT_WORK_ORDER_TIMEOUT: how long one agent run may take.",
        group="Services",
        ge=60,
        le=86400,
    )
    prometheus_scrape: bool = key(
        "prometheusScrape",
        False,
        "Add prometheus.io scrape annotations and let prometheusNamespace reach the service ports. Off: Archon "
        "serves no /metrics endpoint today.",
        group="Services",
    )
    prometheus_namespace: DnsLabel = key(
        "prometheusNamespace",
        "monitoring",
        "Namespace of Prometheus, allowed in by the NetworkPolicies when prometheusScrape is on.",
        group="Services",
    )

    dns_namespace: DnsLabel = key(
        "dnsNamespace",
        "kube-system",
        "Namespace of the cluster DNS pods (selected by kubernetes.io/metadata.name).",
        group="Network",
    )
    dns_pod_labels: LabelTerms = key(
        "dnsPodLabels", {"k8s-app": "kube-dns"}, "Labels (key=value) that select the cluster DNS pods.", group="Network"
    )
    internet_egress_except: list[Cidr] = key(
        "internetEgressExcept",
        ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"],
        "CIDRs excluded from the services' internet egress (0.0.0.0/0): the cluster's pod, service and node "
        "ranges and other private networks, plus link-local (cloud metadata).",
        group="Network",
    )
    crawler_egress_ports: list[Port] = key(
        "crawlerEgressPorts",
        [80, 443],
        "Internet ports archon-server may reach (Supabase and OpenAI on 443; crawled sites on 80 and 443).",
        group="Network",
    )

    server: ServerSettings = Field(default_factory=ServerSettings)
    mcp: McpSettings = Field(default_factory=McpSettings)
    agents: AgentsSettings = Field(default_factory=AgentsSettings)
    agent_work_orders: WorkOrdersSettings = Field(default_factory=WorkOrdersSettings)
    frontend: FrontendSettings = Field(default_factory=FrontendSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)  # oauth2-proxy, for each access gate

    secrets: SecretSettings = Field(default_factory=SecretSettings)

    @property
    def production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def mcp_host(self) -> str:
        return self.mcp_public_url.host

    @property
    def tls(self) -> bool:
        """Whether clients reach Archon over HTTPS: the Ingress's certificate comes from tlsIssuer;
        behind a Gateway, its listener terminates TLS with a certificate the Gateway owns."""
        if self.exposure is Exposure.GATEWAY:
            return self.gateway_tls
        return bool(self.tls_issuer)

    @property
    def nginx_ingress(self) -> bool:
        """Affinity, streaming and source ranges are configured with ingress-nginx annotations."""
        return self.exposure is Exposure.INGRESS and self.ingress_class_name == "nginx"

    @property
    def session_persistence(self) -> bool:
        """Whether the edge can keep a client on one pod (see docs/design.md, Scaling safety)."""
        if self.exposure is Exposure.GATEWAY:
            return self.gateway_api_channel is GatewayApiChannel.EXPERIMENTAL
        return self.nginx_ingress

    @property
    def ui_gate(self) -> bool:
        """The UI and API sit behind an oauth2-proxy gate."""
        return self.ui_access in (UiAccess.OIDC, UiAccess.BASIC_AUTH)

    @property
    def mcp_gate(self) -> bool:
        """MCP sits behind an oauth2-proxy gate that checks the client's credential."""
        return self.mcp_auth is McpAuth.CREDENTIAL and self.mcp_exposure is McpExposure.INGRESS

    @property
    def ui_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.ui_host}"

    @property
    def mcp_url(self) -> str:
        """The URL an MCP client connects to (streamable HTTP at /mcp)."""
        if self.mcp_exposure is McpExposure.INGRESS:
            return f"{'https' if self.tls else 'http'}://{self.mcp_host}/mcp"
        return f"http://{self.mcp_public_url}/mcp"
