"""What only archon-agent-work-orders has: the tightest box of all the services.

It runs the Claude Code CLI with `--dangerously-skip-permissions` and `gh` on GitHub repositories
(Archon v1, python/src/agent_work_orders): treat it as running untrusted code. So it gets
- its own Secret keys (Anthropic key or Claude OAuth token, GitHub token), which no other service
  receives, and none of the others' (no Supabase key: its state stays in its work directory);
- one writable directory, /tmp, with the size limit agentWorkOrdersWorkDirSize: repository clones
  and worktrees (AGENT_WORK_ORDER_TEMP_DIR), its state files, and HOME (the CLI writes ~/.claude);
- no service-account token, and (table) egress to DNS, HTTPS on the internet, archon-server and
  archon-mcp only, and ingress from archon-server only.

The image keeps the CLI in /home/agentuser/.local/bin (on its PATH) and git's credential helper
in /home/agentuser/.gitconfig; HOME moves to the work directory, so git is pointed at that file.
"""

from __future__ import annotations

from archon.k8s.pod import WritableDir
from archon.services.rows import Audience, SecretKey
from archon.services.specifics import Refs, Specifics
from archon.settings.model import Settings

PORT = 8053
WORK_DIR = "/tmp"
ANTHROPIC_API_KEY = "ANTHROPIC_API_KEY"
CLAUDE_CODE_OAUTH_TOKEN = "CLAUDE_CODE_OAUTH_TOKEN"
GH_TOKEN = "GH_TOKEN"
SECRETS = (
    SecretKey(ANTHROPIC_API_KEY, Audience.WORK_ORDERS, optional=True),
    SecretKey(CLAUDE_CODE_OAUTH_TOKEN, Audience.WORK_ORDERS, optional=True),
    SecretKey(GH_TOKEN, Audience.WORK_ORDERS),
)


def specifics(settings: Settings, refs: Refs) -> Specifics:
    values = {
        "ENABLE_AGENT_WORK_ORDERS": "true",
        "AGENT_WORK_ORDERS_PORT": str(PORT),
        "ARCHON_SERVER_URL": refs.urls["server"],
        "ARCHON_MCP_URL": refs.urls["mcp"],
        "LOG_LEVEL": settings.log_level.value,
        "AGENT_WORK_ORDER_TIMEOUT": str(settings.agent_work_orders_timeout_seconds),
        "CLAUDE_CLI_MODEL": settings.agent_work_orders_model,
        # State in the work directory, not in Supabase: it never holds the Supabase key.
        "STATE_STORAGE_TYPE": "file",
        "FILE_STATE_DIRECTORY": f"{WORK_DIR}/agent-work-orders-state",
        "AGENT_WORK_ORDER_TEMP_DIR": f"{WORK_DIR}/agent-work-orders",
        "WORKTREE_BASE_DIR": f"{WORK_DIR}/agent-work-orders/trees",
        "HOME": f"{WORK_DIR}/home",
        "GIT_CONFIG_GLOBAL": "/home/agentuser/.gitconfig",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env = [{"name": name, "value": value} for name, value in values.items()]
    return Specifics(env=env, writable=(WritableDir("work", WORK_DIR, settings.agent_work_orders_work_dir_size),))
