#!/usr/bin/env bash
# ValidateService (api): the deployment succeeds only when GET /readyz answers 200, i.e. the new
# container is up and reaches MongoDB and Redis. Failing here rolls the deployment back.
# shellcheck source=deploy/common/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
init api
url="http://127.0.0.1:$HOST_PORT/readyz"
deadline=$(($(date +%s) + ${VALIDATE_TIMEOUT_SECONDS:-180}))
until body=$(curl -fsS --max-time 5 "$url" 2>&1); do
  assert_container_up
  if [ "$(date +%s)" -ge "$deadline" ]; then
    dump_container
    die "$url did not answer 200 in time; last answer: $body"
  fi
  sleep "${VALIDATE_INTERVAL_SECONDS:-3}"
done
log "ready: $body"
record_release
