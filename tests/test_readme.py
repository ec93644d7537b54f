"""The README cannot drift from the code: its configuration reference is generated from Pulumi.yaml,
every `archon:<key>` it mentions exists, and its quick start is the two commands CI relies on."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

from archon.settings import reference
from archon.settings.keys import SECRET_KEYS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
DECLARED = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
SECRETS = {key.name for key in SECRET_KEYS}
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


def test_reference_section_matches_the_generator() -> None:
    assert reference.section(README) == reference.render(ROOT).strip(), (
        "README.md's configuration reference is stale; run: "
        ".venv/bin/python -m archon.settings.reference --write README.md"
    )


def test_check_mode_reports_a_stale_readme(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "README.md"
    stale.write_text(reference.replace(README, "| `removedKey` | string |"))
    assert reference.main(["--check", str(stale)]) == 1
    assert "--write" in capsys.readouterr().err
    assert reference.main(["--write", str(stale)]) == 0
    assert reference.main(["--check", str(stale)]) == 0


@pytest.mark.parametrize("key", sorted(DECLARED))
def test_every_declared_key_is_in_the_reference_table(key: str) -> None:
    assert f"| `{key}` |" in reference.section(README)


@pytest.mark.parametrize("key", sorted(SECRETS))
def test_every_secret_key_is_documented(key: str) -> None:
    assert f"| `{key}` |" in reference.section(README)
    assert f"pulumi config set --secret archon:{key} " in README


def test_every_archon_key_mentioned_exists() -> None:
    mentioned = set(KEY_MENTION.findall(README))
    assert mentioned, "expected the README to mention archon:<key> settings"
    unknown = sorted(mentioned - set(DECLARED) - SECRETS)
    assert not unknown, f"README mentions config keys that do not exist: {unknown}"


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

    match = re.search(r"^Stack outputs: .*?^```json\n(.*?)^```", README, re.S | re.M)
    assert match, "README shows no mcpClientConfig example after 'Stack outputs:'"
    assert json.loads(match.group(1)) == json.loads(render("prod").outputs["mcpClientConfig"])
