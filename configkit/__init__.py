"""Config plumbing shared by the Archon program and the Deployments project: where raw config
strings come from, and one error that lists every problem with the command that fixes it.

It depends on the Pulumi SDK alone, so that `deployments/` (which has no pydantic) can use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import pulumi


class ConfigSource(Protocol):
    """Where raw config strings come from: `pulumi.Config` in a program, a dict in unit tests."""

    def get(self, key: str) -> str | None: ...

    def is_secret(self, key: str) -> bool: ...


class PulumiConfigSource:
    """A project's config namespace, as the engine hands it to the program."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._config = pulumi.Config(namespace)

    def get(self, key: str) -> str | None:
        return self._config.get(key)

    def is_secret(self, key: str) -> bool:
        # The SDK's own record of which keys the stack file holds encrypted.
        from pulumi.runtime.config import is_config_secret

        return is_config_secret(f"{self.namespace}:{key}")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the configuration, and the command that fixes it."""

    key: str  # without the namespace: serverReplicas
    message: str
    fix: str
    namespace: str = field(kw_only=True)  # the project's config namespace: archon

    def __str__(self) -> str:
        return f"{self.namespace}:{self.key}: {self.message}\n    Fix: {self.fix}"


class InvalidConfiguration(pulumi.RunError):
    """Raised before any resource is registered; Pulumi prints it without a traceback."""

    def __init__(self, stack: str, problems: list[Problem]) -> None:
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        body = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"Stack '{stack}' has an invalid configuration ({count}); nothing was changed.\n{body}")
