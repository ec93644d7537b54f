"""Kubernetes helpers shared by the validators: type tokens, pod templates, label selectors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Manifest = dict[str, Any]

# Kinds whose objects carry a pod template, and where it sits.
WORKLOAD_TEMPLATE = ("spec", "template")
POD_TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": (),
    "Deployment": WORKLOAD_TEMPLATE,
    "StatefulSet": WORKLOAD_TEMPLATE,
    "DaemonSet": WORKLOAD_TEMPLATE,
    "ReplicaSet": WORKLOAD_TEMPLATE,
    "ReplicationController": WORKLOAD_TEMPLATE,
    "Job": WORKLOAD_TEMPLATE,
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
# Kinds whose pod count is spec.replicas (default 1) and that a HorizontalPodAutoscaler may scale.
SCALABLE_KINDS = ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController")
DEFAULT_NAMESPACE = "default"


@dataclass
class Resource:
    """One resource as a stack policy sees it: its type token, name, inputs/outputs and URN."""

    type: str
    props: Manifest
    name: str = ""
    urn: str = ""
    kind: str = field(init=False)

    def __post_init__(self) -> None:
        self.kind = kind_of(self.type)

    @property
    def namespace(self) -> str:
        return namespace_of(self.props)

    @property
    def object_name(self) -> str:
        return object_name(self.props, self.name)

    def describe(self) -> str:
        return describe(self.kind, self.props, self.name)


def kind_of(resource_type: str) -> str:
    """`kubernetes:apps/v1:Deployment` -> `Deployment`; "" for anything not a Kubernetes kind."""
    parts = resource_type.split(":")
    if len(parts) != 3 or parts[0] != "kubernetes":
        return ""
    return parts[2]


def resource_type(manifest: Mapping[str, Any]) -> str:
    """The pulumi-kubernetes type token of a manifest: `v1` + `Service` -> `kubernetes:core/v1:Service`."""
    api_version = str(manifest["apiVersion"])
    group_version = api_version if "/" in api_version else f"core/{api_version}"
    return f"kubernetes:{group_version}:{manifest['kind']}"


def plain(value: Any) -> Any:
    """Plain dicts, lists and ints from the engine's props (read-only proxies; numbers as floats).

    Reading an unknown value (during preview) raises pulumi_policy's UnknownValueError, which the
    policy SDK reports as "can't run policy during preview" instead of a false verdict."""
    if isinstance(value, Mapping):
        return {str(k): plain(value[k]) for k in value}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [plain(value[i]) for i in range(len(value))]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def dig(value: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def namespace_of(props: Mapping[str, Any]) -> str:
    return dig(props, "metadata", "namespace") or DEFAULT_NAMESPACE


def object_name(props: Mapping[str, Any], fallback: str = "") -> str:
    return dig(props, "metadata", "name") or fallback or "(unnamed)"


def describe(kind: str, props: Mapping[str, Any], fallback_name: str = "") -> str:
    """`Deployment archon/archon-server`: how messages name an object."""
    return f"{kind} {namespace_of(props)}/{object_name(props, fallback_name)}"


@dataclass(frozen=True)
class PodTemplate:
    metadata: Manifest
    spec: Manifest
    path: str  # where the template sits in the object, for messages: "spec.template"


def pod_template(kind: str, props: Mapping[str, Any]) -> PodTemplate | None:
    """The pod (metadata, spec) that a workload creates, or None for other kinds."""
    if kind not in POD_TEMPLATE_PATHS:
        return None
    path = POD_TEMPLATE_PATHS[kind]
    template = dig(props, *path) if path else props
    if not isinstance(template, Mapping):
        return PodTemplate({}, {}, ".".join(path) or "(pod)")
    return PodTemplate(
        dict(template.get("metadata") or {}), dict(template.get("spec") or {}), ".".join(path) or "(pod)"
    )


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, Any]) -> bool:
    """A metav1.LabelSelector against labels: matchLabels and matchExpressions (In, NotIn, Exists,
    DoesNotExist). An empty selector matches everything; None matches nothing."""
    if selector is None:
        return False
    labels = labels or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key = expression.get("key")
        operator = expression.get("operator")
        values = list(expression.get("values") or [])
        if operator == "In":
            ok = key in labels and labels[key] in values
        elif operator == "NotIn":
            ok = key not in labels or labels[key] not in values
        elif operator == "Exists":
            ok = key in labels
        elif operator == "DoesNotExist":
            ok = key not in labels
        else:  # an operator the API server would refuse: select nothing
            ok = False
        if not ok:
            return False
    return True
