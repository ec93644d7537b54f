"""Renders README.md's configuration reference from Pulumi.yaml and the shipped stack files.

Why: Pulumi.yaml's `config:` block is the single source of every non-secret key (type, description,
default) and `Pulumi.<stack>.yaml` holds what each stack changes. Generating the README's tables
from them, and checking the result in the tests, means a key that is added, removed or
re-described cannot leave the documentation behind.

Usage (from the project root):
    python -m archon.settings.reference README.md           # print the generated section
    python -m archon.settings.reference --write README.md   # replace it between the markers
    python -m archon.settings.reference --check README.md   # exit 1 if README.md is stale

Tooling only: the Pulumi program never imports this module, so PyYAML (a dev requirement) is
imported lazily and the program keeps needing only its runtime requirements.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from archon.settings.keys import BY_NAME, SECRET_KEYS, SERVICES

ROOT = Path(__file__).resolve().parents[2]
START = "<!-- config-reference:start -->"
END = "<!-- config-reference:end -->"

# Secret keys are not declared in Pulumi.yaml (a declared key would be demanded from stacks that
# use existingSecret), so their documentation lives here: (required?, what it becomes).
SECRET_DOCS: dict[str, tuple[str, str]] = {
    "supabaseUrl": (
        "yes, unless `existingSecret`",
        "`SUPABASE_URL`: the Supabase project URL; https unless the host is private.",
    ),
    "supabaseServiceKey": (
        "yes, unless `existingSecret`",
        "`SUPABASE_SERVICE_KEY`: the service-role (secret) key; anon/publishable keys are refused.",
    ),
    "openaiApiKey": ("no", "`OPENAI_API_KEY`: must start with `sk-`."),
    "logfireToken": ("no", "`LOGFIRE_TOKEN`: Logfire telemetry token."),
    "kubeconfig": (
        "no",
        "kubeconfig (contents or path) for the explicit Kubernetes provider, for automation; never reaches a pod.",
    ),
    "oidcClientSecret": (
        "with `uiAccess: oidc`, unless `existingSecret`",
        "`OIDC_CLIENT_SECRET`: the OIDC client's secret; the UI's gate reads it.",
    ),
    "authCookieSecret": (
        "with a gate (`uiAccess` oidc or basicAuth, `mcpAuth: credential`), unless `existingSecret`",
        "At least 32 characters (`openssl rand -base64 32`). Each gate signs its session cookies with "
        "its own key derived from it (`AUTH_COOKIE_SECRET`, `MCP_AUTH_COOKIE_SECRET`).",
    ),
    "uiHtpasswd": (
        "with `uiAccess: basicAuth`, unless `existingSecret`",
        "`UI_HTPASSWD`: the users who may sign in, bcrypt htpasswd lines (`htpasswd -nbB <user> <password>`).",
    ),
    "mcpHtpasswd": (
        "with `mcpAuth: credential`, unless `existingSecret`",
        "`MCP_HTPASSWD`: the MCP clients' credentials, bcrypt htpasswd lines; a client sends "
        "`Authorization: Basic <base64 of user:password>`.",
    ),
}

_SERVICE_TITLES = {
    "server": "archon-server",
    "mcp": "archon-mcp",
    "agents": "archon-agents",
    "frontend": "archon-frontend",
    "auth": "Access gates (oauth2-proxy: archon-auth, archon-mcp-auth)",
}


def _load_yaml(path: Path) -> Any:
    import yaml  # dev requirement; see the module docstring

    return yaml.safe_load(path.read_text()) or {}


# The stack files this repository ships (a test keeps this in step with git; `make render` writes
# an ignored Pulumi.local-render.yaml beside them, which is not one of them).
SHIPPED_STACKS = ("dev", "local", "pr", "prod")


def stack_files(root: Path = ROOT) -> dict[str, dict[str, Any]]:
    """Each shipped stack's `archon:` settings, by stack name, sorted."""
    stacks = {}
    for name in SHIPPED_STACKS:
        config = _load_yaml(root / f"Pulumi.{name}.yaml").get("config") or {}
        stacks[name] = {k.split(":", 1)[1]: v for k, v in config.items() if k.startswith("archon:")}
    return stacks


def _type(spec: dict[str, Any]) -> str:
    if spec.get("type") == "array":
        return f"{spec.get('items', {}).get('type', 'any')}[]"
    return str(spec.get("type", ""))


def _value(value: Any) -> str:
    """A config value as a table cell: code-formatted, lists comma-separated."""
    if isinstance(value, dict) and "secure" in value:
        return "(secret)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) if value else "`[]`"
    if value == "":
        return '`""`'
    return f"`{value}`"


def _cell(text: str) -> str:
    """Plain text as one table cell: no line breaks, and `|`, `*`, `<`, `>` kept literal."""
    text = " ".join(str(text).split()).replace("|", "\\|").replace("*", "\\*")
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _group(key: str) -> str:
    """Per-service keys (`serverTag`, ...) by service; everything else is general."""
    known = BY_NAME.get(key)
    if known and known.path[0] in SERVICES:
        return known.path[0]
    return "general"


def render(root: Path = ROOT) -> str:
    """The Markdown that belongs between the markers (without them)."""
    declared: dict[str, dict[str, Any]] = _load_yaml(root / "Pulumi.yaml").get("config") or {}
    stacks = stack_files(root)
    groups: dict[str, list[str]] = {"general": [], **{s: [] for s in SERVICES}}
    for key in declared:  # Pulumi.yaml's order, which is already grouped by topic
        groups[_group(key)].append(key)

    header = ["Key", "Type", "Default", *stacks, "Description"]
    lines = [
        "<!-- Generated by `python -m archon.settings.reference --write README.md` from Pulumi.yaml "
        "and Pulumi.*.yaml; do not edit by hand. -->",
        "",
        f"Columns {', '.join(f'`{s}`' for s in stacks)}: the value `Pulumi.<stack>.yaml` sets; "
        "empty means the default.",
    ]
    for group, keys in groups.items():
        if not keys:
            continue
        lines += [
            "",
            f"#### {'General, edge, access, MCP and network' if group == 'general' else _SERVICE_TITLES[group]}",
            "",
        ]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for key in keys:
            spec = declared[key]
            cells = [f"`{key}`", _type(spec), _value(spec.get("default", ""))]
            cells += [_value(values[key]) if key in values else "" for values in stacks.values()]
            cells.append(_cell(spec.get("description", "")))
            lines.append("| " + " | ".join(cells) + " |")

    lines += ["", "#### Secrets (not in Pulumi.yaml; set with `pulumi config set --secret`)", ""]
    lines += ["| Key | Required | Becomes |", "|---|---|---|"]
    for key in SECRET_KEYS:
        if key.name not in SECRET_DOCS:
            raise KeyError(f"secret key {key.name!r} has no entry in SECRET_DOCS ({__file__})")
        required, becomes = SECRET_DOCS[key.name]
        lines.append(f"| `{key.name}` | {required} | {_cell(becomes)} |")
    return "\n".join(lines)


def section(readme: str) -> str:
    """The text between the markers of `readme` (stripped)."""
    if START not in readme or END not in readme:
        raise ValueError(f"README has no {START} ... {END} section")
    return readme.split(START, 1)[1].split(END, 1)[0].strip()


def replace(readme: str, body: str) -> str:
    section(readme)  # validates the markers
    head, rest = readme.split(START, 1)
    tail = rest.split(END, 1)[1]
    return f"{head}{START}\n{body}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m archon.settings.reference", description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 if README differs from the generated reference")
    mode.add_argument("--write", action="store_true", help="replace the reference section of README in place")
    parser.add_argument("readme", type=Path)
    args = parser.parse_args(argv)

    body = render()
    if not (args.check or args.write):
        print(body)
        return 0
    text = args.readme.read_text()
    updated = replace(text, body)
    if args.write:
        if updated != text:
            args.readme.write_text(updated)
        return 0
    if updated != text:
        print(
            f"{args.readme}: the configuration reference differs from Pulumi.yaml and the stack files.\n"
            f"Regenerate it: python -m archon.settings.reference --write {args.readme}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
