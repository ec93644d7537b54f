"""The CrossGuard policy pack (policy/): its validators on the rendered shipped stacks, one broken
variant per policy, its example configs, and the pack as the engine loads it.

The validators are plain functions over Kubernetes objects; the pack stands alone (it imports
nothing from archon/), so its copy of the mutable-tag pattern is checked against the settings'.
"""

from __future__ import annotations

import copy
import importlib.metadata
import json
import runpy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from harness import ROOT, Rendered, render
from helpers_k8s import AGENTS, MCP_INGRESS, MCP_LOAD_BALANCER, OPEN_UI
from verify.pod_security import evaluate as kubernetes_evaluate

POLICY_DIR = ROOT / "policy"
if str(POLICY_DIR) not in sys.path:
    sys.path.insert(0, str(POLICY_DIR))

import pulumi_policy  # noqa: E402
from archon_policy import pack  # noqa: E402
from archon_policy.k8s import Resource, resource_type, selector_matches  # noqa: E402
from archon_policy.workloads import mutable_image, split_image  # noqa: E402
from archon_rules import pod_security  # noqa: E402
from archon_rules.images import MUTABLE_TAG  # noqa: E402

Objects = list[dict[str, Any]]
PolicyConfigs = dict[str, dict[str, Any]]


def pack_config(stack: str) -> PolicyConfigs:
    """policy/config.<stack>.json, as given to `--policy-pack-config`."""
    return json.loads((POLICY_DIR / f"config.{stack}.json").read_text())


def _config_of(configs: PolicyConfigs, policy: str) -> dict[str, Any]:
    value = configs.get(policy) or {}
    return {k: v for k, v in value.items() if k != "enforcementLevel"} if isinstance(value, dict) else {}


def violations(objects: Objects, configs: PolicyConfigs) -> dict[str, list[str]]:
    """Every policy's messages for these objects, run the way the pack runs them."""
    found: dict[str, list[str]] = {}
    resources = [Resource(resource_type(o), o, n, f"urn:{o['kind']}:{n}") for o, n in _named(objects)]
    for name, (validator, kinds) in pack.RESOURCE_VALIDATORS.items():
        config = _config_of(configs, name)
        found[name] = [m for r in resources if r.kind in kinds for m in validator(r.type, r.props, config)]
    for name, (validator, kinds) in pack.STACK_VALIDATORS.items():
        selected = [r for r in resources if r.kind in kinds]
        found[name] = [m for _, m in validator(selected, _config_of(configs, name))]
    return found


def _named(objects: Objects) -> list[tuple[dict[str, Any], str]]:
    return [(o, o["metadata"]["name"]) for o in objects]


def only(found: dict[str, list[str]], policy: str) -> list[str]:
    """The messages of `policy`, after asserting that no other policy complained."""
    others = {name: messages for name, messages in found.items() if name != policy and messages}
    assert others == {}
    return found[policy]


def _get(objects: Objects, kind: str, name: str) -> dict[str, Any]:
    (match,) = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    return match


def _pod(objects: Objects, deployment: str = "archon-server") -> dict[str, Any]:
    return _get(objects, "Deployment", deployment)["spec"]["template"]["spec"]


# --- the shipped stacks ---------------------------------------------------------------------------


def test_shipped_stacks_pass_every_policy(shipped: Rendered) -> None:
    stack = {"archon-dev": "dev", "archon-local": "local", "archon-pr": "pr"}.get(shipped.outputs["namespace"], "prod")
    assert violations(shipped.objects, pack_config(stack)) == {name: [] for name in pack.RESOURCE_VALIDATORS} | {
        name: [] for name in pack.STACK_VALIDATORS
    }


def test_optional_services_pass_every_policy() -> None:
    rendered = render("prod", AGENTS)
    assert rendered.get("Deployment", "archon-agent-work-orders")
    assert not any(violations(rendered.objects, pack_config("prod")).values())


def test_type_tokens_are_the_providers(shipped: Rendered) -> None:
    """The validators key on pulumi-kubernetes type tokens; the objects' conversion must match
    what the program registered."""
    registered = {r.type for r in shipped.resources if r.custom and r.type.startswith("kubernetes:")}
    assert {resource_type(o) for o in shipped.objects} == registered
    assert "kubernetes:apps/v1:Deployment" in registered
    assert "kubernetes:networking.k8s.io/v1:NetworkPolicy" in registered


def test_dev_must_say_development_its_images_are_mutable_and_its_ui_open(dev: Rendered) -> None:
    found = violations(dev.objects, {})
    messages = found.pop(pack.PINNED_IMAGES)
    assert any('Deployment archon-dev/archon-server: container "server"' in m and "k8s-latest" in m for m in messages)
    assert any('init container "playwright-warmup"' in m for m in messages)
    (open_ui,) = found.pop(pack.ACCESS_CONTROL)
    assert open_ui.startswith("Ingress archon-dev/archon publishes archon-frontend, archon-server to anyone")
    assert not any(found.values())


# --- one broken variant per policy ----------------------------------------------------------------


def _container(objects: Objects) -> dict[str, Any]:
    return _pod(objects)["containers"][0]


# Each rule of Pod Security restricted, seeded into archon-server's pod; (mutation, expected words).
POD_SECURITY_BREAKS: dict[str, tuple[Callable[[dict], None], str]] = {
    "host network": (lambda p: p.update(hostNetwork=True), "hostNetwork=true"),
    "host PID": (lambda p: p.update(hostPID=True), "hostPID=true"),
    "host IPC": (lambda p: p.update(hostIPC=True), "hostIPC=true"),
    "privileged": (lambda p: p["containers"][0]["securityContext"].update(privileged=True), "privileged=true"),
    "added capability": (
        lambda p: p["containers"][0]["securityContext"]["capabilities"].update(add=["SYS_ADMIN"]),
        '"SYS_ADMIN"',
    ),
    "capabilities not dropped": (
        lambda p: p["initContainers"][0]["securityContext"].pop("capabilities"),
        'init container "playwright-warmup" must set securityContext.capabilities.drop=["ALL"]',
    ),
    "hostPath volume": (lambda p: p["volumes"].append({"name": "host", "hostPath": {"path": "/"}}), "host (hostPath)"),
    "nfs volume": (lambda p: p["volumes"].append({"name": "share", "nfs": {"server": "x", "path": "/"}}), "nfs"),
    "host port": (lambda p: p["containers"][0]["ports"][0].update(hostPort=8181), "hostPort 8181"),
    "probe host": (lambda p: p["containers"][0]["readinessProbe"]["httpGet"].update(host="10.0.0.1"), "10.0.0.1"),
    "AppArmor unconfined": (
        lambda p: p["securityContext"].update(appArmorProfile={"type": "Unconfined"}),
        "appArmorProfile.type to 'Unconfined'",
    ),
    "SELinux type": (
        lambda p: p["containers"][0]["securityContext"].update(seLinuxOptions={"type": "spc_t"}),
        "type 'spc_t'",
    ),
    "procMount": (lambda p: p["containers"][0]["securityContext"].update(procMount="Unmasked"), "procMount"),
    "seccomp unconfined": (
        lambda p: p["securityContext"].update(seccompProfile={"type": "Unconfined"}),
        '"Unconfined"; use RuntimeDefault or Localhost',
    ),
    "seccomp missing": (
        lambda p: (
            [p["securityContext"].pop("seccompProfile")]
            + [c["securityContext"].pop("seccompProfile") for c in p["containers"]]
        ),
        'pod or container "server" must set securityContext.seccompProfile.type',
    ),
    "unsafe sysctl": (
        lambda p: p["securityContext"].update(sysctls=[{"name": "kernel.msgmax", "value": "1"}]),
        "kernel.msgmax",
    ),
    "privilege escalation": (
        lambda p: p["containers"][0]["securityContext"].update(allowPrivilegeEscalation=True),
        'container "server" must set securityContext.allowPrivilegeEscalation=false',
    ),
    "runAsNonRoot false": (
        lambda p: p["containers"][0]["securityContext"].update(runAsNonRoot=False),
        "must not set securityContext.runAsNonRoot=false",
    ),
    "runAsNonRoot missing": (
        lambda p: (
            [p["securityContext"].pop("runAsNonRoot")]
            + [c["securityContext"].pop("runAsNonRoot") for c in p["initContainers"]]
        ),
        'pod or init container "playwright-warmup" must set securityContext.runAsNonRoot=true',
    ),
    "root UID": (lambda p: p["securityContext"].update(runAsUser=0), "pod must not set securityContext.runAsUser=0"),
    "host process": (
        lambda p: p["containers"][0]["securityContext"].update(windowsOptions={"hostProcess": True}),
        "hostProcess=true",
    ),
}


@pytest.mark.parametrize("rule", sorted(POD_SECURITY_BREAKS))
def test_pod_security_catches_each_rule_and_agrees_with_kubernetes(prod: Rendered, rule: str) -> None:
    objects = copy.deepcopy(prod.objects)
    mutate, expected = POD_SECURITY_BREAKS[rule]
    mutate(_pod(objects))
    messages = violations(objects, pack_config("prod"))[pack.POD_SECURITY]
    assert len(messages) >= 1
    assert all(
        m.startswith("Deployment archon/archon-server (spec.template) breaks Pod Security restricted") for m in messages
    )
    assert any(expected in m for m in messages), messages
    # Kubernetes' own evaluator (verify/podsecurity) must see the same pod as a violation.
    (result,) = [r for r in kubernetes_evaluate([_get(objects, "Deployment", "archon-server")])]
    assert result["violations"], f"the pack flags {rule!r} but Kubernetes does not"


def test_pod_security_exemptions_follow_kubernetes(prod: Rendered) -> None:
    """Windows pods skip the Linux-only checks; user-namespace pods skip runAsNonRoot/runAsUser."""
    spec = copy.deepcopy(_pod(prod.objects))
    for container in spec["containers"] + spec["initContainers"]:
        container["securityContext"].pop("allowPrivilegeEscalation")
    assert pod_security.check_pod({}, spec)
    assert pod_security.check_pod({}, {**spec, "os": {"name": "windows"}}) == []
    spec = copy.deepcopy(_pod(prod.objects))
    spec["securityContext"]["runAsUser"] = 0
    assert pod_security.check_pod({}, {**spec, "hostUsers": False}) == []


def test_apparmor_annotations_are_checked() -> None:
    key = "container.apparmor.security.beta.kubernetes.io/server"
    assert not pod_security.app_armor({"annotations": {key: "runtime/default"}}, {})
    assert not pod_security.app_armor({"annotations": {key: "localhost/archon"}}, {})
    assert pod_security.app_armor({"annotations": {key: "unconfined"}}, {})


def test_cronjob_and_pod_templates_are_found(prod: Rendered) -> None:
    server = _get(prod.objects, "Deployment", "archon-server")
    template = copy.deepcopy(server["spec"]["template"])
    template["spec"]["hostNetwork"] = True
    cronjob = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": "archon"},
        "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": template}}},
    }
    pod = {**template, "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "debug", "namespace": "archon"}}
    for obj, where in ((cronjob, "CronJob archon/nightly (spec.jobTemplate.spec.template)"), (pod, "Pod archon/debug")):
        (message,) = violations([obj], {})[pack.POD_SECURITY]
        assert message.startswith(where) and "hostNetwork=true" in message


def test_requests_and_limits_on_every_container(prod: Rendered) -> None:
    objects = copy.deepcopy(prod.objects)
    del _pod(objects)["initContainers"][0]["resources"]["limits"]["cpu"]
    del _get(objects, "Deployment", "archon-mcp")["spec"]["template"]["spec"]["containers"][0]["resources"]
    messages = only(violations(objects, pack_config("prod")), pack.REQUESTS_AND_LIMITS)
    assert sorted(messages) == [
        'Deployment archon/archon-mcp: container "mcp" has no resources requests.cpu, requests.memory, '
        "limits.cpu, limits.memory; set resources.requests and resources.limits for cpu, memory",
        'Deployment archon/archon-server: init container "playwright-warmup" has no resources limits.cpu; '
        "set resources.requests and resources.limits for cpu, memory",
    ]


def test_mutable_tag_in_production(prod: Rendered) -> None:
    objects = copy.deepcopy(prod.objects)
    _container(objects)["image"] = "git.automatizase.com.br/luis.erlacher/archon/server:latest"
    messages = only(violations(objects, pack_config("prod")), pack.PINNED_IMAGES)
    assert len(messages) == 1
    assert messages[0].startswith('Deployment archon/archon-server: container "server" runs ')
    assert "tag latest is mutable" in messages[0] and "add a digest" in messages[0]
    # Production is the default: no config at all judges the same way.
    assert violations(objects, {})[pack.PINNED_IMAGES] == messages
    # Only an explicit development environment turns it off.
    assert violations(objects, {pack.PINNED_IMAGES: {"environment": "development"}})[pack.PINNED_IMAGES] == []


def test_a_digest_pins_a_mutable_tag() -> None:
    assert not mutable_image("registry.example:5000/archon/server:latest@sha256:" + "0" * 64)
    assert mutable_image("registry.example:5000/archon/server")
    assert not mutable_image("registry.example:5000/archon/server:v1.2.3")
    assert split_image("registry.example:5000/a/b:k8s-latest@sha256:ab") == (
        "registry.example:5000/a/b",
        "k8s-latest",
        "sha256:ab",
    )


SAMPLE_TAGS = [
    "", "latest", "k8s-latest", "latest-k8s", "main", "master", "edge", "nightly", "dev", "stable",
    "v1.2.3", "k8s-2026.11.30", "1.0", "latest1", "mainline", "develop", "Latest", "stable-1", "v2-stable",
    "sha-0a1b2c", "latest-", "-latest", "dev-2026", "nightly-2026",
]  # fmt: skip


def test_program_and_pack_share_one_mutable_tag_rule() -> None:
    """The pack imports the program's rules package (policy/archon_rules links to it), and the
    rule refuses exactly the moving tags."""
    assert (ROOT / "policy" / "archon_rules").is_symlink()
    assert (ROOT / "policy" / "archon_rules").resolve() == (ROOT / "archon" / "rules").resolve()
    assert [t for t in SAMPLE_TAGS if MUTABLE_TAG.match(t)] == [
        "", "latest", "k8s-latest", "latest-k8s", "main", "master", "edge", "nightly", "dev", "stable",
        "latest-", "-latest",
    ]  # fmt: skip
    assert not mutable_image("registry/server:latest@sha256:" + "0" * 64)


def test_deployment_without_network_policy(prod: Rendered) -> None:
    objects = copy.deepcopy(prod.objects)
    rogue = copy.deepcopy(_get(objects, "Deployment", "archon-mcp"))
    rogue["metadata"].update(name="rogue", namespace="elsewhere")
    objects.append(rogue)
    messages = only(violations(objects, pack_config("prod")), pack.NETWORK_POLICY_COVERAGE)
    assert len(messages) == 1
    assert messages[0].startswith(
        "Deployment elsewhere/rogue: no NetworkPolicy in namespace elsewhere selects its pods"
    )
    assert "add a NetworkPolicy whose podSelector matches them" in messages[0]


def test_without_default_deny_each_deployment_needs_its_own_policy(prod: Rendered) -> None:
    objects = [o for o in copy.deepcopy(prod.objects) if o["metadata"]["name"] != "default-deny-all"]
    assert not any(violations(objects, pack_config("prod")).values())  # each service has its own policy
    objects = [o for o in objects if o["metadata"]["name"] != "archon-frontend-netpol"]
    messages = only(violations(objects, pack_config("prod")), pack.NETWORK_POLICY_COVERAGE)
    assert [m.split(":")[0] for m in messages] == ["Deployment archon/archon-frontend"]


def test_label_selectors() -> None:
    labels = {"app": "archon", "tier": "api"}
    assert selector_matches({}, labels)
    assert not selector_matches(None, labels)
    assert selector_matches({"matchLabels": {"app": "archon"}}, labels)
    assert not selector_matches({"matchLabels": {"app": "other"}}, labels)
    expression = {"key": "tier", "operator": "In", "values": ["api", "web"]}
    assert selector_matches({"matchExpressions": [expression]}, labels)
    assert not selector_matches({"matchExpressions": [{**expression, "operator": "NotIn"}]}, labels)
    assert selector_matches({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, labels)
    assert not selector_matches({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, labels)
    assert selector_matches({"matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["a"]}]}, labels)


def test_disruption_budget_over_the_hpa_floor(prod: Rendered) -> None:
    objects = copy.deepcopy(prod.objects)
    _get(objects, "HorizontalPodAutoscaler", "archon-server-hpa")["spec"]["minReplicas"] = 1
    messages = only(violations(objects, pack_config("prod")), pack.DRAINABLE_BUDGETS)
    assert messages == [
        "PodDisruptionBudget archon/archon-server-pdb: minAvailable 1 needs 1 of the 1 pods it selects "
        "(Deployment archon/archon-server (1, minReplicas of HorizontalPodAutoscaler archon/archon-server-hpa)) "
        "to stay up, so it blocks every node drain; run at least 2 pods or lower minAvailable to 0"
    ]


def test_disruption_budget_with_max_unavailable_zero_or_over_fixed_replicas(dev: Rendered) -> None:
    objects = copy.deepcopy(dev.objects)
    selector = _get(objects, "Deployment", "archon-server")["spec"]["selector"]
    budget = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "server-pdb", "namespace": "archon-dev"},
        "spec": {"selector": copy.deepcopy(selector), "maxUnavailable": 0},
    }
    objects.append(budget)
    messages = only(violations(objects, pack_config("dev")), pack.DRAINABLE_BUDGETS)
    assert len(messages) == 1 and "maxUnavailable 0 never lets a pod" in messages[0]
    budget["spec"] = {"selector": copy.deepcopy(selector), "minAvailable": "50%"}
    (message,) = violations(objects, pack_config("dev"))[pack.DRAINABLE_BUDGETS]
    assert message.startswith("PodDisruptionBudget archon-dev/server-pdb: minAvailable 50% needs 1 of the 1 pods")
    assert "Deployment archon-dev/archon-server (1, replicas)" in message
    _get(objects, "Deployment", "archon-server")["spec"]["replicas"] = 2
    assert violations(objects, pack_config("dev"))[pack.DRAINABLE_BUDGETS] == []


def test_load_balancer_needs_the_pack_config() -> None:
    balanced = render("prod", MCP_LOAD_BALANCER)
    messages = only(violations(balanced.objects, pack_config("dev")), pack.EXPOSED_SERVICES)
    assert messages == [
        "Service archon/archon-mcp-public is type LoadBalancer, which exposes it outside the cluster; use a "
        'ClusterIP Service behind an Ingress, or allow it in the pack config: "allowedLoadBalancers": '
        '["archon-mcp-public"]'
    ]
    for allowed in ({"allowedLoadBalancers": ["archon/archon-mcp-public"]}, {"allowLoadBalancer": True}):
        assert violations(balanced.objects, {pack.EXPOSED_SERVICES: allowed})[pack.EXPOSED_SERVICES] == []


def test_node_port_needs_the_pack_config_too(dev: Rendered) -> None:
    objects = copy.deepcopy(dev.objects)
    _get(objects, "Service", "archon-frontend")["spec"]["type"] = "NodePort"
    (message,) = only(violations(objects, pack_config("dev")), pack.EXPOSED_SERVICES)
    assert message.startswith("Service archon-dev/archon-frontend is type NodePort")


# --- the pack as the engine loads it --------------------------------------------------------------


def test_pack_has_seven_mandatory_policies() -> None:
    policies = pack.policies()
    assert [p.name for p in policies] == [
        pack.POD_SECURITY,
        pack.REQUESTS_AND_LIMITS,
        pack.PINNED_IMAGES,
        pack.NETWORK_POLICY_COVERAGE,
        pack.DRAINABLE_BUDGETS,
        pack.EXPOSED_SERVICES,
        pack.ACCESS_CONTROL,
    ]
    assert all(p.enforcement_level is pulumi_policy.EnforcementLevel.MANDATORY for p in policies)
    stack_level = {p.name for p in policies if isinstance(p, pulumi_policy.StackValidationPolicy)}
    assert stack_level == {pack.NETWORK_POLICY_COVERAGE, pack.DRAINABLE_BUDGETS}
    assert set(pack.RESOURCE_VALIDATORS) | set(pack.STACK_VALIDATORS) == {p.name for p in policies}


def test_main_builds_the_pack(monkeypatch: pytest.MonkeyPatch) -> None:
    """`__main__.py` hands the seven policies to PolicyPack, mandatory (the real one serves gRPC forever)."""
    built: list[dict[str, Any]] = []
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda **kwargs: built.append(kwargs))
    runpy.run_path(str(POLICY_DIR / "__main__.py"), run_name="__main__")
    (kwargs,) = built
    assert kwargs["name"] == pack.PACK_NAME
    assert kwargs["enforcement_level"] is pulumi_policy.EnforcementLevel.MANDATORY
    assert [p.name for p in kwargs["policies"]] == [p.name for p in pack.policies()]


def _pins(requirements: Path) -> dict[str, str]:
    lines = [line.split("#")[0].strip() for line in requirements.read_text().splitlines()]
    return dict(line.split("==", 1) for line in lines if "==" in line)


def test_pack_files_follow_the_python_layout() -> None:
    import yaml

    project = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    assert project["runtime"]["options"]["virtualenv"]
    pins, program = _pins(POLICY_DIR / "requirements.txt"), _pins(ROOT / "requirements.txt")
    assert pins["pulumi"] == program["pulumi"]
    assert pins["pulumi-policy"] == importlib.metadata.version("pulumi-policy")


@pytest.mark.parametrize("stack", ["dev", "local", "pr", "prod"])
def test_example_configs_fit_the_schemas(stack: str) -> None:
    """config.<stack>.json is the CLI's format: policy name -> {property: value} (or a level)."""
    schemas = {p.name: p.config_schema for p in pack.policies()}
    for policy, value in pack_config(stack).items():
        assert policy in schemas or policy == "all", f"{policy} is not a policy of the pack"
        if isinstance(value, str):
            assert value in ("advisory", "mandatory", "remediate", "disabled")
            continue
        properties = schemas[policy].properties if schemas[policy] else {}
        for key, setting in value.items():
            if key == "enforcementLevel":
                continue
            assert key in properties, f"{policy}.{key} is not in the policy's config schema"
            if "enum" in properties[key]:
                assert setting in properties[key]["enum"]


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    json_format.ParseDict(value, struct)
    return struct


def _serve(objects: Objects, configs: PolicyConfigs) -> list[Any]:
    """Run the pack through pulumi_policy's own analyzer service, as the engine calls it over gRPC:
    props arrive as protobuf Structs (every number a float), config through Configure."""
    from pulumi_policy.policy import _PolicyAnalyzerServicer  # the object PolicyPack serves

    servicer = _PolicyAnalyzerServicer(
        pack.PACK_NAME, "0.1.0", pack.policies(), pulumi_policy.EnforcementLevel.MANDATORY
    )
    servicer.Configure(
        analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={
                name: analyzer_pb2.PolicyConfig(enforcementLevel=analyzer_pb2.MANDATORY, properties=_struct(value))
                for name, value in configs.items()
            }
        ),
        None,
    )
    diagnostics = []
    resources = []
    for obj in objects:
        urn = f"urn:pulumi:stack::archon::{resource_type(obj)}::{obj['metadata']['name']}"
        request = dict(type=resource_type(obj), properties=_struct(obj), urn=urn, name=obj["metadata"]["name"])
        diagnostics += servicer.Analyze(analyzer_pb2.AnalyzeRequest(**request), None).diagnostics
        resources.append(analyzer_pb2.AnalyzerResource(**request))
    stack_request = analyzer_pb2.AnalyzeStackRequest(resources=resources)
    diagnostics += servicer.AnalyzeStack(stack_request, None).diagnostics
    return diagnostics


def test_the_served_pack_passes_prod_and_reports_a_break_as_mandatory(prod: Rendered) -> None:
    assert [d.message for d in _serve(prod.objects, pack_config("prod"))] == []
    objects = copy.deepcopy(render("prod", MCP_LOAD_BALANCER).objects)
    _get(objects, "HorizontalPodAutoscaler", "archon-server-hpa")["spec"]["minReplicas"] = 1
    _container(objects)["securityContext"]["allowPrivilegeEscalation"] = True
    diagnostics = _serve(objects, pack_config("dev"))  # dev config: the LoadBalancer is not allowed
    # Resource policies leave the urn to the engine; stack policies name the object's urn.
    found = sorted(
        (d.policyName, d.enforcementLevel, d.urn.rsplit("::", 1)[-1], " ".join(d.message.splitlines()[1].split()[:2]))
        for d in diagnostics
    )
    assert found == [
        (
            pack.DRAINABLE_BUDGETS,
            analyzer_pb2.MANDATORY,
            "archon-server-pdb",
            "PodDisruptionBudget archon/archon-server-pdb:",
        ),
        (pack.EXPOSED_SERVICES, analyzer_pb2.MANDATORY, "", "Service archon/archon-mcp-public"),
        (pack.POD_SECURITY, analyzer_pb2.MANDATORY, "", "Deployment archon/archon-server"),
    ]


def test_policy_package_is_self_contained() -> None:
    """The pack runs in its own virtualenv: nothing in it may import the program."""
    for source in Path(POLICY_DIR).rglob("*.py"):
        if "venv" in source.parts:
            continue
        text = source.read_text()
        assert "import archon." not in text and "from archon." not in text and "from archon " not in text, source


def test_the_pack_starts_the_way_the_language_host_runs_it(prod: Rendered) -> None:
    """`python -m pulumi.policy <engine> policy` (what the Python language host runs for
    `--policy-pack policy`) serves the seven mandatory policies, and judges over gRPC."""
    import grpc
    from google.protobuf import empty_pb2
    from pulumi.runtime.proto import analyzer_pb2_grpc

    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(POLICY_DIR)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = process.stdout.readline().strip() if process.stdout else ""
        assert port.isdigit(), process.stderr.read() if process.stderr else port
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            analyzer = analyzer_pb2_grpc.AnalyzerStub(channel)
            info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
            assert info.name == pack.PACK_NAME
            assert {p.name: p.enforcementLevel for p in info.policies} == {
                p.name: analyzer_pb2.MANDATORY for p in pack.policies()
            }
            objects = copy.deepcopy(prod.objects)
            _container(objects)["image"] = "example.com/archon/server:main"
            server = _get(objects, "Deployment", "archon-server")
            request = analyzer_pb2.AnalyzeRequest(
                type=resource_type(server), properties=_struct(server), urn="urn:server", name="archon-server"
            )
            (diagnostic,) = analyzer.Analyze(request, timeout=30).diagnostics
            assert diagnostic.policyName == pack.PINNED_IMAGES
            assert diagnostic.enforcementLevel == analyzer_pb2.MANDATORY
            assert "tag main is mutable" in diagnostic.message
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_unknown_values_during_preview_are_not_judged(prod: Rendered) -> None:
    """A value only known after `up` (here the image) makes the SDK report "can't run policy during
    preview" (advisory) instead of a verdict on a placeholder."""
    from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

    objects = copy.deepcopy(prod.objects)
    _container(objects)["image"] = UNKNOWN_STRING_VALUE
    server = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "archon-server"]
    diagnostics = _serve(server, pack_config("prod"))
    assert diagnostics
    assert {d.enforcementLevel for d in diagnostics} == {analyzer_pb2.ADVISORY}
    assert all("during preview" in d.message for d in diagnostics)


# --- no Archon published without access control ---------------------------------------------------


def edge_violations(objects: Objects, stack: str = "prod") -> list[str]:
    return violations(objects, pack_config(stack))[pack.ACCESS_CONTROL]


def test_routes_to_the_gates_pass(prod: Rendered) -> None:
    assert edge_violations(prod.objects) == []
    gateway = render(
        "prod", {"exposure": "gateway", "gateway": "gw/public", "gatewayApiChannel": "experimental", "tlsIssuer": ""}
    )
    assert {o["kind"] for o in gateway.objects} >= {"HTTPRoute"}
    assert edge_violations(gateway.objects) == []


@pytest.mark.parametrize("kind", ["Ingress", "HTTPRoute"])
def test_a_route_straight_to_archon_fails_in_production_only(kind: str) -> None:
    overrides = (
        {"exposure": "gateway", "gateway": "gw/public", "gatewayApiChannel": "experimental", "tlsIssuer": ""}
        if kind == "HTTPRoute"
        else {}
    )
    objects = copy.deepcopy(render("prod", overrides).objects)
    route = _get(objects, kind, "archon")
    if kind == "Ingress":
        route["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"] = {
            "name": "archon-server",
            "port": {"number": 8181},
        }
    else:
        route["spec"]["rules"][0]["backendRefs"] = [{"name": "archon-server", "port": 8181}]
    (message,) = edge_violations(objects)
    assert message.startswith(f"{kind} archon/archon publishes archon-server to anyone, with no access control")
    assert edge_violations(objects, "dev") == []


def test_an_acknowledged_or_network_restricted_surface_passes() -> None:
    acknowledged = render("prod", OPEN_UI)
    assert edge_violations(acknowledged.objects) == []
    restricted = render("prod", MCP_INGRESS)  # MCP straight to archon-mcp, for one network only
    assert edge_violations(restricted.objects) == []
    objects = copy.deepcopy(restricted.objects)
    _get(objects, "Ingress", "archon-mcp")["metadata"]["annotations"][
        "nginx.ingress.kubernetes.io/whitelist-source-range"
    ] = "0.0.0.0/0"
    (message,) = edge_violations(objects)
    assert "publishes archon-mcp to anyone" in message


def test_a_load_balancer_open_to_the_internet_fails() -> None:
    objects = copy.deepcopy(render("prod", MCP_LOAD_BALANCER).objects)
    assert edge_violations(objects) == []
    _get(objects, "Service", "archon-mcp-public")["spec"]["loadBalancerSourceRanges"] = ["0.0.0.0/0"]
    (message,) = edge_violations(objects)
    assert "the whole internet (0.0.0.0/0)" in message and "cannot check a credential" in message
