"""Configuration problems of the Archon program (the shared plumbing lives in `configkit`)."""

from __future__ import annotations

from archon.settings.keys import NAMESPACE
from configkit import InvalidConfiguration, Problem


def problem(key: str, message: str, fix: str) -> Problem:
    """A problem with one of this project's keys (`key` without the `archon:` namespace)."""
    return Problem(key, message, fix, namespace=NAMESPACE)


__all__ = ["InvalidConfiguration", "Problem", "problem"]
