"""The value types of the settings: each parses its config form once, into what the program uses.

A config value arrives as a string (or a JSON list or object). The types here check it and turn it
into the value the components need, so nothing re-parses a string later: `mcpPublicUrl` becomes a
`HostPort`, `ingressPodLabels` a label map, `gateway` a `GatewayRef`. Each type also knows its
config form (`ConfigForm`), from which Pulumi.yaml's declarations and the reference are generated,
and serializes back to it.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, SecretStr, WithJsonSchema

from archon.k8s.quantity import parse_quantity


@dataclass(frozen=True)
class ConfigForm:
    """How a value is written in Pulumi config, when its Python type does not say it."""

    type: str  # string, integer, boolean, array, object
    items: str | None = None  # the item type of an array


DNS_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
HOSTNAME = rf"{DNS_LABEL}(\.{DNS_LABEL})*"


def _quantity(value: str) -> str:
    parse_quantity(value)  # raises ValueError with a readable message
    return value


def _cidr(value: str) -> str:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a CIDR block such as 10.0.0.0/8 ({exc})") from None
    return value


def _htpasswd(value: SecretStr) -> SecretStr:
    """htpasswd content with bcrypt entries (`htpasswd -nbB <user> <password>`), one per line."""
    lines = [line for line in value.get_secret_value().splitlines() if line.strip()]
    if not lines:
        raise ValueError("holds no htpasswd entry")
    for number, line in enumerate(lines, 1):
        if not re.fullmatch(r"[^:\s]+:\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}", line.strip()):
            raise ValueError(f"line {number} is not a bcrypt htpasswd entry (user:$2y$...); make it with htpasswd -nbB")
    return value


# `examples` feed the "Fix: pulumi config set ..." line of a validation error.
Quantity = Annotated[str, AfterValidator(_quantity), Field(examples=["500m", "768Mi"])]
Cidr = Annotated[str, AfterValidator(_cidr), Field(examples=["10.0.0.0/8"])]
DnsLabel = Annotated[str, Field(pattern=rf"^{DNS_LABEL}$", max_length=63, examples=["archon"])]
DnsSubdomain = Annotated[str, Field(pattern=rf"^{HOSTNAME}$", max_length=253, examples=["registry-credentials"])]
Hostname = Annotated[str, Field(pattern=rf"^({HOSTNAME})?$", max_length=253, examples=["archon.example.com"])]
ImageRepository = Annotated[
    str, Field(pattern=r"^[a-z0-9]+([._/:-][a-z0-9]+)*$", examples=["registry.example.com/archon/server"])
]
ImageTag = Annotated[str, Field(pattern=r"^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$", examples=["v1.2.3"])]
ImageDigest = Annotated[str, Field(pattern=r"^(sha256:[a-f0-9]{64})?$", examples=["sha256:<64 hex digits>"])]
Percent = Annotated[int, Field(ge=1, le=100, examples=[70])]
Replicas = Annotated[int, Field(ge=1, le=50, examples=[2])]
Port = Annotated[int, Field(ge=1, le=65535, examples=[443])]
Htpasswd = Annotated[SecretStr, AfterValidator(_htpasswd)]

# Kubernetes label keys and values (a qualified name with an optional DNS prefix; a value of at
# most 63 characters), and the names of environment variables.
LABEL_KEY = r"([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
LABEL_VALUE = r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?"
LabelKey = Annotated[str, Field(pattern=rf"^{LABEL_KEY}$")]
LabelValue = Annotated[str, Field(pattern=rf"^{LABEL_VALUE}$")]
EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


def _terms_to_map(value: Any) -> Any:
    """`["key=value", ...]` (how a stack file lists labels) to a map; a map passes as it is."""
    if not isinstance(value, list):
        return value
    result = {}
    for term in value:
        if not isinstance(term, str) or "=" not in term:
            raise ValueError(f"{term!r} is not of the form key=value")
        key, item = term.split("=", 1)
        result[key] = item
    return result


def _map_to_terms(value: dict[str, str]) -> list[str]:
    return [f"{k}={v}" for k, v in value.items()]


def _key_value_map(key: Any, value: Any, example: str) -> Any:
    return Annotated[
        dict[key, value],
        BeforeValidator(_terms_to_map),
        PlainSerializer(_map_to_terms),
        ConfigForm("array", "string"),
        Field(examples=[example]),
    ]


# Written as a list of key=value terms, used as a map.
LabelTerms = _key_value_map(LabelKey, LabelValue, "k8s-app=kube-dns")
AnnotationTerms = _key_value_map(LabelKey, str, "metallb.universe.tf/allow-shared-ip=archon")


@dataclass(frozen=True)
class HostPort:
    """`host:port`, as MCP clients are told to reach MCP (a DNS name or an IPv4 address)."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def local(self) -> bool:
        return self.host in ("localhost", "127.0.0.1")


_HOST_PORT = re.compile(rf"^(?P<host>{HOSTNAME}|[0-9.]+):(?P<port>[0-9]{{1,5}})$")


def _host_port(value: Any) -> HostPort:
    if isinstance(value, HostPort):
        return value
    match = _HOST_PORT.match(str(value))
    if not match or not 0 < int(match["port"]) < 65536:
        raise ValueError(f"{value!r} is not host:port (a DNS name or IP, no scheme, no path)")
    return HostPort(match["host"], int(match["port"]))


HostPortValue = Annotated[
    HostPort,
    BeforeValidator(_host_port),
    PlainSerializer(str),
    WithJsonSchema({"type": "string"}),
    ConfigForm("string"),
    Field(examples=["archon.example.com:8051"]),
]


@dataclass(frozen=True)
class GatewayRef:
    """The Gateway that the HTTPRoutes attach to."""

    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


_GATEWAY = re.compile(rf"^(?P<namespace>{DNS_LABEL})/(?P<name>{HOSTNAME})$")


def _gateway(value: Any) -> GatewayRef | None:
    if value is None or isinstance(value, GatewayRef):
        return value
    if value == "":
        return None
    match = _GATEWAY.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not namespace/name of a Gateway")
    return GatewayRef(match["namespace"], match["name"])


GatewayRefValue = Annotated[
    GatewayRef | None,
    BeforeValidator(_gateway),
    PlainSerializer(lambda v: str(v) if v else ""),
    WithJsonSchema({"type": "string"}),
    ConfigForm("string"),
    Field(examples=["gateway-system/public"]),
]
