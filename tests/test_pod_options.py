"""What operators set on the pods (podDefaults, <service>Pod): rendered where Kubernetes expects it,
merged over the defaults, refused with the setting's name when wrong, and typed exactly as
Kubernetes types them (compared with the OpenAPI schema that kubernetes-validate ships)."""

from __future__ import annotations

import json
from pathlib import Path

import kubernetes_validate
import pytest

from archon.settings import InvalidConfiguration
from archon.settings import pod_options as po
from harness import render
from helpers_k8s import env_of, variant

DEFAULTS = {
    "imagePullSecrets": ["registry-credentials"],
    "nodeSelector": {"kubernetes.io/os": "linux"},
    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "archon", "effect": "NoSchedule"}],
    "labels": {"team": "platform"},
}
SERVER = {
    "imagePullSecrets": ["crawler-registry"],
    "nodeSelector": {"workload": "crawler"},
    "tolerations": [{"key": "crawler", "operator": "Exists"}],
    "affinity": {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}]}
                ]
            }
        }
    },
    "priorityClassName": "archon-high",
    "env": {"HTTP_PROXY": "http://proxy.internal:3128"},
    "labels": {"cost-center": "research"},
    "annotations": {"example.com/owner": "search-team"},
}


@pytest.fixture(scope="module")
def configured():
    return variant("prod", podDefaults=DEFAULTS, serverPod=SERVER)


def test_the_service_gets_its_options_over_the_defaults(configured):
    pod = configured.pod_spec("archon-server")
    assert pod["imagePullSecrets"] == [{"name": "registry-credentials"}, {"name": "crawler-registry"}]
    assert pod["nodeSelector"] == {"kubernetes.io/os": "linux", "workload": "crawler"}
    assert pod["tolerations"] == [DEFAULTS["tolerations"][0], {"key": "crawler", "operator": "Exists"}]
    assert pod["affinity"] == SERVER["affinity"]
    assert pod["priorityClassName"] == "archon-high"
    assert env_of(configured, configured.container("archon-server"))["HTTP_PROXY"] == "http://proxy.internal:3128"
    template = configured.get("Deployment", "archon-server")["spec"]["template"]["metadata"]
    assert template["annotations"]["example.com/owner"] == "search-team"
    for kind in ("Deployment", "Service", "ServiceAccount"):
        labels = configured.get(kind, "archon-server")["metadata"]["labels"]
        assert labels["team"] == "platform" and labels["cost-center"] == "research", kind


def test_other_services_get_the_defaults_only(configured):
    pod = configured.pod_spec("archon-mcp")
    assert pod["imagePullSecrets"] == [{"name": "registry-credentials"}]
    assert pod["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert "affinity" not in pod and "priorityClassName" not in pod
    assert "HTTP_PROXY" not in env_of(configured, configured.container("archon-mcp"))


def test_the_programs_own_labels_and_selectors_stay(configured):
    deployment = configured.get("Deployment", "archon-server")
    assert deployment["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == "archon-server"
    assert deployment["metadata"]["labels"]["app.kubernetes.io/part-of"] == "archon"


def test_without_options_the_pods_are_as_before(prod):
    pod = prod.pod_spec("archon-server")
    for field in ("imagePullSecrets", "nodeSelector", "tolerations", "affinity", "priorityClassName"):
        assert field not in pod


@pytest.mark.parametrize(
    ("options", "key", "says"),
    [
        ({"serverPod": {"tolerations": [{"key": "x", "effect": "NoScheduled"}]}}, "serverPod", "tolerations[0].effect"),
        ({"serverPod": {"nodeSelecter": {"a": "b"}}}, "serverPod", "nodeSelecter"),
        ({"podDefaults": {"imagePullSecrets": ["Not A Name"]}}, "podDefaults", "imagePullSecrets[0]"),
        ({"mcpPod": {"env": {"SUPABASE_URL": "https://elsewhere"}}}, "mcpPod", "SUPABASE_URL"),
        ({"frontendPod": {"labels": {"app.kubernetes.io/name": "mine"}}}, "frontendPod", "app.kubernetes.io/name"),
        (
            {"serverPod": {"affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{}]}}}},
            "serverPod",
            "requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey",
        ),
    ],
)
def test_a_wrong_option_is_refused_with_its_setting(options, key, says):
    with pytest.raises(InvalidConfiguration) as caught:
        render("prod", options)
    (problem,) = caught.value.problems
    assert problem.key == key
    assert says in problem.message
    assert problem.fix.startswith("pulumi config")


SCHEMA = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
MODELS = {
    "Toleration": po.Toleration,
    "Affinity": po.Affinity,
    "NodeAffinity": po.NodeAffinity,
    "NodeSelector": po.NodeSelector,
    "NodeSelectorTerm": po.NodeSelectorTerm,
    "NodeSelectorRequirement": po.NodeSelectorRequirement,
    "PreferredSchedulingTerm": po.PreferredSchedulingTerm,
    "PodAffinity": po.PodAffinity,
    "PodAntiAffinity": po.PodAffinity,
    "PodAffinityTerm": po.PodAffinityTerm,
    "WeightedPodAffinityTerm": po.WeightedPodAffinityTerm,
}


@pytest.mark.parametrize("name", MODELS)
def test_the_scheduling_types_are_kubernetes_own(name):
    """Field for field, required for required, as Kubernetes' newest schema that the tests ship."""
    newest = sorted(SCHEMA.glob("v*-local-strict"), key=lambda p: tuple(map(int, p.name[1:].split("-")[0].split("."))))[
        -1
    ]
    definitions = json.loads((newest / "_definitions.json").read_text())["$defs"]
    group = "io.k8s.api.core.v1." if name != "LabelSelector" else "io.k8s.apimachinery.pkg.apis.meta.v1."
    schema = definitions[group + name]
    model = MODELS[name]
    assert set(model.model_fields) == set(schema["properties"]), name
    required = {n for n, f in model.model_fields.items() if f.is_required()}
    assert required == set(schema.get("required", [])), name
