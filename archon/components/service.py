"""ArchonService: the one building block behind every Archon service.

It creates a ServiceAccount (no token mounted), a Deployment whose pods meet Pod Security
"restricted" with a read-only root filesystem, and a ClusterIP Service whose name is the
service's hostname (`archon-server`, ...) with port == targetPort, which both image families rely
on. Service-specific components only describe what differs: image, port, probes, writable paths,
environment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

import pulumi
import pulumi_kubernetes as k8s

from archon.components import waiting
from archon.components.app_config import ArchonConfig
from archon.k8s import labels as kl
from archon.k8s.meta import object_meta
from archon.k8s.pod import (
    Manifest,
    MountedFiles,
    Probes,
    WritableDir,
    container_security_context,
    pod_security_context,
    resources,
)
from archon.k8s.quantity import parse_quantity
from archon.rules.images import is_mutable
from archon.settings import ScalableServiceSettings, ServiceSettings, Settings
from archon.settings.keys import key_for, set_command
from archon.settings.problems import Problem, problem


@dataclass(frozen=True)
class ServiceSpec:
    """Everything that makes one Archon service what it is."""

    name: str  # Deployment, Service and ServiceAccount name; also the in-cluster hostname
    component: str  # app.kubernetes.io/component and the container's name
    port: int
    service: ServiceSettings
    uid: int
    probes: Probes
    writable: Sequence[WritableDir]
    env: Sequence[Manifest] = ()
    env_from: Sequence[Manifest] = ()
    args: Sequence[str] = ()
    mounted: Sequence[MountedFiles] = ()  # read-only files from Secrets and ConfigMaps
    init_containers: Sequence[Manifest] = ()
    pod_annotations: dict[str, str] = field(default_factory=dict)
    # Route each client to one pod (in-memory state); for in-cluster callers of the ClusterIP.
    client_ip_affinity: bool = False


@dataclass(frozen=True)
class Footprint:
    """What a service may claim from the namespace quota at its peak (all pods plus a surge pod)."""

    pods: int
    requests: dict[str, Decimal]
    limits: dict[str, Decimal]


def pull_policy(settings: ServiceSettings) -> str:
    """A moving tag must be pulled every time; a pinned image never changes under its name."""
    return "Always" if is_mutable(settings.tag, settings.digest) else "IfNotPresent"


def autoscaled(settings: ServiceSettings) -> bool:
    return isinstance(settings, ScalableServiceSettings) and settings.autoscaling


def ceiling_replicas(settings: ServiceSettings) -> int:
    if isinstance(settings, ScalableServiceSettings):
        return settings.ceiling_replicas
    return settings.replicas


def footprint(settings: ServiceSettings, init_containers: Sequence[Manifest] = ()) -> Footprint:
    """A pod's effective resources are the larger of its init containers and its app container."""

    def effective(kind: str, main: dict[str, str]) -> dict[str, Decimal]:
        result = {name: parse_quantity(value) for name, value in main.items()}
        for init in init_containers:
            for name, value in init["resources"][kind].items():
                result[name] = max(result.get(name, Decimal(0)), parse_quantity(value))
        return result

    return Footprint(
        pods=ceiling_replicas(settings) + 1,  # maxSurge 1 during a rollout
        requests=effective("requests", settings.requests),
        limits=effective("limits", settings.limits),
    )


class ArchonService(pulumi.ComponentResource):
    """ServiceAccount + Deployment + Service for one Archon service, secure by default.

    Subclasses name their settings (`component`), their scratch paths (`writable`) and their init
    containers; the class methods below plan with those before any resource exists.
    """

    type_token: ClassVar[str] = "archon:index:ArchonService"
    component: ClassVar[str]
    # The settings of the image, size and replicas (`settings.<field>`); default: `component`.
    settings_field: ClassVar[str | None] = None
    writable: ClassVar[Sequence[WritableDir]] = ()

    @classmethod
    def field(cls) -> str:
        return cls.settings_field or cls.component

    @classmethod
    def service_settings(cls, settings: Settings) -> ServiceSettings:
        return getattr(settings, cls.field())

    @classmethod
    def init_containers(cls, settings: Settings) -> Sequence[Manifest]:
        return ()

    @classmethod
    def make_spec(cls, settings: Settings, **fields: Any) -> ServiceSpec:
        """The parts of a spec that follow from the class: name, settings, scratch, init containers."""
        return ServiceSpec(
            name=f"archon-{cls.component}",
            component=cls.component,
            service=cls.service_settings(settings),
            writable=cls.writable,
            init_containers=cls.init_containers(settings),
            **fields,
        )

    @classmethod
    def footprint(cls, settings: Settings) -> Footprint:
        return footprint(cls.service_settings(settings), cls.init_containers(settings))

    @classmethod
    def check(cls, settings: Settings) -> list[Problem]:
        """Disk-backed scratch volumes must fit the container's ephemeral-storage limit, or the
        kubelet evicts the pod when they fill up."""
        limit = cls.service_settings(settings).ephemeral_storage_limit
        scratch = sum(parse_quantity(w.size_limit) for w in cls.writable if not w.in_memory)
        if scratch <= parse_quantity(limit):
            return []
        key = key_for(cls.field(), "ephemeral_storage_limit")
        needed = f"{int(scratch / 2**20)}Mi"
        return [
            problem(
                key.name,
                f"{limit} is less than the {needed} of scratch volumes that archon-{cls.component} mounts",
                set_command(key, needed),
            )
        ]

    @classmethod
    def build_spec(cls, settings: Settings, config: ArchonConfig) -> ServiceSpec:
        """What makes this service what it is; each service says it with `make_spec`."""
        raise NotImplementedError

    def __init__(
        self,
        resource_name: str,
        settings: Settings,
        config: ArchonConfig,
        namespace: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(self.type_token, resource_name, None, opts)
        spec = self.build_spec(settings, config)
        child = pulumi.ResourceOptions(parent=self)
        instance = settings.namespace
        self.labels = kl.labels(spec.name, instance, spec.component)
        # The version label goes on the workload and its pods only: a new image then changes the
        # Deployment alone, not its ServiceAccount and Service as well.
        self.workload_labels = {
            **self.labels,
            **kl.version(kl.version_label(spec.service.tag, spec.service.digest)),
        }
        self.selector = kl.selector(spec.name, instance)
        self.spec = spec

        def metadata(
            name: str = spec.name, annotations: dict[str, str] | None = None, labels: dict[str, str] = self.labels
        ) -> Manifest:
            return object_meta(name, namespace, labels, annotations)

        self.service_account = k8s.core.v1.ServiceAccount(
            spec.name,
            metadata=metadata(),
            automount_service_account_token=False,
            opts=child,
        )
        # `pulumi up` waits until the rollout is complete (every new pod ready), for at most
        # rolloutTimeoutSeconds, and then fails naming the Deployment and why.
        self.deployment = k8s.apps.v1.Deployment(
            spec.name,
            metadata=metadata(labels=self.workload_labels),
            spec=self._deployment_spec(spec, settings),
            # After its ServiceAccount, which the ReplicaSet needs before it can create a pod.
            opts=pulumi.ResourceOptions.merge(child, waiting.rollout_timeouts(settings)).merge(
                pulumi.ResourceOptions(depends_on=[self.service_account])
            ),
        )
        service_spec: Manifest = {
            "type": "ClusterIP",
            "selector": self.selector,
            "ports": [{"name": "http", "port": spec.port, "targetPort": spec.port, "protocol": "TCP"}],
        }
        if spec.client_ip_affinity:
            service_spec["sessionAffinity"] = "ClientIP"
        self.service = k8s.core.v1.Service(
            spec.name, metadata=metadata(annotations=waiting.CLUSTER_IP_SERVICE), spec=service_spec, opts=child
        )

        self.image = spec.service.image_ref
        self.register_outputs(
            {
                "deployment": self.deployment.metadata["name"],
                "service": self.service.metadata["name"],
                "image": self.image,
                **self._extra_resources(settings, metadata, child),
            }
        )

    def _extra_resources(self, settings: Settings, metadata: Any, opts: pulumi.ResourceOptions) -> Manifest:
        """Hook for a service's own additional children; returns their outputs."""
        return {}

    def _deployment_spec(self, spec: ServiceSpec, settings: Settings) -> Manifest:
        service = spec.service
        container: Manifest = {
            "name": spec.component,
            "image": service.image_ref,
            "imagePullPolicy": pull_policy(service),
            "ports": [{"name": "http", "containerPort": spec.port, "protocol": "TCP"}],
            "resources": resources(service.requests, service.limits),
            "securityContext": container_security_context(spec.uid),
            **spec.probes.fields(),
        }
        volumes = (*spec.writable, *spec.mounted)
        if volumes:  # the API server drops an empty list, which would read as drift
            container["volumeMounts"] = [v.mount() for v in volumes]
        if spec.args:
            container["args"] = list(spec.args)
        if spec.env_from:
            container["envFrom"] = list(spec.env_from)
        if spec.env:
            container["env"] = list(spec.env)

        pod: Manifest = {
            "serviceAccountName": spec.name,
            "automountServiceAccountToken": False,
            # Service links would inject ARCHON_SERVER_PORT=tcp://... and friends, the very names
            # Archon reads its ports from; the program sets every variable it needs explicitly.
            "enableServiceLinks": False,
            "securityContext": pod_security_context(spec.uid),
            "containers": [container],
        }
        if volumes:
            pod["volumes"] = [v.volume() for v in volumes]
        if spec.init_containers:
            pod["initContainers"] = list(spec.init_containers)
        if ceiling_replicas(service) > 1:
            # Pods spread over nodes and zones, so that one node or zone going away leaves the
            # service up; soft, so that a small or single-zone cluster still schedules them.
            pod["topologySpreadConstraints"] = [
                {
                    "maxSkew": 1,
                    "topologyKey": key,
                    "whenUnsatisfiable": "ScheduleAnyway",
                    "labelSelector": {"matchLabels": self.selector},
                }
                for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
            ]

        template_metadata: Manifest = {"labels": self.workload_labels}
        if spec.pod_annotations:
            template_metadata["annotations"] = dict(spec.pod_annotations)

        deployment: Manifest = {
            "selector": {"matchLabels": self.selector},
            "revisionHistoryLimit": 5,
            # Surge before stopping an old pod: a single-replica service stays up during a rollout.
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {"metadata": template_metadata, "spec": pod},
        }
        if not autoscaled(service):
            # With an autoscaler the HPA owns the replica count; setting it here would fight it.
            deployment["replicas"] = service.replicas
        return deployment
