#!/usr/bin/env bash
# `make demo`, after the tools are built and the local cluster runs: deploy the `local` stack
# with `pulumi up`, wait until every Deployment is Available, show what runs and the stack's
# outputs, then prove that a second `pulumi up` changes nothing. Expects tools/env.sh sourced.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }
namespace=archon-local

step "pulumi up of the local stack (backend: .pulumi-state/, cluster: .tools/cluster/kubeconfig)"
pulumi stack select --create --secrets-provider passphrase local >/dev/null
start=$SECONDS
pulumi up --yes --skip-preview --stack local
echo "deployed in $((SECONDS - start)) s"

step "every Deployment Available"
kubectl wait --for=condition=Available deployment --all -n "$namespace" --timeout=120s

step "what runs in namespace $namespace"
kubectl get deployments,pods,services,ingresses,networkpolicies,configmaps,secrets,resourcequota -n "$namespace" -o wide

step "stack outputs"
pulumi stack output --stack local
echo
echo "MCP client configuration (Claude Code, Cursor, ...):"
pulumi stack output --stack local mcpClientConfig

step "a second pulumi up changes nothing"
pulumi up --yes --skip-preview --expect-no-changes --stack local >/dev/null
echo "no changes."

cat <<'NEXT'

==> next steps
  - Look around:   make shell, then kubectl get all -n archon-local, pulumi stack --stack local
                   (pods are simulated by kwok: they are scheduled and become ready, but no
                   container runs; the Ingress address 192.0.2.10 is a stand-in)
  - Stop it:       make cluster-down   (make cluster starts it again, with its state)
  - Your cluster:  copy Pulumi.dev.yaml, set archon:kubeContext to your kubeconfig context, set
                   the Supabase secrets, then pulumi up --stack <name>  (README, "Deploy to your cluster")
  - Manifests for GitOps, no cluster: make render
NEXT
