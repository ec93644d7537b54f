#!/usr/bin/env bash
# Build the project's tools from the Go module proxy into a project-local bin dir
# (default <repo>/.tools/bin). No GitHub or vendor downloads: only the module proxy
# is reachable here.
#
# Usage: tools/build.sh [--out DIR] [--use-system] [--force] [COMPONENT...]
#   COMPONENT      engine      the Pulumi CLI, a Python language host and its scripts, and
#                              the YAML language host (what the YAML example and the
#                              `pulumi new` template run on)
#                  kubernetes  the Pulumi Kubernetes provider
#                  cluster     etcd, kube-apiserver, kube-controller-manager,
#                              kube-scheduler, kubectl and kwok (the local cluster),
#                              and the Gateway API CRDs it serves
#                  default: engine kubernetes
#   --out DIR      output dir (or env PULUMI_TOOLS_BIN); default <repo>/.tools/bin
#   --use-system   (or PULUMI_USE_SYSTEM=1) if a `pulumi` >= PULUMI_MIN_VERSION and
#                  its pulumi-language-python are already on PATH, the engine is
#                  not built.
#   --force        (or PULUMI_TOOLS_FORCE=1) rebuild even if stamps match.
# Cold, on 2 cores (measured): engine ~3 min (plus 46 s for the YAML host, 0.9 GB of caches),
# kubernetes ~6 min, cluster ~6 min (about 12 GB of Go caches in all); warm, a few seconds.
#
# Progress: one line per stage when it starts and one with the time it took; the Go
# toolchain's own output goes to .tools/logs/build-<stage>.log (its tail is printed
# when a stage fails).
#
# Idempotent: each stage writes .stamp-NAME in the output dir (its versions + a hash
# of its inputs in tools/ + checksums of its outputs) and is skipped while it matches.
# Go's own caches (go env GOMODCACHE GOCACHE) are used, and every built binary is also
# kept in ${PULUMI_TOOLS_CACHE:-~/.cache/archon-pulumi}/<stage>-<input hash>/, so that
# a fresh checkout on a machine that built them before copies them instead of building.
set -euo pipefail

# ---- versions -------------------------------------------------------------
# The project pins the Python SDK pulumi==3.272.0, but the proxy does not serve
# github.com/pulumi/pulumi/pkg/v3@v3.272.0 (403); v3.274.1 is the closest newer
# served release (a newer CLI runs older Python SDKs fine).
PULUMI_VERSION="${PULUMI_VERSION:-v3.274.1}"
# The Python SDK version: pulumi-language-python-exec and the dynamic-provider
# script are taken from github.com/pulumi/pulumi/sdk/v3 at this version.
PULUMI_PY_SDK_VERSION="${PULUMI_PY_SDK_VERSION:-v3.272.0}"
# Lowest CLI version accepted by --use-system.
PULUMI_MIN_VERSION="${PULUMI_MIN_VERSION:-$PULUMI_PY_SDK_VERSION}"
# The provider module is untagged upstream (tags are repo-root v4.x.y), so the
# proxy only has pseudo-versions, and only this one: the commit tagged v4.25.0.
K8S_MODULE_VERSION="${K8S_MODULE_VERSION:-v4.0.0-20260115033456-f47bc2d6f199}"
# The YAML language host, for Pulumi YAML programs that use the Archon component package.
PULUMI_YAML_VERSION="${PULUMI_YAML_VERSION:-v1.25.0}"
K8S_VERSION="${K8S_VERSION:-v4.25.0}"           # version the binary reports
K8S_SDK_VERSION="${K8S_SDK_VERSION:-v4.25.0}"   # replaces upstream's ../sdk
# The local cluster: the newest stable Kubernetes that builds with this Go, its etcd, kwok.
KUBE_VERSION="${KUBE_VERSION:-v1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-v3.7.3}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
# CRDs the local cluster serves, so that the API server validates what the program creates.
GATEWAY_API_VERSION="${GATEWAY_API_VERSION:-v1.6.3}"
EXTERNAL_SECRETS_VERSION="${EXTERNAL_SECRETS_VERSION:-v0.16.2}"

# ---- arguments / paths ----------------------------------------------------
TOOLS_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$TOOLS_SRC/.." && pwd)"
OUT="${PULUMI_TOOLS_BIN:-}"
USE_SYSTEM="${PULUMI_USE_SYSTEM:-0}"
FORCE="${PULUMI_TOOLS_FORCE:-0}"
COMPONENTS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --use-system) USE_SYSTEM=1 ;;
    --force) FORCE=1 ;;
    --out) shift; OUT="${1:?--out needs a directory}" ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/!p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    engine|kubernetes|cluster) COMPONENTS+=("$1") ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ ${#COMPONENTS[@]} -gt 0 ] || COMPONENTS=(engine kubernetes)
TOOLS_DIR="${PULUMI_TOOLS_DIR:-$REPO/.tools}"
OUT="${OUT:-$TOOLS_DIR/bin}"
mkdir -p "$TOOLS_DIR/logs" "$OUT"
OUT="$(cd "$OUT" && pwd)"
WORK="$TOOLS_DIR/work"
# Keep everything under .tools out of git without touching the repo's .gitignore.
[ -f "$TOOLS_DIR/.gitignore" ] || echo '*' > "$TOOLS_DIR/.gitignore"

log() { printf '==> [%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
took() { local s=$(( SECONDS - $1 )); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

# One build at a time per tools dir.
if command -v flock >/dev/null; then
  exec 9>"$TOOLS_DIR/.lock"
  flock 9
fi

# ---- Go environment ---------------------------------------------------------
command -v go >/dev/null || die "go is not installed"
BINARY_CACHE="${PULUMI_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/archon-pulumi}"
# -mod=mod: the wrapper modules ship no go.sum; it is written on first build
#   (checksums verified against the checksum database as usual).
# -modcacherw: keep the module cache deletable with plain `rm -rf`.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod -modcacherw -buildvcs=false"
export CGO_ENABLED="${CGO_ENABLED:-0}"
# pkg/v3 needs go >= 1.26.6; use the installed Go unless it is older.
NEED_GO=1.26.6
HAVE_GO="$(GOTOOLCHAIN=local go env GOVERSION)"; HAVE_GO="${HAVE_GO#go}"
if [ -z "${GOTOOLCHAIN:-}" ]; then
  if [ "$(printf '%s\n%s\n' "$NEED_GO" "$HAVE_GO" | sort -V | head -1)" = "$NEED_GO" ]; then
    export GOTOOLCHAIN=local
  else
    export GOTOOLCHAIN="go$NEED_GO"   # fetched from the module proxy by the go command
    log "installed Go $HAVE_GO < $NEED_GO: using GOTOOLCHAIN=$GOTOOLCHAIN"
  fi
fi
BUILD_FLAGS=(-trimpath)

# ---- helpers ----------------------------------------------------------------
# stamp_key NAME VERSIONS FILES...: a stage's versions + content hash of its inputs.
stamp_key() {
  local name="$1" versions="$2"; shift 2
  { echo "$name $versions"
    go env GOVERSION GOOS GOARCH CGO_ENABLED
    cat "$@" /dev/null; } | sha256sum | cut -d' ' -f1
}
# Stamp = input key + checksums of the produced files, so a deleted, replaced or
# half-written binary is rebuilt. (-trimpath drops -ldflags from `go version -m`,
# and not every binary has a --version flag, hence checksums.)
stamp_of() { # KEY FILES...
  local key="$1"; shift
  echo "$key"; (cd "$OUT" && sha256sum "$@")
}
up_to_date() { # NAME KEY FILES...
  local name="$1" key="$2"; shift 2
  [ "$FORCE" != 1 ] && [ -f "$OUT/.stamp-$name" ] &&
    [ "$(stamp_of "$key" "$@" 2>/dev/null)" = "$(cat "$OUT/.stamp-$name")" ]
}
write_stamp() { local name="$1"; shift; stamp_of "$@" > "$OUT/.stamp-$name"; }
# restore_cached / save_cached NAME KEY FILES...: the built files, by input hash, across checkouts.
restore_cached() {
  local dir="$BINARY_CACHE/$1-$2" f; shift 2
  for f in "$@"; do [ -f "$dir/$f" ] || return 1; done
  for f in "$@"; do cp -p "$dir/$f" "$OUT/$f"; done
  log "restored $* from $dir"
}
save_cached() {
  local dir="$BINARY_CACHE/$1-$2" f; shift 2
  mkdir -p "$dir.tmp" && for f in "$@"; do cp -p "$OUT/$f" "$dir.tmp/$f"; done
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
}
moddir() { # MODULE@VERSION -> directory in the module cache (downloads if needed)
  (cd "$WORK" && go mod download -json "$1") | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'
}
semver_ge() { [ "$(printf '%s\n%s\n' "${2#v}" "${1#v}" | sort -V | head -1)" = "${2#v}" ]; }
# quietly STAGE CMD...: run a build command with its output in the stage's log file.
quietly() {
  local stage="$1"; shift
  local logfile="$TOOLS_DIR/logs/build-$stage.log"
  if ! "$@" >>"$logfile" 2>&1; then
    tail -n 40 "$logfile" >&2
    die "$stage: build failed (whole log: $logfile)"
  fi
}

# stage NAME VERSIONS "INPUT FILES" "OUTPUT FILES" BUILDER ESTIMATE [MORE KEY MATERIAL]
# Skips the stage when its stamp matches, restores it from the binary cache when it can, or
# runs BUILDER (which must leave the outputs in $OUT), then stamps and caches the outputs.
STAGE_NO=0
stage() {
  local name="$1" versions="$2" inputs="$3" outputs="$4" builder="$5" estimate="$6" more="${7:-}" key start
  STAGE_NO=$((STAGE_NO + 1))
  # shellcheck disable=SC2086  # inputs and outputs are word lists
  key="$(stamp_key "$name" "$versions $more" $inputs)"
  # shellcheck disable=SC2086
  if up_to_date "$name" "$key" $outputs; then
    [ -d "$BINARY_CACHE/$name-$key" ] || save_cached "$name" "$key" $outputs
    log "[$STAGE_NO] $name $versions: up to date"; return
  fi
  # shellcheck disable=SC2086
  if restore_cached "$name" "$key" $outputs; then
    write_stamp "$name" "$key" $outputs; return
  fi
  start=$SECONDS
  : > "$TOOLS_DIR/logs/build-$name.log"
  log "[$STAGE_NO] $name $versions: building (cold: $estimate on 2 cores; log in .tools/logs/build-$name.log)"
  "$builder"
  # shellcheck disable=SC2086
  write_stamp "$name" "$key" $outputs
  # shellcheck disable=SC2086
  save_cached "$name" "$key" $outputs
  log "[$STAGE_NO] $name $versions: built in $(took "$start")"
}

mkdir -p "$WORK"
[ -f "$WORK/go.mod" ] || printf 'module archon.local/tools-scratch\n\ngo 1.24\n' > "$WORK/go.mod"

# ---- engine: pulumi CLI and the Python language host -------------------------------
build_pulumi() {
  local w="$WORK/pulumi"
  rm -rf "$w"; mkdir -p "$w/cmd/pulumi-language-python" "$w/out"
  sed "s/@PULUMI_VERSION@/$PULUMI_VERSION/g" "$TOOLS_SRC/gomod/pulumi.go.mod" > "$w/go.mod"
  cp "$TOOLS_SRC/pulumi-language-python/main.go" "$w/cmd/pulumi-language-python/"
  (cd "$w" && quietly pulumi go build "${BUILD_FLAGS[@]}" -o out/ \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
      github.com/pulumi/pulumi/pkg/v3/cmd/pulumi ./cmd/pulumi-language-python)
  [ "$("$w/out/pulumi" version)" = "$PULUMI_VERSION" ] || die "built pulumi does not report $PULUMI_VERSION"
  mv -f "$w/out/pulumi" "$w/out/pulumi-language-python" "$OUT/"
}

# Scripts the official CLI distribution ships next to the language host:
# pulumi-language-python-exec runs the program; pulumi-resource-pulumi-python is the provider
# plugin of pulumi.dynamic resources. (This Pulumi version ships no pulumi-analyzer-policy-python:
# policy packs run through the language host's RunPlugin.)
copy_python_scripts() {
  local d; d="$(moddir "github.com/pulumi/pulumi/sdk/v3@$PULUMI_PY_SDK_VERSION")"
  [ -n "$d" ] || die "could not download github.com/pulumi/pulumi/sdk/v3@$PULUMI_PY_SDK_VERSION"
  install -m 0755 "$d/python/cmd/pulumi-language-python-exec" "$d/python/dist/pulumi-resource-pulumi-python" "$OUT/"
}

# The YAML language host: pulumi-yaml's, wrapped to answer the Link RPC (see its main.go).
build_yaml() {
  local w="$WORK/yaml"
  rm -rf "$w"; mkdir -p "$w/cmd/pulumi-language-yaml" "$w/out"
  sed "s/@PULUMI_YAML_VERSION@/$PULUMI_YAML_VERSION/g" "$TOOLS_SRC/gomod/yaml.go.mod" > "$w/go.mod"
  cp "$TOOLS_SRC/pulumi-language-yaml/main.go" "$w/cmd/pulumi-language-yaml/"
  (cd "$w" && quietly yaml go build "${BUILD_FLAGS[@]}" -o out/ -ldflags "-s -w" ./cmd/pulumi-language-yaml)
  mv -f "$w/out/pulumi-language-yaml" "$OUT/"
}

# ---- kubernetes: the Pulumi Kubernetes provider --------------------------------------
build_kubernetes() {
  local w="$WORK/kubernetes" src
  rm -rf "$w"; mkdir -p "$w/gen" "$w/out"
  src="$(moddir "github.com/pulumi/pulumi-kubernetes/provider/v4@$K8S_MODULE_VERSION")"
  [ -n "$src" ] || die "could not download the kubernetes provider module $K8S_MODULE_VERSION"
  cp -r "$src" "$w/provider"; chmod -R u+w "$w/provider"
  sed -e "s/@K8S_MODULE_VERSION@/$K8S_MODULE_VERSION/g" -e "s/@K8S_SDK_VERSION@/$K8S_SDK_VERSION/g" \
    "$TOOLS_SRC/gomod/kubernetes.go.mod" > "$w/go.mod"
  # Upstream's `//go:generate go run ./generate.go` (with VERSION set) writes
  # schema-embed.json (schema.json re-serialized, compact, with "version" set)
  # and terraform-mapping-embed.json. Run that same generate.go, built inside
  # the wrapper module (the provider's own go.mod points at ../sdk, absent here).
  cp "$w/provider/cmd/pulumi-resource-kubernetes/generate.go" "$w/gen/generate.go"
  (cd "$w" && quietly kubernetes go build -o out/gen-schema ./gen/generate.go)
  (cd "$w/provider/cmd/pulumi-resource-kubernetes" && VERSION="${K8S_VERSION#v}" quietly kubernetes "$w/out/gen-schema")
  (cd "$w" && quietly kubernetes go build "${BUILD_FLAGS[@]}" -o out/ \
      -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_VERSION" \
      github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes)
  mv -f "$w/out/pulumi-resource-kubernetes" "$OUT/"
}

# ---- cluster: etcd, the Kubernetes control plane and kubectl, kwok ----------------------
build_etcd() {
  local w="$WORK/etcd"
  rm -rf "$w"; mkdir -p "$w/out"
  sed "s/@ETCD_VERSION@/$ETCD_VERSION/g" "$TOOLS_SRC/gomod/etcd.go.mod" > "$w/go.mod"
  (cd "$w" && quietly etcd go build "${BUILD_FLAGS[@]}" -o out/etcd -ldflags "-s -w" go.etcd.io/etcd/server/v3)
  mv -f "$w/out/etcd" "$OUT/"
}

KUBE_COMMANDS=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
build_kube() {
  local w="$WORK/kube" minor="${KUBE_VERSION#v1.}" ldflags="-s -w" pkg cmd packages=()
  minor="${minor%%.*}"
  rm -rf "$w"; mkdir -p "$w/out"
  sed -e "s/@KUBE_VERSION@/$KUBE_VERSION/g" -e "s/@STAGING_VERSION@/v0.${KUBE_VERSION#v1.}/g" \
    "$TOOLS_SRC/gomod/kube.go.mod" > "$w/go.mod"
  # Without these the binaries report v0.0.0-master and version-sniffing clients get confused.
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  for cmd in "${KUBE_COMMANDS[@]}"; do packages+=("k8s.io/kubernetes/cmd/$cmd"); done
  # One `go build` for all four, so they share the build cache and one module graph.
  (cd "$w" && quietly kube go build "${BUILD_FLAGS[@]}" -o out/ -ldflags "$ldflags" "${packages[@]}")
  for cmd in "${KUBE_COMMANDS[@]}"; do mv -f "$w/out/$cmd" "$OUT/"; done
}

# kwok-stages.yaml: kwok's Stage CRD, then the default stages kwok's module ships (nodes that
# initialize and keep a lease, pods that become ready, complete and go away), read by
# localcluster at start-up. A bare kwok binary has no stages of its own.
KWOK_STAGES=(node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease
  pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete)
build_kwok() {
  local w="$WORK/kwok" src s
  rm -rf "$w"; mkdir -p "$w/out"
  (cd "$WORK" && GOBIN="$w/out" quietly kwok go install "${BUILD_FLAGS[@]}" -ldflags "-s -w" \
      "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION")
  src="$(moddir "sigs.k8s.io/kwok@$KWOK_VERSION")"
  { cat "$src/kustomize/crd/bases/kwok.x-k8s.io_stages.yaml"
    for s in "${KWOK_STAGES[@]}"; do printf '\n---\n'; cat "$src/kustomize/stage/$s.yaml"; done
  } > "$w/out/kwok-stages.yaml"
  mv -f "$w/out/kwok" "$w/out/kwok-stages.yaml" "$OUT/"
}

# gateway-api-crds.yaml: the Gateway API CRDs of the experimental channel (a superset of the
# standard one; only it has HTTPRoute's sessionPersistence), taken from the module.
GATEWAY_API_CRDS=(gatewayclasses gateways httproutes referencegrants)
bundle_gateway_api() {
  local src c
  src="$(moddir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")"
  [ -n "$src" ] || die "could not download sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION"
  for c in "${GATEWAY_API_CRDS[@]}"; do
    printf -- '---\n'; sed '/^---$/d' "$src/config/crd/experimental/gateway.networking.k8s.io_$c.yaml"
  done > "$OUT/gateway-api-crds.yaml.tmp"
  mv "$OUT/gateway-api-crds.yaml.tmp" "$OUT/gateway-api-crds.yaml"
}

# external-secrets-crds.yaml: the External Secrets Operator's CRDs that a stack with
# externalSecret uses (ExternalSecret and the stores it names), taken from the module.
EXTERNAL_SECRETS_CRDS=(externalsecrets secretstores clustersecretstores)
bundle_external_secrets() {
  local src c
  src="$(moddir "github.com/external-secrets/external-secrets@$EXTERNAL_SECRETS_VERSION")"
  [ -n "$src" ] || die "could not download github.com/external-secrets/external-secrets@$EXTERNAL_SECRETS_VERSION"
  for c in "${EXTERNAL_SECRETS_CRDS[@]}"; do
    printf -- '---\n'; sed '/^---$/d' "$src/config/crds/bases/external-secrets.io_$c.yaml"
  done > "$OUT/external-secrets-crds.yaml.tmp"
  mv "$OUT/external-secrets-crds.yaml.tmp" "$OUT/external-secrets-crds.yaml"
}

# What the rest of the project uses, in the places it looks: the commands in .tools/path (what
# tools/env.sh and the tests put on PATH), and the Kubernetes provider where the engine looks for
# plugins, the project's PULUMI_HOME; not on PATH, where the engine would warn that it uses an
# "ambient" plugin. Only for the default output directory (`--out` builds elsewhere are not used).
COMMANDS=(pulumi pulumi-language-python pulumi-language-python-exec pulumi-language-yaml kubectl)
publish() {
  [ "$OUT" = "$TOOLS_DIR/bin" ] || return 0
  local path="$TOOLS_DIR/path" plugin="$TOOLS_DIR/pulumi-home/plugins/resource-kubernetes-$K8S_VERSION" c
  mkdir -p "$path"
  for c in "${COMMANDS[@]}"; do
    if [ -x "$OUT/$c" ]; then ln -sfn "../bin/$c" "$path/$c"; else rm -f "$path/$c"; fi
  done
  if [ -x "$OUT/pulumi-resource-kubernetes" ]; then
    mkdir -p "$plugin"
    cmp -s "$OUT/pulumi-resource-kubernetes" "$plugin/pulumi-resource-kubernetes" ||
      cp -p "$OUT/pulumi-resource-kubernetes" "$plugin/pulumi-resource-kubernetes"
  fi
}

# Everything runs from main so that editing this file during a build is safe.
main() {
  local start=$SECONDS component sys sysver
  log "output: $OUT; go: $(go env GOVERSION), GOTOOLCHAIN=$GOTOOLCHAIN"
  for component in "${COMPONENTS[@]}"; do
    case "$component" in
      engine)
        sys=""
        if [ "$USE_SYSTEM" = 1 ]; then
          sys="$(PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$OUT" | paste -sd:)" command -v pulumi || true)"
          if [ -n "$sys" ] && [ -x "$(dirname "$sys")/pulumi-language-python" ] &&
             sysver="$("$sys" version 2>/dev/null)" && semver_ge "$sysver" "$PULUMI_MIN_VERSION"; then
            log "using system pulumi $sysver at $sys (not building pulumi / pulumi-language-python)"
          else
            log "no suitable system pulumi (>= $PULUMI_MIN_VERSION with pulumi-language-python beside it); building"
            sys=""
          fi
        fi
        if [ -z "$sys" ]; then
          stage pulumi "$PULUMI_VERSION" \
            "$TOOLS_SRC/gomod/pulumi.go.mod $TOOLS_SRC/pulumi-language-python/main.go" \
            "pulumi pulumi-language-python" build_pulumi "~3 min"
          stage python-scripts "$PULUMI_PY_SDK_VERSION" "" \
            "pulumi-language-python-exec pulumi-resource-pulumi-python" copy_python_scripts "seconds"
        fi
        if [ -n "$sys" ] && [ -x "$(dirname "$sys")/pulumi-language-yaml" ]; then
          log "using the system pulumi's pulumi-language-yaml"
        else
          stage yaml "$PULUMI_YAML_VERSION" \
            "$TOOLS_SRC/gomod/yaml.go.mod $TOOLS_SRC/pulumi-language-yaml/main.go" pulumi-language-yaml build_yaml "~1 min"
        fi
        ;;
      kubernetes)
        stage kubernetes "$K8S_VERSION" "$TOOLS_SRC/gomod/kubernetes.go.mod" \
          pulumi-resource-kubernetes build_kubernetes "~6 min" "$K8S_MODULE_VERSION $K8S_SDK_VERSION"
        ;;
      cluster)
        stage etcd "$ETCD_VERSION" "$TOOLS_SRC/gomod/etcd.go.mod" etcd build_etcd "~20 s"
        stage kube "$KUBE_VERSION" "$TOOLS_SRC/gomod/kube.go.mod" "${KUBE_COMMANDS[*]}" build_kube "~5 min"
        stage kwok "$KWOK_VERSION" "" "kwok kwok-stages.yaml" build_kwok "~1 min" "${KWOK_STAGES[*]}"
        stage gateway-api "$GATEWAY_API_VERSION" "" gateway-api-crds.yaml bundle_gateway_api "seconds" \
          "${GATEWAY_API_CRDS[*]}"
        stage external-secrets "$EXTERNAL_SECRETS_VERSION" "" external-secrets-crds.yaml bundle_external_secrets \
          "seconds" "${EXTERNAL_SECRETS_CRDS[*]}"
        ;;
    esac
  done
  publish
  log "done in $(took "$start"): ${COMPONENTS[*]} in $OUT"
}

main "$@"; exit $?
