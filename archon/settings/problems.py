"""A configuration problem and the error that reports all of them at once."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from archon.settings.keys import NAMESPACE


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the configuration, and the command that fixes it."""

    key: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{NAMESPACE}:{self.key}: {self.message}\n    Fix: {self.fix}"


class InvalidConfiguration(pulumi.RunError):
    """Raised before any resource is registered; Pulumi prints it without a traceback."""

    def __init__(self, stack: str, problems: list[Problem]) -> None:
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        body = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"Stack '{stack}' has an invalid configuration ({count}); nothing was changed.\n{body}")
