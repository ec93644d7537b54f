"""kwok stages of our own: what stands in for an ingress controller, a cloud load balancer, and a
pod whose readiness probe keeps failing.

kwok's default stages (from its module, see tools/build.sh) make nodes live and pods ready. These
are objects in the cluster (kwok runs with `--enable-crds=Stage`), so a test can switch them off
and on while the cluster runs.
"""

from __future__ import annotations

from typing import Any

# The address the stand-in ingress controller and load balancer give out: TEST-NET-1, where
# nothing answers; it only shows that an address was assigned.
EXTERNAL_ADDRESS = "192.0.2.10"
# Pods of an image with this tag (the program puts the tag in the `app.kubernetes.io/version`
# label) start but never become ready, as a server whose /health answers 503 until the Supabase
# migrations have been run: `pulumi config set archon:serverTag readiness-fails` shows what
# `pulumi up` then does.
READINESS_FAILS = "readiness-fails"

_NOT_DELETED = {"key": ".metadata.deletionTimestamp", "operator": "DoesNotExist"}
_NO_ADDRESS = {"key": ".status.loadBalancer.ingress", "operator": "DoesNotExist"}
_ADDRESS = f'loadBalancer:\n  ingress:\n  - ip: "{EXTERNAL_ADDRESS}"\n'


def _stage(name: str, api_group: str, kind: str, selector: dict[str, Any], status: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "kwok.x-k8s.io/v1alpha1",
        "kind": "Stage",
        "metadata": {"name": name},
        "spec": {
            "resourceRef": {"apiGroup": api_group, "kind": kind},
            "selector": selector,
            "next": {"statusTemplate": status},
            **spec,
        },
    }


# Switched off together by a test: a cluster with neither an ingress controller nor a load balancer.
ADDRESS_STAGES = (
    _stage(
        "ingress-address",
        "networking.k8s.io/v1",
        "Ingress",
        {"matchExpressions": [_NOT_DELETED, _NO_ADDRESS]},
        _ADDRESS,
    ),
    _stage(
        "loadbalancer-address",
        "v1",
        "Service",
        {
            "matchExpressions": [
                _NOT_DELETED,
                {"key": ".spec.type", "operator": "In", "values": ["LoadBalancer"]},
                _NO_ADDRESS,
            ]
        },
        _ADDRESS,
    ),
)

# What the kubelet reports for a pod whose containers run but whose readiness probe fails.
_RUNNING_NOT_READY = """\
{{ $now := Now }}
{{ $unready := "" }}
{{ range $i, $c := .spec.containers }}
{{ if $i }}{{ $unready = print $unready " " }}{{ end }}{{ $unready = print $unready $c.name }}
{{ end }}
conditions:
- type: Initialized
  status: "True"
  lastTransitionTime: {{ $now | Quote }}
- type: ContainersReady
  status: "False"
  reason: ContainersNotReady
  message: "containers with unready status: [{{ $unready }}]"
  lastTransitionTime: {{ $now | Quote }}
- type: Ready
  status: "False"
  reason: ContainersNotReady
  message: "containers with unready status: [{{ $unready }}]"
  lastTransitionTime: {{ $now | Quote }}
containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: false
  started: true
  restartCount: 0
  state:
    running:
      startedAt: {{ $now | Quote }}
{{ end }}
initContainerStatuses:
{{ range .spec.initContainers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: true
  restartCount: 0
  state:
    terminated:
      exitCode: 0
      reason: Completed
      startedAt: {{ $now | Quote }}
      finishedAt: {{ $now | Quote }}
{{ end }}
{{ $uid := or .metadata.uid "" }}{{ $name := or .metadata.name "" }}{{ $ns := or .metadata.namespace "" }}
{{ with PodIPsWith .spec.nodeName false $uid $name $ns }}
podIP: {{ index . 0 | Quote }}
{{ end }}
phase: Running
startTime: {{ $now | Quote }}
"""

READINESS_FAILS_STAGE = _stage(
    "pod-readiness-fails",
    "v1",
    "Pod",
    {
        "matchLabels": {"app.kubernetes.io/version": READINESS_FAILS},
        "matchExpressions": [_NOT_DELETED, {"key": ".status.phase", "operator": "In", "values": ["Pending"]}],
    },
    _RUNNING_NOT_READY,
    # Chosen over kwok's own pod-ready stage (weight 0) for the pods it selects.
    weight=1,
    # A kubelet takes a moment to start containers; kwok would report at once, and a status that
    # settles before the Deployment's new ReplicaSet is seen is missed by the provider's await,
    # which then cannot say why the pods are not ready.
    delay={"durationMilliseconds": 1000},
)

OUR_STAGES = (*ADDRESS_STAGES, READINESS_FAILS_STAGE)
