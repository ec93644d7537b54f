"""The component tree: `archon:index:*` components under one ArchonStack, every Kubernetes object
created through the explicit provider, real registered outputs, recommended labels everywhere, and
Services named for both image families."""

from __future__ import annotations

import re

import pulumi
import pytest

import harness
from harness import render
from helpers_k8s import (
    AGENTS,
    ALL_SERVICES,
    PORTS,
    RECOMMENDED_LABELS,
    pod_template,
    variant,
    with_agents,
)

STACK = "archon:index:ArchonStack"
COMPONENTS = {
    STACK,
    "archon:index:ArchonNamespace",
    "archon:index:ArchonConfig",
    "archon:index:ArchonSecrets",
    "archon:index:ArchonServer",
    "archon:index:ArchonMcp",
    "archon:index:ArchonFrontend",
    "archon:index:NetworkPolicies",
    "archon:index:Autoscaling",
    "archon:index:ArchonIngress",
}


def urn_types(urn: str) -> tuple[str, str]:
    """(parent type, own type) from a URN (the mocks put only the parent's type in front)."""
    *parents, own = urn.split("::")[2].split("$")
    return (parents[-1] if parents else ""), own


def ancestry(r, registration) -> list[str]:
    """The chain of component types above a resource, nearest first."""
    by_type = {}
    for reg in r.components():
        by_type.setdefault(reg.type, []).append(reg)
    chain, parent = [], urn_types(registration.urn)[0]
    while parent and parent != "pulumi:pulumi:Stack":
        chain.append(parent)
        (component,) = by_type[parent]  # component types are unique, so the chain is unambiguous
        parent = urn_types(component.urn)[0]
    return chain


def kubernetes_resources(r):
    return [reg for reg in r.resources if reg.custom and reg.type.startswith("kubernetes:")]


GATES = {"archon:index:ArchonAuth", "archon:index:ArchonMcpAuth"}


def test_component_type_tokens(shipped):
    types = [reg.type for reg in shipped.components()]
    gated = GATES if shipped.outputs["namespace"] == "archon" else set()  # prod: behind its gates
    assert set(types) == COMPONENTS | gated
    assert len(types) == len(set(types))


def test_gateway_exposure_swaps_the_ingress_component_for_routes():
    r = variant("dev", exposure="gateway", gateway="gateway-system/public")
    types = {reg.type for reg in r.components()}
    assert "archon:index:ArchonGatewayRoutes" in types and "archon:index:ArchonIngress" not in types


def test_agents_component_only_when_enabled(shipped):
    assert "archon:index:ArchonAgents" not in {reg.type for reg in shipped.components()}
    assert "archon:index:ArchonAgents" in {reg.type for reg in with_agents().components()}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_kubernetes_resource_is_under_the_stack_component(stack):
    r = with_agents(stack)
    assert kubernetes_resources(r)
    for reg in kubernetes_resources(r):
        chain = ancestry(r, reg)
        assert chain and chain[-1] == STACK, (reg.type, reg.name, chain)
        assert chain[0].startswith("archon:index:") and chain[0] != STACK, f"{reg.name} is not in a component"


def test_components_are_children_of_the_stack(prod):
    for reg in prod.components():
        expected = "pulumi:pulumi:Stack" if reg.type == STACK else STACK
        assert urn_types(reg.urn)[0] == expected, reg.type


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_kubernetes_resource_uses_the_explicit_provider(stack):
    r = with_agents(stack)
    (provider,) = [reg for reg in r.resources if reg.type == "pulumi:providers:kubernetes"]
    assert provider.inputs.get("context") or provider.inputs.get("renderYamlToDirectory")
    for reg in kubernetes_resources(r):
        assert reg.provider, f"{reg.type} {reg.name} would use the ambient kubeconfig context"
        assert reg.provider.rsplit("::", 1)[0] == provider.urn, reg.name


def test_provider_targets_the_stacks_context(prod, dev):
    for r, context in ((prod, "archon-prod"), (dev, "kind-archon")):
        (provider,) = [reg for reg in r.resources if reg.type == "pulumi:providers:kubernetes"]
        assert provider.inputs["context"] == context


@pytest.fixture(scope="module")
def registered_outputs():
    """(type, outputs) of every component's register_outputs call during one render."""
    calls = []
    original = pulumi.ComponentResource.register_outputs

    def record(self, outputs):
        calls.append((self._type, outputs))
        return original(self, outputs)

    patch = pytest.MonkeyPatch()
    patch.setattr(pulumi.ComponentResource, "register_outputs", record)
    try:
        r = render("prod", overrides=AGENTS)
    finally:
        patch.undo()
    resolved = [(t, harness.resolve(o)) for t, o in calls if t.startswith("archon:index:")]
    return r, resolved


def test_every_component_registers_real_outputs(registered_outputs):
    r, calls = registered_outputs
    types = [t for t, _ in calls]
    assert sorted(types) == sorted(reg.type for reg in r.components())  # each exactly once
    for component, outputs in calls:
        assert outputs, f"{component} registers no outputs"
        for key, value in outputs.items():
            assert value not in (None, "", [], {}), f"{component}.{key} is empty"


def test_service_outputs_name_their_objects(registered_outputs):
    r, calls = registered_outputs
    (server,) = [o for t, o in calls if t == "archon:index:ArchonServer"]
    assert server["deployment"] == "archon-server"
    assert server["service"] == "archon-server"
    assert server["image"] == r.container("archon-server")["image"]
    (stack,) = [o for t, o in calls if t == STACK]
    assert stack and all(r.outputs[key] == value for key, value in stack.items())


def test_stack_outputs_do_not_leak_between_renders():
    """Each render reports only its own stack's outputs (dev exports mcpAccess, prod does not)."""
    render("dev")
    assert "mcpAccess" not in render("prod").outputs


# --- labels and Services ---------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_recommended_labels_on_every_object(stack):
    r = with_agents(stack)
    for obj in r.objects:
        labels = obj["metadata"].get("labels", {})
        missing = [k for k in RECOMMENDED_LABELS if not labels.get(k)]
        assert not missing, (obj["kind"], obj["metadata"]["name"], missing)
        assert labels["app.kubernetes.io/part-of"] == "archon"
        assert labels["app.kubernetes.io/managed-by"] == "pulumi"
    assert len({o["metadata"]["labels"]["app.kubernetes.io/instance"] for o in r.objects}) == 1


@pytest.mark.parametrize("service", ALL_SERVICES)
def test_recommended_labels_on_pod_templates(service):
    r = with_agents()
    labels = pod_template(r, service)["metadata"]["labels"]
    assert all(labels.get(k) for k in RECOMMENDED_LABELS)
    assert labels["app.kubernetes.io/name"] == service
    selector = r.get("Deployment", service)["spec"]["selector"]["matchLabels"]
    assert selector.items() <= labels.items()
    assert "app.kubernetes.io/version" not in selector  # a selector must not change with the image


@pytest.mark.parametrize("service", ALL_SERVICES)
def test_services_named_for_both_image_families(service):
    r = with_agents()
    spec = r.get("Service", service)["spec"]
    assert spec.get("type", "ClusterIP") == "ClusterIP"
    assert [(p["port"], p["targetPort"]) for p in spec["ports"]] == [(PORTS[service], PORTS[service])]
    assert spec["selector"] == r.get("Deployment", service)["spec"]["selector"]["matchLabels"]


@pytest.mark.parametrize("service", ALL_SERVICES)
def test_one_service_account_per_service(service):
    r = with_agents()
    account = r.get("ServiceAccount", service)
    assert account["automountServiceAccountToken"] is False
    assert r.pod_spec(service)["serviceAccountName"] == service
    assert r.pod_spec(service)["automountServiceAccountToken"] is False


@pytest.mark.parametrize(
    ("tag", "digest", "label"),
    [
        ("v1.2.3", "", "v1.2.3"),
        ("k8s-2026.11.30", "sha256:" + "0" * 64, "k8s-2026.11.30"),  # the tag names the version
        ("", "sha256:" + "0123456789abcdef" * 4, "sha256-0123456789ab"),
        ("_build.7-", "", "build.7"),  # a tag may start with _ and end with - or .; a label may not
        ("v" + "9" * 100, "", "v" + "9" * 62),  # tags run to 128 characters, labels to 63
        ("", "", None),
    ],
)
def test_the_version_label_is_always_a_valid_label_value(tag: str, digest: str, label: str | None) -> None:
    from archon.k8s.labels import version_label

    assert version_label(tag, digest) == label
    if label is not None:
        assert re.fullmatch(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]", label) and len(label) <= 63


def test_render_mode_ignores_the_environments_kubeconfig(monkeypatch: pytest.MonkeyPatch) -> None:
    """KUBECONFIG in the shell (`make shell` sets it) must not reach a render-mode provider, which
    refuses a kubeconfig next to renderYamlToDirectory."""
    monkeypatch.setenv("KUBECONFIG", "/somewhere/kubeconfig")
    r = render("local", {"renderYamlToDirectory": "rendered/local", "existingSecret": "archon-local-credentials"})
    (provider,) = [reg for reg in r.resources if reg.type == "pulumi:providers:kubernetes"]
    assert provider.inputs["renderYamlToDirectory"] == "rendered/local"
    assert not provider.inputs.get("kubeconfig") and not provider.inputs.get("context")
    deployed = render("local")
    (provider,) = [reg for reg in deployed.resources if reg.type == "pulumi:providers:kubernetes"]
    assert provider.inputs["kubeconfig"] == "/somewhere/kubeconfig"  # a deployment does read it


def test_pods_of_a_multi_replica_service_spread_over_zones_and_nodes(prod, dev) -> None:
    for deployment in prod.of_kind("Deployment"):
        name = deployment["metadata"]["name"]
        spec = deployment["spec"]["template"]["spec"]
        if name in ("archon-server", "archon-frontend"):  # autoscaled 2..5 and 2..4
            constraints = spec["topologySpreadConstraints"]
            assert [c["topologyKey"] for c in constraints] == ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]
            for c in constraints:
                assert c["maxSkew"] == 1 and c["whenUnsatisfiable"] == "ScheduleAnyway"
                assert c["labelSelector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
        else:
            assert "topologySpreadConstraints" not in spec, name
    for deployment in dev.of_kind("Deployment"):  # one pod each: nothing to spread
        assert "topologySpreadConstraints" not in deployment["spec"]["template"]["spec"]
