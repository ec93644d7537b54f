"""Shared fixtures: each shipped stack rendered once per test session under Pulumi's mocks."""

from __future__ import annotations

import pytest

from harness import SHIPPED_STACKS, Rendered, render

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
