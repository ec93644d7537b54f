"""Shared fixtures: each shipped stack rendered once per test session under Pulumi's mocks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness import SHIPPED_STACKS, Rendered, render
from localcluster import Cluster

_cache: dict[str, Rendered] = {}


def rendered_stack(stack: str) -> Rendered:
    if stack not in _cache:
        _cache[stack] = render(stack)
    return _cache[stack]


@pytest.fixture(params=SHIPPED_STACKS)
def shipped(request: pytest.FixtureRequest) -> Rendered:
    """Each shipped stack in turn (dev, prod)."""
    return rendered_stack(request.param)


@pytest.fixture
def prod() -> Rendered:
    return rendered_stack("prod")


@pytest.fixture
def dev() -> Rendered:
    return rendered_stack("dev")


# ---- the local cluster -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """The local cluster: the one `make cluster` started, or a fresh one that the tests stop."""
    local = Cluster()
    started_here = not local.running()
    local.up(fresh=started_here)
    yield local
    if started_here:
        local.down()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """When a test on the local cluster fails, show what the cluster saw: the control plane's
    logs and the events of the test's namespace."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed or "cluster" not in getattr(item, "fixturenames", ()):
        return
    local: Cluster = item.funcargs.get("cluster") or Cluster()
    for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"):
        report.sections.append((f"{name}: last warnings and errors", local.log_tail(name, 15, problems_only=True)))
    for value in item.funcargs.values():
        for candidate in value.values() if isinstance(value, dict) else [value]:
            namespace = getattr(candidate, "namespace", None)
            if isinstance(namespace, str):
                events = local.kubectl("get", "events", "-n", namespace, "--sort-by=.lastTimestamp", check=False)
                report.sections.append((f"events in namespace {namespace}", events.stdout + events.stderr))
