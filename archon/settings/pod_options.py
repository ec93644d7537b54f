"""What operators set on a service's pods: pull secrets, scheduling, extra env, labels, annotations.

The scheduling types mirror Kubernetes' own (core/v1 Toleration and Affinity) field for field, with
their enums, so that a typo is refused with the setting's name before anything is deployed; a
test compares them with the Kubernetes OpenAPI schema. `podDefaults` applies to every service,
`<service>Pod` on top of it (see `merged`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from archon.settings.types import DnsSubdomain, EnvName, LabelKey, LabelValue


class _K8s(BaseModel):
    """A Kubernetes type: camelCase fields as in a manifest, nothing unknown."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    def manifest(self) -> dict:
        return self.model_dump(exclude_none=True, exclude_defaults=True)


class Toleration(_K8s):
    key: str | None = None
    operator: Literal["Exists", "Equal", "Lt", "Gt"] | None = None  # Lt, Gt: behind a feature gate
    value: str | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None
    tolerationSeconds: int | None = None


class LabelSelectorRequirement(_K8s):
    key: str
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]
    values: list[str] | None = None


class LabelSelector(_K8s):
    matchLabels: dict[str, str] | None = None
    matchExpressions: list[LabelSelectorRequirement] | None = None


class NodeSelectorRequirement(_K8s):
    key: str
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]
    values: list[str] | None = None


class NodeSelectorTerm(_K8s):
    matchExpressions: list[NodeSelectorRequirement] | None = None
    matchFields: list[NodeSelectorRequirement] | None = None


class NodeSelector(_K8s):
    nodeSelectorTerms: list[NodeSelectorTerm]


class PreferredSchedulingTerm(_K8s):
    weight: Annotated[int, Field(ge=1, le=100)]
    preference: NodeSelectorTerm


class NodeAffinity(_K8s):
    requiredDuringSchedulingIgnoredDuringExecution: NodeSelector | None = None
    preferredDuringSchedulingIgnoredDuringExecution: list[PreferredSchedulingTerm] | None = None


class PodAffinityTerm(_K8s):
    labelSelector: LabelSelector | None = None
    namespaceSelector: LabelSelector | None = None
    namespaces: list[str] | None = None
    topologyKey: str
    matchLabelKeys: list[str] | None = None
    mismatchLabelKeys: list[str] | None = None


class WeightedPodAffinityTerm(_K8s):
    weight: Annotated[int, Field(ge=1, le=100)]
    podAffinityTerm: PodAffinityTerm


class PodAffinity(_K8s):
    requiredDuringSchedulingIgnoredDuringExecution: list[PodAffinityTerm] | None = None
    preferredDuringSchedulingIgnoredDuringExecution: list[WeightedPodAffinityTerm] | None = None


class Affinity(_K8s):
    nodeAffinity: NodeAffinity | None = None
    podAffinity: PodAffinity | None = None
    podAntiAffinity: PodAffinity | None = None


class PodOptions(_K8s):
    """Options for one service's pods (or, as podDefaults, for every service's)."""

    imagePullSecrets: list[DnsSubdomain] = []
    """Secrets in the namespace that hold credentials for the image registry."""
    nodeSelector: dict[LabelKey, LabelValue] = {}
    tolerations: list[Toleration] = []
    affinity: Affinity | None = None
    priorityClassName: Annotated[str, Field(pattern=r"^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)?$")] = ""
    env: dict[EnvName, str] = {}
    """Extra environment variables; the ones the program sets cannot be overridden."""
    labels: dict[LabelKey, LabelValue] = {}
    """Extra labels on the service's objects and pods; app.kubernetes.io/* belong to the program."""
    annotations: dict[LabelKey, str] = {}
    """Extra annotations on the pods."""

    def merged(self, over: PodOptions) -> PodOptions:
        """These defaults with `over` on top: lists add up, maps merge (over wins), single values
        are replaced when `over` sets them."""
        return PodOptions(
            imagePullSecrets=list(dict.fromkeys([*self.imagePullSecrets, *over.imagePullSecrets])),
            nodeSelector={**self.nodeSelector, **over.nodeSelector},
            tolerations=[*self.tolerations, *over.tolerations],
            affinity=over.affinity or self.affinity,
            priorityClassName=over.priorityClassName or self.priorityClassName,
            env={**self.env, **over.env},
            labels={**self.labels, **over.labels},
            annotations={**self.annotations, **over.annotations},
        )

    def pod_spec_fields(self) -> dict:
        """The fields these options add to a pod spec."""
        fields: dict = {}
        if self.imagePullSecrets:
            fields["imagePullSecrets"] = [{"name": name} for name in self.imagePullSecrets]
        if self.nodeSelector:
            fields["nodeSelector"] = dict(self.nodeSelector)
        if self.tolerations:
            fields["tolerations"] = [t.manifest() for t in self.tolerations]
        if self.affinity:
            fields["affinity"] = self.affinity.manifest()
        if self.priorityClassName:
            fields["priorityClassName"] = self.priorityClassName
        return fields
