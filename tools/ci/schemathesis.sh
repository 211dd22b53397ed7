#!/usr/bin/env bash
# Checks the running API against its own OpenAPI document: builds api and worker, then twice (an open
# deployment, as a default `npm start` is, and one with API_KEYS) starts them against throwaway
# services (tools/ci/schemathesis-stack.mjs), lints the document the API serves with Redocly's
# recommended rules (tools/ci/redocly-lint.sh) and fuzzes it with schemathesis (PyPI) `--checks all`
# and a bounded number of examples per operation, then stops everything. Fails on any lint error or
# warning, any 5xx, any response the document does not describe (status, body, headers, content
# type), schema-valid data rejected, invalid data accepted, or a declared auth the server ignores.
#   SCHEMATHESIS_SKIP_BUILD=1      reuse apps/*/dist
#   SCHEMATHESIS_MAX_EXAMPLES=N    examples per operation and phase (default 100)
#   SCHEMATHESIS_MODES='open keys' which deployments to check (default both)
set -euo pipefail
cd "$(dirname "$0")/../.."

SCHEMATHESIS_VERSION=4.32.5
cache="${AO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/agent-orchestrator}"
venv="$cache/schemathesis-venv"
say() { echo "[schemathesis] $*" >&2; }

if [ "$("$venv/bin/schemathesis" --version 2>/dev/null || true)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
  say "installing schemathesis $SCHEMATHESIS_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

if [ "${SCHEMATHESIS_SKIP_BUILD:-}" != 1 ]; then
  say "building api and worker"
  NX_NO_CLOUD=true NX_DAEMON=false npx nx run-many -t build -p api worker --outputStyle=static >/dev/null
fi

work="$(mktemp -d)"
stack_pid=""
# shellcheck disable=SC2329  # invoked by the EXIT trap and between runs
stop_stack() {
  if [ -n "$stack_pid" ] && kill -0 "$stack_pid" 2>/dev/null; then
    kill -TERM "$stack_pid" 2>/dev/null || true
    wait "$stack_pid" 2>/dev/null || true
  fi
  stack_pid=""
}
# shellcheck disable=SC2329  # invoked by the EXIT trap
cleanup() {
  stop_stack
  rm -rf "$work"
}
trap cleanup EXIT

# check <mode>: one deployment (open: no API_KEYS; keys: API_KEYS set), linted and fuzzed.
check() {
  local mode="$1" ready="$work/ready-$1" args=() auth=()
  [ "$mode" = keys ] && args=(--keys)
  node tools/ci/schemathesis-stack.mjs "$ready" "${args[@]}" &
  stack_pid=$!
  for _ in $(seq 1 240); do
    [ -s "$ready" ] && break
    kill -0 "$stack_pid" 2>/dev/null || { say "the stack exited before it was ready"; return 1; }
    sleep 0.5
  done
  [ -s "$ready" ] || { say "the stack was not ready after 120 s"; return 1; }
  local url key status=0
  url="$(sed -n 's/^URL=//p' "$ready")"
  key="$(sed -n 's/^KEY=//p' "$ready")"
  [ -n "$key" ] && auth=(--header "Authorization: Bearer $key")

  say "[$mode] Redocly lint of the served document"
  curl -fsS "$url/v1/openapi.json" -o "$work/openapi-$mode.json"
  bash tools/ci/redocly-lint.sh "$work/openapi-$mode.json" || status=$?

  say "[$mode] fuzzing $url/v1/openapi.json"
  # One worker: with two, schemathesis's coverage phase sometimes dies inside CPython 3.11's compiler
  # ("AST constructor recursion depth mismatch"), a runtime error of the tool, not of the API.
  "$venv/bin/schemathesis" --config-file tools/ci/schemathesis.toml run "$url/v1/openapi.json" \
    --checks all \
    "${auth[@]}" \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-100}" \
    --phases examples,coverage,fuzzing,stateful \
    --workers 1 \
    --request-timeout 20 \
    --seed 20250101 \
    --generation-database none \
    --no-color || status=$?
  stop_stack
  if [ "$status" -ne 0 ]; then say "[$mode] problems found (exit $status)"; fi
  return "$status"
}

failed=0
for mode in ${SCHEMATHESIS_MODES:-open keys}; do
  check "$mode" || failed=1
done
exit "$failed"
