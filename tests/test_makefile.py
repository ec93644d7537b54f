"""make echoes no secret: every recipe line that loads the local stack's passphrase (tools/env.sh)
or a secret runs silent (`@`), continuation lines included."""

from __future__ import annotations

import re

from harness import ROOT

MAKEFILE = (ROOT / "Makefile").read_text()
SECRET_BEARING = re.compile(r"WITH_ENV|env\.sh|PASSPHRASE|--secret|(^|\s)pulumi\s")


def logical_recipe_lines(text: str) -> list[str]:
    """Recipe lines with their backslash continuations joined, as make runs (and echoes) them."""
    lines, current = [], ""
    for raw in text.splitlines():
        if not raw.startswith("\t") and not current:
            continue
        current += raw.strip() if current else raw[1:]
        if current.endswith("\\"):
            current = current[:-1].rstrip() + " "
            continue
        lines.append(current)
        current = ""
    return lines


def test_recipes_that_touch_secrets_are_silent() -> None:
    loud = [line for line in logical_recipe_lines(MAKEFILE) if SECRET_BEARING.search(line) and not line.startswith("@")]
    assert loud == [], f"make would echo these lines, passphrase and all: {loud}"


def test_the_check_sees_a_loud_line() -> None:
    loud = "render:\n\t$(WITH_ENV) pulumi up \\\n\t  --stack local-render\n"
    assert [line for line in logical_recipe_lines(loud) if not line.startswith("@")] == [
        "$(WITH_ENV) pulumi up --stack local-render"
    ]
