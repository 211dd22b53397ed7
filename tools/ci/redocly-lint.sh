#!/usr/bin/env bash
# Lints an OpenAPI document with Redocly CLI's recommended ruleset (npm, pinned, installed once into
# the cache). Fails on any error or warning.
#   bash tools/ci/redocly-lint.sh <openapi.json>
set -euo pipefail
REDOCLY_VERSION=2.77.0
cache="${AO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/agent-orchestrator}"
prefix="$cache/redocly-cli-$REDOCLY_VERSION"
bin="$prefix/node_modules/.bin/redocly"
doc="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
if [ ! -x "$bin" ]; then
  echo "[redocly] installing @redocly/cli $REDOCLY_VERSION into $prefix" >&2
  mkdir -p "$prefix"
  [ -f "$prefix/package.json" ] || echo '{ "private": true }' >"$prefix/package.json"
  npm install --prefix "$prefix" --no-audit --no-fund --ignore-scripts --loglevel=error "@redocly/cli@$REDOCLY_VERSION" >/dev/null
fi
# Run outside the repository so no project redocly.yaml applies: the recommended ruleset, as a new user
# would run it. Warnings count as failures.
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cd "$out"
status=0
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true "$bin" lint --extends=recommended --max-problems=50 --format=stylish "$doc" >lint.out 2>&1 || status=$?
grep -v '[║╔╚]' lint.out >&2 || true
[ "$status" -eq 0 ] || exit "$status"
if grep -qE 'You have [0-9]+ warnings?' lint.out; then echo "[redocly] warnings count as failures" >&2; exit 1; fi
