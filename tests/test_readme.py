"""The README and docs/ cannot drift from the code: the configuration reference and the services
table are generated (test_settings.py checks them), every `archon:<key>` they mention exists, every
page the README links exists, the README stays a welcome (at most 250 lines), and its quick start is
the two commands CI relies on."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from archon.settings.keys import ALL_KEYS, SECRET_KEYS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
DOCS = {path.name: path.read_text() for path in sorted((ROOT / "docs").glob("*.md"))}
KEYS = {key.name for key in ALL_KEYS}
# `archon:<key>`, but not a type token such as `archon:index:ArchonStack`.
KEY_MENTION = re.compile(r"(?<![\w./-])archon:([A-Za-z][A-Za-z0-9]*)\b(?!:)")


def _commands(block: str) -> list[str]:
    """Shell commands of a code block or script: no blanks, comments or shell settings."""
    commands = []
    for line in block.splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith("#") and not re.match(r"^(set|cd)\b", line):
            commands.append(line)
    return commands


def _quick_start_commands() -> list[str]:
    match = re.search(r"^## Quick start\n(.*?)(?=^## )", README, re.S | re.M)
    assert match, "README has no '## Quick start' section"
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", match.group(1), re.S | re.M)
    assert len(blocks) == 1, f"the quick start should have one code block, has {len(blocks)}"
    return _commands(blocks[0])


def test_the_readme_is_a_welcome_not_a_manual() -> None:
    assert len(README.splitlines()) <= 250


def test_every_page_the_readme_links_exists() -> None:
    links = re.findall(r"\]\(((?:docs|policy)/[^)#]+)", README)
    assert {"docs/configuration.md", "docs/operating.md", "docs/security.md"} <= set(links)
    for link in links:
        assert (ROOT / link).is_file(), f"README links {link}, which does not exist"


@pytest.mark.parametrize("page", ["README.md", *DOCS])
def test_every_archon_key_mentioned_exists(page: str) -> None:
    text = README if page == "README.md" else DOCS[page]
    unknown = sorted(set(KEY_MENTION.findall(text)) - KEYS)
    assert not unknown, f"{page} mentions config keys that do not exist: {unknown}"


@pytest.mark.parametrize("key", sorted(k.name for k in SECRET_KEYS))
def test_every_secret_key_is_documented_with_how_to_set_it(key: str) -> None:
    assert f"| `{key}` |" in DOCS["configuration.md"]
    assert f"pulumi config set --secret archon:{key} " in DOCS["operating.md"] + README


def test_docs_link_only_to_pages_that_exist() -> None:
    for name, text in DOCS.items():
        for link in re.findall(r"\]\((?!https?:)([^)#]+)(?:#[^)]*)?\)", text):
            assert (ROOT / "docs" / link).resolve().exists(), f"docs/{name} links {link}, which does not exist"


def test_quick_start_is_a_main_job_and_the_tests() -> None:
    commands = _quick_start_commands()
    assert len(commands) == 2, f"the quick start should be exactly two commands, got {commands}"
    main_job, tests = commands
    assert shlex.split(main_job)[0] == "make" and main_job != "make test"
    assert tests == "make test"


def test_ci_runs_the_readme_test_command() -> None:
    ci = _commands((ROOT / ".ci" / "run").read_text())
    assert ci == [_quick_start_commands()[1]], f".ci/run runs {ci}, the README's test command is make test"


def test_quick_start_targets_exist_in_the_makefile() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([A-Za-z][\w-]*):", makefile, re.M))
    for command in _quick_start_commands():
        target = shlex.split(command)[1]
        assert target in targets, f"README's quick start runs `{command}`, but the Makefile has no {target!r} target"


def test_the_mcp_client_configuration_shown_is_what_prod_outputs() -> None:
    from harness import render

    match = re.search(r"^Stack outputs: .*?^```json\n(.*?)^```", DOCS["operating.md"], re.S | re.M)
    assert match, "docs/operating.md shows no mcpClientConfig example after 'Stack outputs:'"
    assert json.loads(match.group(1)) == json.loads(render("prod").outputs["mcpClientConfig"])
