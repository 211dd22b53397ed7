#!/usr/bin/env bash
# Prepares a fresh checkout: npm packages, redis-server, and the cached
# MongoDB-compatible test server. Idempotent and quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[bootstrap] %s\n' "$*" >&2; }

# npm packages: reinstall only when the lockfile changed since the last install.
export MONGOMS_DISABLE_POSTINSTALL=1
stamp=node_modules/.ao-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# Redis: needed unless REDIS_URL points at one.
if [ -z "${REDIS_URL:-}" ] && ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing redis-server from Debian packages"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    log "redis-server is missing: install it (e.g. sudo apt-get install redis-server) or set REDIS_URL"
    exit 1
  fi
fi

# MongoDB-compatible server: build (once, cached) unless MONGO_URI is given.
if [ -z "${MONGO_URI:-}" ]; then
  node tools/services/mongo.mjs build >/dev/null
fi
log "ready"
