"""The program's shape: one table per fact, narrow component inputs.

- Only ArchonStack sees the settings: every other component takes its own typed Args.
- Every service's objects come from its row of the service table; adding one is a row and what is
  truly its own.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect

import pytest

from archon.components import (
    autoscaling,
    config,
    gateway,
    ingress,
    mcp_public,
    namespace,
    network,
    secrets,
    service,
)
from archon.services import SERVICES
from harness import ROOT

COMPONENTS = {
    autoscaling.Autoscaling: autoscaling.AutoscalingArgs,
    config.ArchonConfig: config.ArchonConfigArgs,
    gateway.ArchonGatewayRoutes: gateway.ArchonGatewayRoutesArgs,
    ingress.ArchonIngress: ingress.ArchonIngressArgs,
    mcp_public.McpLoadBalancer: mcp_public.McpLoadBalancerArgs,
    namespace.ArchonNamespace: namespace.ArchonNamespaceArgs,
    network.NetworkPolicies: network.NetworkPoliciesArgs,
    secrets.ArchonSecrets: secrets.ArchonSecretsArgs,
    service.ArchonService: service.ArchonServiceArgs,
}


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.__name__)
def test_each_component_takes_its_own_args_and_never_the_settings(component):
    parameters = inspect.signature(component.__init__).parameters
    assert list(parameters) == ["self", "resource_name", "args", "opts"], component.__name__
    args = COMPONENTS[component]
    assert parameters["args"].annotation in (args, args.__name__)
    assert dataclasses.is_dataclass(args) and args.__dataclass_params__.frozen
    for field in dataclasses.fields(args):
        assert "Settings" not in str(field.type), f"{args.__name__}.{field.name} is {field.type}"


def test_no_component_module_but_the_stack_reads_the_settings_object():
    for path in sorted((ROOT / "archon" / "components").glob("*.py")):
        if path.name in ("stack.py", "__init__.py"):
            continue
        tree = ast.parse(path.read_text())
        names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
        assert "Settings" not in names | imported, path.name
        assert "pulumi.Config" not in path.read_text(), path.name


def test_every_service_has_one_row_and_its_objects_follow_it():
    from helpers_k8s import AGENTS, variant

    r = variant("prod", **AGENTS)
    deployments = {d["metadata"]["name"]: d for d in r.of_kind("Deployment")}
    for row in SERVICES:
        if row.name not in deployments:
            continue
        pod = deployments[row.name]["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsUser"] == row.uid, row.name
        assert pod["containers"][0]["ports"][0]["containerPort"] == row.port, row.name
        assert r.get("Service", row.name)["spec"]["ports"][0]["port"] == row.port, row.name
    assert {row.name for row in SERVICES} - set(deployments) == set()  # AGENTS runs all but the gates' other mode


def test_the_config_reads_nothing_but_the_loader():
    for path in sorted((ROOT / "archon").rglob("*.py")):
        if path.name == "loader.py" or "settings" in path.parts and path.name == "__init__.py":
            continue
        assert "pulumi.Config(" not in path.read_text(), path
    assert "PulumiConfigSource" in (ROOT / "archon" / "settings" / "loader.py").read_text()


def test_the_tables_are_the_only_place_a_port_is_written():
    """Ports are the service table's: no other module of the program writes one of them."""
    ports = {str(row.port) for row in SERVICES}
    for path in sorted((ROOT / "archon").rglob("*.py")):
        # The settings' default MCP client URL (localhost:8051, kubectl port-forward) is a setting.
        if path.parent.name == "services" or path.name == "model.py":
            continue
        literals = {
            str(node.value)
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Constant) and isinstance(node.value, int)
        }
        assert not literals & ports, f"{path.relative_to(ROOT)} writes a service's port: {literals & ports}"
