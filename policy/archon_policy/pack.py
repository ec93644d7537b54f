"""The pulumi_policy objects: thin adapters from the engine's arguments to the plain validators.

`policies()` builds the seven policies without starting anything, so tests can inspect them;
`__main__.py` hands them to `PolicyPack`, which serves them to the engine over gRPC.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from archon_rules import images
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from archon_policy.edge import validate_edge
from archon_policy.k8s import POD_TEMPLATE_PATHS, SCALABLE_KINDS, Resource, kind_of, plain
from archon_policy.services import validate_exposed_services
from archon_policy.stack import validate_disruption_budgets, validate_network_policy_coverage
from archon_policy.workloads import (
    DEFAULT_REQUIRED_RESOURCES,
    DEVELOPMENT,
    PRODUCTION,
    validate_image_tags,
    validate_pod_security,
    validate_resources,
)

PACK_NAME = "archon-kubernetes"
POD_SECURITY = "pod-security-restricted"
REQUESTS_AND_LIMITS = "container-requests-and-limits"
PINNED_IMAGES = "no-mutable-image-tags"
NETWORK_POLICY_COVERAGE = "deployments-selected-by-network-policy"
DRAINABLE_BUDGETS = "disruption-budgets-allow-drains"
EXPOSED_SERVICES = "no-load-balancer-unless-allowed"
ACCESS_CONTROL = "no-unauthenticated-edge"

ResourceValidator = Callable[[str, Mapping[str, Any], Mapping[str, Any]], list[str]]
StackValidator = Callable[[list[Resource], Mapping[str, Any]], list[tuple[str, str]]]
WORKLOAD_KINDS = frozenset(POD_TEMPLATE_PATHS)

# Each policy's validator and the kinds it looks at: the tests run these tables on rendered stacks.
RESOURCE_VALIDATORS: dict[str, tuple[ResourceValidator, frozenset[str]]] = {
    POD_SECURITY: (validate_pod_security, WORKLOAD_KINDS),
    REQUESTS_AND_LIMITS: (validate_resources, WORKLOAD_KINDS),
    PINNED_IMAGES: (validate_image_tags, WORKLOAD_KINDS),
    EXPOSED_SERVICES: (validate_exposed_services, frozenset({"Service"})),
    ACCESS_CONTROL: (validate_edge, frozenset({"Ingress", "HTTPRoute", "Service"})),
}
STACK_VALIDATORS: dict[str, tuple[StackValidator, frozenset[str]]] = {
    NETWORK_POLICY_COVERAGE: (validate_network_policy_coverage, frozenset({"Deployment", "NetworkPolicy"})),
    DRAINABLE_BUDGETS: (
        validate_disruption_budgets,
        frozenset({"PodDisruptionBudget", "HorizontalPodAutoscaler", *SCALABLE_KINDS}),
    ),
}


# The config of a policy that judges production only.
ENVIRONMENT_SCHEMA = PolicyConfigSchema(
    properties={
        "environment": {
            "type": "string",
            "enum": [PRODUCTION, DEVELOPMENT],
            "default": PRODUCTION,
            "description": "development turns this policy off; anything else is production.",
        }
    }
)


def resource_adapter(validator: ResourceValidator, kinds: frozenset[str]) -> Callable[..., None]:
    """Run `validator` on resources of `kinds` only, with plain props and config."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if kind_of(args.resource_type) not in kinds:
            return
        for message in validator(args.resource_type, plain(args.props), plain(args.get_config() or {})):
            report_violation(message, None)

    return validate


def stack_adapter(validator: StackValidator, kinds: frozenset[str]) -> Callable[..., None]:
    """Run `validator` on the stack's Kubernetes resources of `kinds`, with plain props and config."""

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = [
            Resource(r.resource_type, plain(r.props), r.name, r.urn)
            for r in args.resources
            if kind_of(r.resource_type) in kinds
        ]
        for urn, message in validator(resources, plain(args.get_config() or {})):
            report_violation(message, urn or None)

    return validate


def policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    mandatory = EnforcementLevel.MANDATORY
    return [
        ResourceValidationPolicy(
            name=POD_SECURITY,
            description="Every pod template meets Pod Security Standards 'restricted'.",
            validate=resource_adapter(*RESOURCE_VALIDATORS[POD_SECURITY]),
            enforcement_level=mandatory,
            severity=Severity.HIGH,
            url="https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
        ),
        ResourceValidationPolicy(
            name=REQUESTS_AND_LIMITS,
            description="Every container and init container requests and limits cpu and memory.",
            validate=resource_adapter(*RESOURCE_VALIDATORS[REQUESTS_AND_LIMITS]),
            enforcement_level=mandatory,
            severity=Severity.MEDIUM,
            config_schema=PolicyConfigSchema(
                properties={
                    "requiredResources": {
                        "type": "array",
                        "items": {"type": "string"},
                        "default": list(DEFAULT_REQUIRED_RESOURCES),
                        "description": "Resources every container must request and limit.",
                    }
                }
            ),
        ),
        ResourceValidationPolicy(
            name=PINNED_IMAGES,
            description=f"Production runs pinned images: no digest-less image tagged {images.MUTABLE_TAGS_TEXT}.",
            validate=resource_adapter(*RESOURCE_VALIDATORS[PINNED_IMAGES]),
            enforcement_level=mandatory,
            severity=Severity.HIGH,
            config_schema=ENVIRONMENT_SCHEMA,
        ),
        StackValidationPolicy(
            name=NETWORK_POLICY_COVERAGE,
            description="Every Deployment's pods are selected by a NetworkPolicy in their namespace.",
            validate=stack_adapter(*STACK_VALIDATORS[NETWORK_POLICY_COVERAGE]),
            enforcement_level=mandatory,
            severity=Severity.HIGH,
        ),
        StackValidationPolicy(
            name=DRAINABLE_BUDGETS,
            description=(
                "No PodDisruptionBudget blocks node drains: minAvailable below the pods' floor, maxUnavailable above 0."
            ),
            validate=stack_adapter(*STACK_VALIDATORS[DRAINABLE_BUDGETS]),
            enforcement_level=mandatory,
            severity=Severity.MEDIUM,
        ),
        ResourceValidationPolicy(
            name=EXPOSED_SERVICES,
            description="No LoadBalancer or NodePort Service unless the pack config allows it.",
            validate=resource_adapter(*RESOURCE_VALIDATORS[EXPOSED_SERVICES]),
            enforcement_level=mandatory,
            severity=Severity.HIGH,
            config_schema=PolicyConfigSchema(
                properties={
                    "allowLoadBalancer": {
                        "type": "boolean",
                        "default": False,
                        "description": "Allow every LoadBalancer and NodePort Service.",
                    },
                    "allowedLoadBalancers": {
                        "type": "array",
                        "items": {"type": "string"},
                        "default": [],
                        "description": "Services (name or namespace/name) that may be LoadBalancer or NodePort.",
                    },
                }
            ),
        ),
        ResourceValidationPolicy(
            name=ACCESS_CONTROL,
            description=(
                "Production publishes Archon (which has no login, and whose API returns stored keys) only "
                "behind access control: a gate, client networks, or an acknowledged private surface."
            ),
            validate=resource_adapter(*RESOURCE_VALIDATORS[ACCESS_CONTROL]),
            enforcement_level=mandatory,
            severity=Severity.CRITICAL,
            config_schema=ENVIRONMENT_SCHEMA,
        ),
    ]
