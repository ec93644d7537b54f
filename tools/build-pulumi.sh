#!/usr/bin/env bash
# Build the Pulumi CLI, a Python language host and the Kubernetes provider from
# the Go module proxy into a project-local bin dir (default <repo>/.tools/bin).
# No GitHub / get.pulumi.com downloads: only the Go module proxy is reachable.
#
# Usage: tools/build-pulumi.sh [OUT_DIR] [--use-system] [--force]
#   OUT_DIR        output dir (or env PULUMI_TOOLS_BIN); default <repo>/.tools/bin
#   --use-system   (or PULUMI_USE_SYSTEM=1) if a `pulumi` >= PULUMI_MIN_VERSION and
#                  its pulumi-language-python are already on PATH, don't build
#                  those; only the kubernetes provider is built.
#   --force        (or PULUMI_TOOLS_FORCE=1) rebuild even if stamps match.
# Then: export PATH="<OUT_DIR>:$PATH" PULUMI_SKIP_UPDATE_CHECK=true \
#         PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true   (never try downloads)
# Cold build ~26 min on 2 cores (~8.5 GB of Go caches); with warm caches ~25 s.
#
# Idempotent: each component writes .stamp-NAME in OUT_DIR (versions + hash of
# its inputs in tools/ + checksums of its outputs) and is skipped while it matches.
# Go's own caches (go env GOMODCACHE GOCACHE) are used, and every built binary is also kept in
# ${PULUMI_TOOLS_CACHE:-~/.cache/archon-pulumi}/<component>-<input hash>/, so that a fresh
# checkout on a machine that built them before copies them instead of building.
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
# pulumi-kubernetes==4.34.2 (PyPI) asks for plugin v4.34.2, which the proxy does
# not have; the engine uses the provider found on PATH whatever its version.
K8S_MODULE_VERSION="${K8S_MODULE_VERSION:-v4.0.0-20260115033456-f47bc2d6f199}"
K8S_VERSION="${K8S_VERSION:-v4.25.0}"           # version the binary reports
K8S_SDK_VERSION="${K8S_SDK_VERSION:-v4.25.0}"   # replaces upstream's ../sdk

# ---- arguments / paths ----------------------------------------------------
TOOLS_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$TOOLS_SRC/.." && pwd)"
OUT="${PULUMI_TOOLS_BIN:-}"
USE_SYSTEM="${PULUMI_USE_SYSTEM:-0}"
FORCE="${PULUMI_TOOLS_FORCE:-0}"
for arg in "$@"; do
  case "$arg" in
    --use-system) USE_SYSTEM=1 ;;
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/!p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "unknown option: $arg" >&2; exit 2 ;;
    *) OUT="$arg" ;;
  esac
done
TOOLS_DIR="${PULUMI_TOOLS_DIR:-$REPO/.tools}"
OUT="${OUT:-$TOOLS_DIR/bin}"
mkdir -p "$TOOLS_DIR" "$OUT"
OUT="$(cd "$OUT" && pwd)"
WORK="$TOOLS_DIR/work"
# Keep everything under .tools out of git without touching the repo's .gitignore.
[ -f "$TOOLS_DIR/.gitignore" ] || echo '*' > "$TOOLS_DIR/.gitignore"

log() { printf '==> [%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

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
# stamp_key NAME FILES...: versions + content hash of the inputs of a component.
stamp_key() {
  local name="$1"; shift
  { echo "$name $PULUMI_VERSION $PULUMI_PY_SDK_VERSION $K8S_MODULE_VERSION $K8S_VERSION $K8S_SDK_VERSION"
    go env GOVERSION GOOS GOARCH CGO_ENABLED
    cat "$@"; } | sha256sum | cut -d' ' -f1
}
# Stamp = input key + checksums of the produced files, so a deleted, replaced or
# half-written binary is rebuilt. (-trimpath drops -ldflags from `go version -m`,
# and the provider has no --version flag, hence checksums.)
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
  for f in "$@"; do [ -x "$dir/$f" ] || return 1; done
  for f in "$@"; do install -m 0755 "$dir/$f" "$OUT/$f"; done
  log "restored $* from $dir"
}
save_cached() {
  local dir="$BINARY_CACHE/$1-$2" f; shift 2
  mkdir -p "$dir.tmp" && for f in "$@"; do install -m 0755 "$OUT/$f" "$dir.tmp/$f"; done
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
}
moddir() { # MODULE@VERSION -> directory in the module cache (downloads if needed)
  (cd "$WORK" && go mod download -json "$1") | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'
}
semver_ge() { [ "$(printf '%s\n%s\n' "${2#v}" "${1#v}" | sort -V | head -1)" = "${2#v}" ]; }

mkdir -p "$WORK"
[ -f "$WORK/go.mod" ] || printf 'module archon.local/tools-scratch\n\ngo 1.24\n' > "$WORK/go.mod"
log "output: $OUT"
log "go: $(go version) GOTOOLCHAIN=$GOTOOLCHAIN GOMODCACHE=$(go env GOMODCACHE) GOCACHE=$(go env GOCACHE)"

# ---- 1+2. pulumi CLI and the Python language host ----------------------------
build_pulumi() {
  local key; key="$(stamp_key pulumi "$TOOLS_SRC/gomod/pulumi.go.mod" "$TOOLS_SRC/pulumi-language-python/main.go")"
  if up_to_date pulumi "$key" pulumi pulumi-language-python &&
     [ "$("$OUT/pulumi" version 2>/dev/null)" = "$PULUMI_VERSION" ] &&
     [ "$("$OUT/pulumi-language-python" -version 2>/dev/null)" = "$PULUMI_VERSION" ]; then
    [ -d "$BINARY_CACHE/pulumi-$key" ] || save_cached pulumi "$key" pulumi pulumi-language-python
    log "pulumi $PULUMI_VERSION + pulumi-language-python: up to date"; return
  fi
  if restore_cached pulumi "$key" pulumi pulumi-language-python; then
    write_stamp pulumi "$key" pulumi pulumi-language-python; return
  fi
  local w="$WORK/pulumi"
  rm -rf "$w"; mkdir -p "$w/cmd/pulumi-language-python" "$w/out"
  sed "s/@PULUMI_VERSION@/$PULUMI_VERSION/g" "$TOOLS_SRC/gomod/pulumi.go.mod" > "$w/go.mod"
  cp "$TOOLS_SRC/pulumi-language-python/main.go" "$w/cmd/pulumi-language-python/"
  log "building pulumi $PULUMI_VERSION and pulumi-language-python (cold: ~10 min on 2 cores)"
  (cd "$w" && go build "${BUILD_FLAGS[@]}" -o out/ \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
      github.com/pulumi/pulumi/pkg/v3/cmd/pulumi ./cmd/pulumi-language-python)
  [ "$("$w/out/pulumi" version)" = "$PULUMI_VERSION" ] || die "built pulumi does not report $PULUMI_VERSION"
  mv -f "$w/out/pulumi" "$w/out/pulumi-language-python" "$OUT/"
  write_stamp pulumi "$key" pulumi pulumi-language-python
  save_cached pulumi "$key" pulumi pulumi-language-python
}

# Scripts the official CLI distribution ships next to the language host.
copy_python_scripts() {
  local key; key="$(stamp_key python-scripts /dev/null)"
  if up_to_date python-scripts "$key" pulumi-language-python-exec pulumi-resource-pulumi-python; then
    log "python runtime scripts: up to date"; return
  fi
  local d; d="$(moddir "github.com/pulumi/pulumi/sdk/v3@$PULUMI_PY_SDK_VERSION")"
  [ -n "$d" ] || die "could not download github.com/pulumi/pulumi/sdk/v3@$PULUMI_PY_SDK_VERSION"
  # pulumi-language-python-exec: runs the program (needed by the language host).
  # pulumi-resource-pulumi-python: provider plugin for pulumi.dynamic resources.
  # (pulumi-analyzer-policy-python is not shipped by this Pulumi version: policy
  #  packs run through the language host's RunPlugin.)
  install -m 0755 "$d/python/cmd/pulumi-language-python-exec" "$d/python/dist/pulumi-resource-pulumi-python" "$OUT/"
  write_stamp python-scripts "$key" pulumi-language-python-exec pulumi-resource-pulumi-python
  log "copied pulumi-language-python-exec, pulumi-resource-pulumi-python from sdk/v3@$PULUMI_PY_SDK_VERSION"
}

# ---- 3. Kubernetes provider -----------------------------------------------------
build_kubernetes() {
  local key; key="$(stamp_key kubernetes "$TOOLS_SRC/gomod/kubernetes.go.mod")"
  if up_to_date kubernetes "$key" pulumi-resource-kubernetes; then
    [ -d "$BINARY_CACHE/kubernetes-$key" ] || save_cached kubernetes "$key" pulumi-resource-kubernetes
    log "pulumi-resource-kubernetes $K8S_VERSION: up to date"; return
  fi
  if restore_cached kubernetes "$key" pulumi-resource-kubernetes; then
    write_stamp kubernetes "$key" pulumi-resource-kubernetes; return
  fi
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
  log "generating schema-embed.json for provider $K8S_VERSION"
  (cd "$w" && go build -o out/gen-schema ./gen/generate.go)
  (cd "$w/provider/cmd/pulumi-resource-kubernetes" && VERSION="${K8S_VERSION#v}" "$w/out/gen-schema")
  log "building pulumi-resource-kubernetes $K8S_VERSION (cold: ~15 min on 2 cores)"
  (cd "$w" && go build "${BUILD_FLAGS[@]}" -o out/ \
      -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_VERSION" \
      github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes)
  mv -f "$w/out/pulumi-resource-kubernetes" "$OUT/"
  write_stamp kubernetes "$key" pulumi-resource-kubernetes
  save_cached kubernetes "$key" pulumi-resource-kubernetes
}

# Everything runs from main so that editing this file during a build is safe.
main() {
  local start=$SECONDS use_system=0 sys sysver
  if [ "$USE_SYSTEM" = 1 ]; then
    sys="$(PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$OUT" | paste -sd:)" command -v pulumi || true)"
    if [ -n "$sys" ] && [ -x "$(dirname "$sys")/pulumi-language-python" ] &&
       sysver="$("$sys" version 2>/dev/null)" && semver_ge "$sysver" "$PULUMI_MIN_VERSION"; then
      log "using system pulumi $sysver at $sys (not building pulumi / pulumi-language-python)"
      use_system=1
    else
      log "no suitable system pulumi (>= $PULUMI_MIN_VERSION with pulumi-language-python beside it); building"
    fi
  fi
  if [ "$use_system" = 0 ]; then
    build_pulumi
    copy_python_scripts
  fi
  build_kubernetes

  log "done in $((SECONDS - start))s; contents of $OUT:"
  ls -l "$OUT" >&2
  echo "export PATH=\"$OUT:\$PATH\" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
}

main "$@"; exit $?
