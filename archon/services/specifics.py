"""What a service's specifics may depend on besides the settings: the names of the objects it reads,
which exist only once the stack has created them (auto-named, so they are Outputs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from archon.k8s.pod import Manifest, MountedFiles, WritableDir


@dataclass(frozen=True)
class Refs:
    config_map: Any  # the shared ConfigMap of the Python services
    secrets: dict[Any, Any]  # Secret name by Audience
    # Optional keys known to be in a Secret; None when the Secret is managed elsewhere, and each
    # optional key is then referenced as optional.
    present: frozenset[str] | None
    sign_in_templates: Any = None  # the ConfigMap with the basic-auth sign-in page
    urls: dict[str, str] = field(default_factory=dict)  # how each service is reached, by key
    # Each gate's oauth2-proxy --upstream flags, from the edge's routing table (archon/edge.py).
    upstreams: dict[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Specifics:
    """What only this service has: its environment, command line, files and init containers."""

    env: Sequence[Manifest] = ()
    args: Sequence[str] = ()
    mounted: Sequence[MountedFiles] = ()
    writable: Sequence[WritableDir] = ()  # scratch paths sized by the settings
    init_containers: Sequence[Manifest] = ()
    extra: dict[str, Any] = field(default_factory=dict)
