"""Typed, validated settings for one stack.

The model mirrors the `config:` block of Pulumi.yaml, which declares every non-secret key with its
type, description and default (the engine applies those defaults before the program runs, and a
test keeps this model and Pulumi.yaml in step). Per-service settings are nested models whose keys
are flattened with the service's name as prefix: `server.replicas` is `archon:serverReplicas`.

Field validation lives here; rules that relate several fields live in `rules.py`.
"""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

from archon.k8s.quantity import parse_quantity


class Environment(StrEnum):
    """How strict the rules are: production refuses mutable image tags and plain HTTP."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


class McpExposure(StrEnum):
    """How MCP clients outside the cluster reach archon-mcp."""

    NONE = "none"  # only through `kubectl port-forward`
    INGRESS = "ingress"  # its own HTTPS host on the ingress controller
    LOAD_BALANCER = "loadBalancer"  # a LoadBalancer Service on port 8051


class Exposure(StrEnum):
    """How the UI, the API and (with mcpExposure ingress) MCP are published."""

    INGRESS = "ingress"  # Ingress objects, for ingress-nginx and compatible controllers
    GATEWAY = "gateway"  # Gateway API HTTPRoutes attached to a Gateway you run


class GatewayApiChannel(StrEnum):
    """Which Gateway API CRDs the cluster has: only the experimental channel has sessionPersistence."""

    STANDARD = "standard"
    EXPERIMENTAL = "experimental"


class UiAccess(StrEnum):
    """Who may use the UI and the API (Archon has no login of its own; its API hands out keys)."""

    OIDC = "oidc"  # single sign-on through oauth2-proxy
    BASIC_AUTH = "basicAuth"  # users and bcrypt passwords (htpasswd), checked by oauth2-proxy
    SOURCE_RANGES = "sourceRanges"  # clients from uiSourceRanges only (ingress-nginx)
    NONE = "none"  # anyone who reaches the host


class McpAuth(StrEnum):
    """What an MCP client must show (MCP clients cannot do a browser login)."""

    CREDENTIAL = "credential"  # an `Authorization: Basic` header, checked against mcpHtpasswd
    NONE = "none"


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


def _quantity(value: str) -> str:
    parse_quantity(value)  # raises ValueError with a readable message
    return value


def _cidr(value: str) -> str:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a CIDR block such as 10.0.0.0/8 ({exc})") from None
    return value


def _htpasswd(value: str) -> str:
    """htpasswd content with bcrypt entries (`htpasswd -nbB <user> <password>`), one per line."""
    lines = [line for line in value.splitlines() if line.strip()]
    if not lines:
        raise ValueError("holds no htpasswd entry")
    for number, line in enumerate(lines, 1):
        if not re.fullmatch(r"[^:\s]+:\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}", line.strip()):
            raise ValueError(f"line {number} is not a bcrypt htpasswd entry (user:$2y$...); make it with htpasswd -nbB")
    return value


def _label(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9./_-]+=[A-Za-z0-9._-]{0,63}", value):
        raise ValueError(f"{value!r} is not a label selector term of the form key=value")
    return value


_DNS_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
_HOSTNAME = rf"{_DNS_LABEL}(\.{_DNS_LABEL})*"

# `examples` feed the "Fix: pulumi config set ..." line of a validation error.
Quantity = Annotated[str, AfterValidator(_quantity), Field(examples=["500m", "768Mi"])]
Cidr = Annotated[str, AfterValidator(_cidr), Field(examples=["10.0.0.0/8"])]
LabelTerm = Annotated[str, AfterValidator(_label), Field(examples=["k8s-app=kube-dns"])]
DnsLabel = Annotated[str, Field(pattern=rf"^{_DNS_LABEL}$", max_length=63, examples=["archon"])]
Hostname = Annotated[str, Field(pattern=rf"^({_HOSTNAME})?$", max_length=253, examples=["archon.example.com"])]
ImageRepository = Annotated[
    str, Field(pattern=r"^[a-z0-9]+([._/:-][a-z0-9]+)*$", examples=["registry.example.com/archon/server"])
]
ImageTag = Annotated[str, Field(pattern=r"^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$", examples=["v1.2.3"])]
ImageDigest = Annotated[str, Field(pattern=r"^(sha256:[a-f0-9]{64})?$", examples=["sha256:<64 hex digits>"])]
Percent = Annotated[int, Field(ge=1, le=100, examples=[70])]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class ServiceSettings(_Strict):
    """Image, size and replica count of one Archon service."""

    image: ImageRepository
    tag: ImageTag
    digest: ImageDigest
    replicas: int = Field(ge=1, le=50)
    cpu_request: Quantity
    cpu_limit: Quantity
    memory_request: Quantity
    memory_limit: Quantity
    ephemeral_storage_request: Quantity
    ephemeral_storage_limit: Quantity

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
        return {
            "cpu": self.cpu_limit,
            "memory": self.memory_limit,
            "ephemeral-storage": self.ephemeral_storage_limit,
        }


class ScalableServiceSettings(ServiceSettings):
    """A service that may run behind a HorizontalPodAutoscaler and a PodDisruptionBudget."""

    autoscaling: bool
    min_replicas: int = Field(ge=1, le=50)
    max_replicas: int = Field(ge=1, le=50)
    cpu_utilization: Percent
    memory_utilization: Annotated[int, Field(ge=0, le=100)]  # 0: not a scaling metric
    disruption_budget: bool

    @property
    def floor_replicas(self) -> int:
        """The fewest pods this service runs in normal operation."""
        return self.min_replicas if self.autoscaling else self.replicas

    @property
    def ceiling_replicas(self) -> int:
        """The most pods this service runs in normal operation."""
        return self.max_replicas if self.autoscaling else self.replicas

    @property
    def multi_replica(self) -> bool:
        return self.ceiling_replicas > 1


class SecretSettings(_Strict):
    """Credentials, held as `SecretStr` so they never show in a repr, log or error message.

    With `existing_secret` set, none of the values is read: the pods use that Secret's keys.
    """

    existing_secret: Annotated[str, Field(pattern=rf"^({_DNS_LABEL}(\.{_DNS_LABEL})*)?$")]
    supabase_url: SecretStr | None = None
    supabase_service_key: SecretStr | None = None
    openai_api_key: SecretStr | None = None
    logfire_token: SecretStr | None = None
    kubeconfig: SecretStr | None = None
    # The access gates (oauth2-proxy): the OIDC client's secret, the key from which each gate's
    # cookie secret is derived, and the htpasswd files of uiAccess basicAuth and mcpAuth credential.
    oidc_client_secret: SecretStr | None = None
    auth_cookie_secret: Annotated[SecretStr, Field(min_length=32)] | None = None
    ui_htpasswd: Annotated[SecretStr, AfterValidator(lambda v: SecretStr(_htpasswd(v.get_secret_value())))] | None = (
        None
    )
    mcp_htpasswd: Annotated[SecretStr, AfterValidator(lambda v: SecretStr(_htpasswd(v.get_secret_value())))] | None = (
        None
    )


class Settings(_Strict):
    """Everything one stack of the program needs, validated."""

    stack: str
    environment: Environment
    namespace: DnsLabel
    kube_context: str
    render_yaml_to_directory: str
    log_level: LogLevel
    allow_mutable_tags: bool
    rollout_timeout_seconds: int = Field(ge=10, le=3600, examples=[600])
    await_external_addresses: bool

    ui_host: Hostname
    tls_issuer: str
    exposure: Exposure
    ingress_class_name: str
    ingress_namespace: DnsLabel
    ingress_pod_labels: list[LabelTerm]
    gateway: Annotated[str, Field(pattern=rf"^({_DNS_LABEL}/{_DNS_LABEL})?$", examples=["gateway-system/public"])]
    gateway_section: Annotated[str, Field(pattern=rf"^({_HOSTNAME})?$", examples=["https"])]
    gateway_api_channel: GatewayApiChannel
    gateway_tls: bool
    upload_max_body_size: Annotated[str, Field(pattern=r"^[0-9]+[kmg]?$")]

    ui_access: UiAccess
    ui_source_ranges: list[Cidr]
    oidc_issuer_url: Annotated[
        str, Field(pattern=r"^(https://[^\s/]+(/[^\s]*)?)?$", examples=["https://accounts.google.com"])
    ]
    oidc_client_id: str
    oidc_email_domains: list[Annotated[str, Field(pattern=r"^(\*|[a-z0-9.-]+)$", examples=["example.com"])]]
    oidc_groups: list[str]
    allow_unauthenticated_access: bool

    mcp_public_url: str
    mcp_exposure: McpExposure
    mcp_auth: McpAuth
    mcp_source_ranges: list[Cidr]
    mcp_load_balancer_annotations: list[
        Annotated[str, Field(pattern=r"^[A-Za-z0-9./_-]+=.*$", examples=["metallb.universe.tf/allow-shared-ip=archon"])]
    ]

    agents_enabled: bool
    prometheus_scrape: bool
    prometheus_namespace: DnsLabel

    dns_namespace: DnsLabel
    dns_pod_labels: list[LabelTerm]
    internet_egress_except: list[Cidr]
    crawler_egress_ports: list[Annotated[int, Field(ge=1, le=65535, examples=[443])]]

    server: ScalableServiceSettings
    mcp: ServiceSettings
    agents: ServiceSettings
    frontend: ScalableServiceSettings
    auth: ServiceSettings  # oauth2-proxy, for each access gate

    secrets: SecretSettings

    @property
    def production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def mcp_host(self) -> str:
        return self.mcp_public_url.rsplit(":", 1)[0]

    @property
    def mcp_port(self) -> int:
        return int(self.mcp_public_url.rsplit(":", 1)[1])

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
        """Whether the edge can keep a client on one pod (see README, Scaling safety)."""
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
            return f"https://{self.mcp_host}/mcp" if self.tls else f"http://{self.mcp_host}/mcp"
        return f"http://{self.mcp_public_url}/mcp"


def label_terms_to_dict(terms: list[str]) -> dict[str, str]:
    """`["k=v", ...]` (how Pulumi config holds labels and annotations) to a map."""
    return dict(term.split("=", 1) for term in terms)
