"""ArchonConfig: the ConfigMaps, the shared environment of the Python services and the gates' page.

Both are auto-named (`archon-config-<suffix>`): Pulumi replaces them when their data changes, the
Deployments then point at the new name and roll their pods. That is what the guide's manual
`kubectl rollout restart` did, now done by `pulumi up` itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from archon.k8s import labels as kl
from archon.k8s.meta import object_meta


@dataclass(frozen=True)
class ArchonConfigArgs:
    namespace: pulumi.Input[str]
    instance: str
    environment: dict[str, str]  # the Python services' shared environment
    sign_in_page: str | None = None  # the basic-auth gate's sign-in template, when it has one


class ArchonConfig(pulumi.ComponentResource):
    def __init__(self, resource_name: str, args: ArchonConfigArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("archon:index:ArchonConfig", resource_name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        def config_map(name: str, component: str, data: dict[str, str]) -> k8s.core.v1.ConfigMap:
            # Auto-named: `name` only names the resource and the labels.
            meta = object_meta(None, args.namespace, kl.labels(name, args.instance, component))
            return k8s.core.v1.ConfigMap(name, metadata=meta, data=data, opts=child)

        self.config_map = config_map("archon-config", "config", args.environment)
        self.name: pulumi.Output[str] = self.config_map.metadata["name"]
        self.sign_in_templates: pulumi.Output[str] | None = None
        if args.sign_in_page is not None:
            templates = config_map("archon-auth-templates", "auth", {"sign_in.html": args.sign_in_page})
            self.sign_in_templates = templates.metadata["name"]
        outputs: dict = {"configMap": self.name}
        if self.sign_in_templates is not None:
            outputs["signInTemplates"] = self.sign_in_templates
        self.register_outputs(outputs)
