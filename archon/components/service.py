"""ArchonService: the one building block behind every Archon service.

It creates a ServiceAccount (no token mounted), a Deployment whose pods meet Pod Security
"restricted" with a read-only root filesystem, and a ClusterIP Service whose name is the
service's hostname (`archon-server`, ...) with port == targetPort, which both image families rely
on. What differs between the services comes in `ArchonServiceArgs`, built from the service table
(archon/services); the secure defaults (security contexts, no token, no service links) have no
switch to turn them off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pulumi
import pulumi_kubernetes as k8s

from archon.components import waiting
from archon.k8s import labels as kl
from archon.k8s.meta import object_meta
from archon.k8s.pod import (
    Manifest,
    MountedFiles,
    Probes,
    WritableDir,
    container_security_context,
    pod_security_context,
    pull_policy,
    resources,
)
from archon.k8s.quantity import parse_quantity
from archon.settings.pod_options import PodOptions


@dataclass(frozen=True)
class Image:
    """The image and size of a service's pods."""

    repository: str
    tag: str
    digest: str
    requests: dict[str, str]
    limits: dict[str, str]

    @property
    def ref(self) -> str:
        """The reference a pod pulls: a digest pins the image even when a tag is also given."""
        return self.repository + (f":{self.tag}" if self.tag else "") + (f"@{self.digest}" if self.digest else "")


@dataclass(frozen=True)
class ArchonServiceArgs:
    """Everything one Archon service's objects are made of, and nothing else of the stack."""

    namespace: pulumi.Input[str]
    instance: str  # app.kubernetes.io/instance: the stack's namespace name
    name: str  # Deployment, Service and ServiceAccount name; also the in-cluster hostname
    component: str  # app.kubernetes.io/component and the container's name
    type_token: str  # the component's Pulumi type, archon:index:ArchonServer, ...
    port: int
    uid: int
    image: Image
    probes: Probes
    replicas: int | None  # None: an autoscaler owns the count
    max_replicas: int  # the most pods it may run (spread them when more than one)
    writable: Sequence[WritableDir] = ()
    env: Sequence[Manifest] = ()
    env_from: Sequence[Manifest] = ()
    args: Sequence[str] = ()
    mounted: Sequence[MountedFiles] = ()  # read-only files from Secrets and ConfigMaps
    init_containers: Sequence[Manifest] = ()
    pod_annotations: dict[str, str] = field(default_factory=dict)
    pod: PodOptions = PodOptions()  # the operator's: pull secrets, scheduling, extra env and labels
    # Route each in-cluster caller to one pod (in-memory state), through the ClusterIP.
    client_ip_affinity: bool = False
    rollout_timeout_seconds: int = 600


@dataclass(frozen=True)
class Footprint:
    """What a service may claim from the namespace quota at its peak (all pods plus a surge pod)."""

    pods: int
    requests: dict[str, Decimal]
    limits: dict[str, Decimal]


def footprint(args: ArchonServiceArgs) -> Footprint:
    """A pod's effective resources are the larger of its init containers and its app container."""

    def effective(kind: str, main: dict[str, str]) -> dict[str, Decimal]:
        result = {name: parse_quantity(value) for name, value in main.items()}
        for init in args.init_containers:
            for name, value in init["resources"][kind].items():
                result[name] = max(result.get(name, Decimal(0)), parse_quantity(value))
        return result

    return Footprint(
        pods=args.max_replicas + 1,  # maxSurge 1 during a rollout
        requests=effective("requests", args.image.requests),
        limits=effective("limits", args.image.limits),
    )


def scratch_bytes(args: ArchonServiceArgs) -> Decimal:
    """What the disk-backed scratch volumes may hold; it counts against ephemeral-storage."""
    return sum((parse_quantity(w.size_limit) for w in args.writable if not w.in_memory), Decimal(0))


def deployment_spec(args: ArchonServiceArgs, selector: dict[str, str], pod_labels: dict[str, str]) -> Manifest:
    security = container_security_context(args.uid)
    policy = pull_policy(args.image.tag, args.image.digest)
    extra_env = [{"name": k, "value": v} for k, v in args.pod.env.items()]
    container: Manifest = {
        "name": args.component,
        "image": args.image.ref,
        "imagePullPolicy": policy,
        "ports": [{"name": "http", "containerPort": args.port, "protocol": "TCP"}],
        "resources": resources(args.image.requests, args.image.limits),
        "securityContext": security,
        **args.probes.fields(args.port),
    }
    volumes = (*args.writable, *args.mounted)
    if volumes:  # the API server drops an empty list, which would read as drift
        container["volumeMounts"] = [v.mount() for v in volumes]
    if args.args:
        container["args"] = list(args.args)
    if args.env_from:
        container["envFrom"] = list(args.env_from)
    if args.env or extra_env:
        container["env"] = [*args.env, *extra_env]

    pod: Manifest = {
        "serviceAccountName": args.name,
        "automountServiceAccountToken": False,
        # Service links would inject ARCHON_SERVER_PORT=tcp://... and friends, the very names
        # Archon reads its ports from; the program sets every variable it needs explicitly.
        "enableServiceLinks": False,
        "securityContext": pod_security_context(args.uid),
        "containers": [container],
        **args.pod.pod_spec_fields(),
    }
    if volumes:
        pod["volumes"] = [v.volume() for v in volumes]
    if args.init_containers:
        # Init containers run as the pod's user, as restricted as the app container.
        pod["initContainers"] = [{**init, "securityContext": security} for init in args.init_containers]
    if args.max_replicas > 1:
        # Pods spread over nodes and zones, so that one node or zone going away leaves the
        # service up; soft, so that a small or single-zone cluster still schedules them.
        pod["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": key,
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector},
            }
            for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
        ]

    template_meta: Manifest = {"labels": pod_labels}
    annotations = {**args.pod_annotations, **args.pod.annotations}
    if annotations:
        template_meta["annotations"] = annotations
    spec: Manifest = {
        "selector": {"matchLabels": selector},
        # One pod more at a time, none less: a one-pod service stays up during a rollout.
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
        "revisionHistoryLimit": 5,
        "template": {"metadata": template_meta, "spec": pod},
    }
    if args.replicas is not None:
        spec["replicas"] = args.replicas
    return spec


class ArchonService(pulumi.ComponentResource):
    """ServiceAccount + Deployment + Service for one Archon service, secure by default."""

    def __init__(self, resource_name: str, args: ArchonServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(args.type_token, resource_name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.args = args
        # The operator's labels first: the program's own (which select the pods) always win.
        self.labels = {**args.pod.labels, **kl.labels(args.name, args.instance, args.component)}
        self.selector = kl.selector(args.name, args.instance)
        # The version label goes on the workload and its pods only: a new image then changes the
        # Deployment alone, not its ServiceAccount and Service as well.
        workload_labels = {**self.labels, **kl.version(kl.version_label(args.image.tag, args.image.digest))}

        def metadata(annotations: dict[str, str] | None = None, labels: dict[str, str] = self.labels) -> Manifest:
            return object_meta(args.name, args.namespace, labels, annotations)

        self.service_account = k8s.core.v1.ServiceAccount(
            args.name, metadata=metadata(), automount_service_account_token=False, opts=child
        )
        # `pulumi up` waits until the rollout is complete (every new pod ready), for at most
        # rolloutTimeoutSeconds, and then fails naming the Deployment and why. It comes after its
        # ServiceAccount, which the ReplicaSet needs before it can create a pod.
        self.deployment = k8s.apps.v1.Deployment(
            args.name,
            metadata=metadata(labels=workload_labels),
            spec=deployment_spec(args, self.selector, workload_labels),
            opts=pulumi.ResourceOptions.merge(child, waiting.rollout_timeouts(args.rollout_timeout_seconds)).merge(
                pulumi.ResourceOptions(depends_on=[self.service_account])
            ),
        )
        service_spec: Manifest = {
            "type": "ClusterIP",
            "selector": self.selector,
            "ports": [{"name": "http", "port": args.port, "targetPort": args.port, "protocol": "TCP"}],
        }
        if args.client_ip_affinity:
            service_spec["sessionAffinity"] = "ClientIP"
        self.service = k8s.core.v1.Service(
            args.name, metadata=metadata(waiting.CLUSTER_IP_SERVICE), spec=service_spec, opts=child
        )
        self.register_outputs(
            {
                "deployment": self.deployment.metadata["name"],
                "service": self.service.metadata["name"],
                "serviceAccount": self.service_account.metadata["name"],
                "image": args.image.ref,
            }
        )
