"""ArchonSecrets: where the pods' secrets come from.

- The stack holds the values (Pulumi secrets): one Secret per audience (`archon-secrets-<suffix>`
  for the Python services, `archon-auth-secrets-<suffix>` for the access gates,
  `archon-agent-work-orders-secrets-<suffix>` for the coding agent), so that a pod can only ever
  reference keys meant for it. They are auto-named: a new value replaces the Secret under a new
  name, and the Deployments that read it roll their pods.
- `existingSecret`: a Secret managed elsewhere; nothing is created, and no value is read.
- `externalSecret`: an ExternalSecret of the External Secrets Operator, which syncs the Secret
  `archon-secrets` from a secret store. `pulumi up` waits until it is synced (Ready), and the
  Deployments that read it come after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from archon.components import waiting
from archon.k8s import labels as kl
from archon.k8s.meta import object_meta
from archon.services import Audience

EXTERNAL_SECRET = "archon-secrets"  # the ExternalSecret and the Secret it syncs
ESO_API_VERSION = "external-secrets.io/v1"


@dataclass(frozen=True)
class ExternalSecretArgs:
    store: str
    store_kind: str
    remote_keys: dict[str, str]  # Secret key -> the store's key
    refresh_interval: str
    rollout_timeout_seconds: int


@dataclass(frozen=True)
class ArchonSecretsArgs:
    namespace: pulumi.Input[str]
    instance: str
    # The values, by audience and key, when the stack holds them (Pulumi secrets).
    values: dict[Audience, dict[str, pulumi.Input[str]]] = field(default_factory=dict)
    existing: str = ""
    external: ExternalSecretArgs | None = None


class ArchonSecrets(pulumi.ComponentResource):
    def __init__(self, resource_name: str, args: ArchonSecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("archon:index:ArchonSecrets", resource_name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # The Secret name each audience reads, and (when known) which keys it holds.
        self.names: dict[Audience, pulumi.Input[str]] = {}
        self.present: frozenset[str] | None = None

        if args.existing:
            self.names = {audience: args.existing for audience in Audience}
        elif args.external is not None:
            external = k8s.apiextensions.CustomResource(
                EXTERNAL_SECRET,
                api_version=ESO_API_VERSION,
                kind="ExternalSecret",
                metadata=object_meta(
                    EXTERNAL_SECRET,
                    args.namespace,
                    kl.labels(EXTERNAL_SECRET, args.instance, "secrets"),
                    waiting.wait_for_condition("Ready"),
                ),
                spec=external_secret_spec(args.external),
                opts=pulumi.ResourceOptions.merge(
                    child, waiting.rollout_timeouts(args.external.rollout_timeout_seconds)
                ),
            )
            # An Output of the ExternalSecret: whoever reads the Secret waits until it is synced.
            synced = external.metadata.apply(lambda _: EXTERNAL_SECRET)
            self.names = {audience: synced for audience in Audience}
            self.present = frozenset(args.external.remote_keys)
        else:
            self.present = frozenset(key for values in args.values.values() for key in values)
            for audience, values in args.values.items():
                if not values:
                    continue
                secret = k8s.core.v1.Secret(
                    audience.value,
                    metadata=object_meta(None, args.namespace, kl.labels(audience.value, args.instance, "secrets")),
                    type="Opaque",
                    string_data={key: pulumi.Output.secret(value) for key, value in values.items()},
                    opts=child,
                )
                self.names[audience] = secret.metadata["name"]
        self.register_outputs({"secrets": {a.value: n for a, n in self.names.items()}})


def external_secret_spec(args: ExternalSecretArgs) -> dict[str, Any]:
    return {
        "refreshInterval": args.refresh_interval,
        "secretStoreRef": {"name": args.store, "kind": args.store_kind},
        # The operator owns the Secret: it goes when the ExternalSecret goes.
        "target": {"name": EXTERNAL_SECRET, "creationPolicy": "Owner", "deletionPolicy": "Retain"},
        "data": [{"secretKey": key, "remoteRef": {"key": remote}} for key, remote in args.remote_keys.items()],
    }
