#!/usr/bin/env bash
# ValidateService (worker): the deployment succeeds only when the new container is running, has not
# restarted, and its HEALTHCHECK (Redis PING with the worker's own settings) reports healthy.
# Failing here rolls the deployment back.
# shellcheck source=deploy/common/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
init worker
deadline=$(($(date +%s) + ${VALIDATE_TIMEOUT_SECONDS:-180}))
while :; do
  assert_container_up
  read -r _ health _ <<<"$(container_state)"
  case "$health" in
    healthy) break ;;
    unhealthy)
      dump_container
      die "$CONTAINER_NAME is unhealthy"
      ;;
  esac
  if [ "$(date +%s)" -ge "$deadline" ]; then
    dump_container
    die "$CONTAINER_NAME was not healthy in time (health: $health)"
  fi
  sleep "${VALIDATE_INTERVAL_SECONDS:-5}"
done
if docker logs "$CONTAINER_NAME" 2>&1 | grep -q '"worker ready"'; then
  log 'healthy, and it logged "worker ready"'
else
  log 'healthy (its "worker ready" line is in CloudWatch Logs; docker logs has no local copy)'
fi
record_release
