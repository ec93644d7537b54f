# Source this file (`. tools/env.sh`, or run `make shell`) to use the project's own tools from
# your shell: pulumi and kubectl (.tools/path), the local cluster's kubeconfig, and the `local`
# stack's file backend inside the project (.pulumi-state/) with its passphrase, which protects
# nothing and is meant for the local stack alone.
# For your own stacks, log in to your own backend instead (`pulumi login`) and unset
# PULUMI_BACKEND_URL and PULUMI_CONFIG_PASSPHRASE.
_archon_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
# .tools/path holds the commands (pulumi, kubectl, the Python language host); the Kubernetes
# provider is installed in PULUMI_HOME, where the engine looks for plugins (tools/build.sh).
export PATH="$_archon_root/.tools/path:$_archon_root/.venv/bin:$PATH"
export PULUMI_HOME="$_archon_root/.tools/pulumi-home"
export PULUMI_BACKEND_URL="file://$_archon_root/.pulumi-state"
export PULUMI_CONFIG_PASSPHRASE="archon-local-only"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export KUBECONFIG="$_archon_root/.tools/cluster/kubeconfig"
mkdir -p "$_archon_root/.pulumi-state"
unset _archon_root
