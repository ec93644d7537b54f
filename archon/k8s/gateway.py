"""Gateway API HTTPRoute (gateway.networking.k8s.io/v1), as typed models.

The part of the HTTPRoute schema this program uses, with the names, enums and limits of the CRDs
of sigs.k8s.io/gateway-api v1.6.3; the API server validates the rest against the CRDs themselves
(the end-to-end tests install them in the local cluster). `sessionPersistence` exists only in the
experimental channel's CRDs.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

API_VERSION = "gateway.networking.k8s.io/v1"
GROUP = "gateway.networking.k8s.io"

ObjectName = Annotated[str, Field(min_length=1, max_length=253)]
SectionName = Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
Duration = Annotated[str, Field(pattern=r"^([0-9]{1,5}(h|m|s|ms)){1,4}$")]


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


class ParentReference(_Model):
    """The Gateway (and optionally its listener) a route attaches to."""

    name: ObjectName
    namespace: ObjectName | None = None
    section_name: SectionName | None = None
    group: str = GROUP
    kind: str = "Gateway"


class PathMatchType(StrEnum):
    EXACT = "Exact"
    PATH_PREFIX = "PathPrefix"


class PathMatch(_Model):
    type: PathMatchType
    value: Annotated[str, Field(min_length=1, max_length=1024, pattern=r"^/")]


class RouteMatch(_Model):
    path: PathMatch


class BackendRef(_Model):
    """A Service in the route's namespace."""

    name: ObjectName
    port: Annotated[int, Field(ge=1, le=65535)]


class SessionPersistenceType(StrEnum):
    COOKIE = "Cookie"
    HEADER = "Header"


class SessionPersistence(_Model):
    """Affinity of a client to one backend pod (experimental channel)."""

    session_name: Annotated[str, Field(max_length=128)]
    type: SessionPersistenceType
    absolute_timeout: Duration | None = None


class RouteTimeouts(_Model):
    """How long the Gateway waits for a whole answer (Extended support)."""

    request: Duration


class RouteRule(_Model):
    matches: list[RouteMatch]
    backend_refs: list[BackendRef]
    session_persistence: SessionPersistence | None = None
    timeouts: RouteTimeouts | None = None


class HTTPRouteSpec(_Model):
    parent_refs: Annotated[list[ParentReference], Field(min_length=1, max_length=32)]
    hostnames: Annotated[list[str], Field(max_length=16)]
    rules: Annotated[list[RouteRule], Field(min_length=1, max_length=16)]

    def manifest(self) -> dict[str, Any]:
        """The `spec` of the HTTPRoute, as the API server expects it."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")
