"""The types of the service table's rows (archon/services/__init__.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from archon.k8s.pod import Probes, WritableDir
from archon.services.specifics import Refs, Specifics
from archon.settings.model import ServiceSettings, Settings


class Audience(Enum):
    """Whose Secret a key belongs to. Each audience gets a Secret of its own when the stack holds the
    values, so that a pod can only ever reference the keys meant for it."""

    APP = "archon-secrets"  # the Python services: Supabase, OpenAI, Logfire
    GATES = "archon-auth-secrets"  # the access gates: cookie keys, OIDC client secret, htpasswd files
    WORK_ORDERS = "archon-agent-work-orders-secrets"  # the coding agent: Anthropic/Claude, GitHub


class Peer(Enum):
    """Endpoints outside the namespace."""

    EDGE = "the edge (ingress controller or Gateway)"
    DNS = "cluster DNS"
    INTERNET = "internet (0.0.0.0/0 minus internetEgressExcept)"
    PROMETHEUS = "Prometheus"
    MCP_CLIENTS = "MCP clients (mcpSourceRanges)"


@dataclass(frozen=True)
class Call:
    """An egress flow: to another service (by key, on its port) or to a peer outside, on `ports`.
    `when` limits it to stacks where it is needed; `ports` may depend on the settings."""

    to: str | Peer
    ports: tuple[int, ...] | Callable[[Settings], Sequence[int]] = ()
    protocols: tuple[str, ...] = ("TCP",)
    when: Callable[[Settings], bool] = lambda settings: True


@dataclass(frozen=True)
class SecretKey:
    """A key of an audience's Secret that a service reads: as an environment variable of the same
    name (optional ones only when present), unless the service's specifics read it otherwise."""

    name: str
    audience: Audience
    optional: bool = False
    as_env: bool = True


@dataclass(frozen=True)
class Service:
    key: str  # short name: app.kubernetes.io/component and the container's name
    name: str  # Deployment, Service and ServiceAccount name; also the in-cluster hostname
    summary: str
    port: int
    uid: int
    settings: str  # the field of Settings with its image, size, replicas and pod options
    probes: Probes
    writable: tuple[WritableDir, ...]
    type_token: str
    enabled: Callable[[Settings], bool] = lambda settings: True
    python: bool = False  # Archon's Python family: the shared ConfigMap, APP secrets, scrape opt-in
    secrets: tuple[SecretKey, ...] = ()
    calls: tuple[Call, ...] = ()
    stateful: bool = False  # keeps client state in memory: in-cluster callers stick to one pod
    specifics: Callable[[Settings, Refs], Specifics] | None = None

    def service_settings(self, settings: Settings) -> ServiceSettings:
        return getattr(settings, self.settings)


APP_SECRETS = (
    SecretKey("SUPABASE_URL", Audience.APP),
    SecretKey("SUPABASE_SERVICE_KEY", Audience.APP),
    SecretKey("OPENAI_API_KEY", Audience.APP, optional=True),
    SecretKey("LOGFIRE_TOKEN", Audience.APP, optional=True),
)
