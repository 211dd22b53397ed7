#!/usr/bin/env bash
# Starts a built image next to MongoDB and Redis and checks it works: the api answers /readyz, the
# worker logs "worker ready"; in both the image's own HEALTHCHECK script passes. For CI runners
# with a Docker engine (the pull_request job of ci.yml); the same checks without Docker are in
# tools/release/package-app.test.mjs.
#
#   MONGO_URI=… REDIS_URL=… tools/release/smoke-image.sh <api|worker> <image>
#
# The container uses the host network, so 127.0.0.1 URLs (CI service containers) work as they are.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 <api|worker> <image>" >&2; exit 2; }
app=$1 image=$2
: "${MONGO_URI:?set MONGO_URI}" "${REDIS_URL:?set REDIS_URL}"
name="smoke-$app-$$"
port=${SMOKE_PORT:-3999}

cleanup() {
  status=$?
  if [ "$status" -ne 0 ]; then
    echo "--- docker logs $name"
    docker logs "$name" 2>&1 | tail -n 100 || true
  fi
  docker rm --force "$name" >/dev/null 2>&1 || true
  exit "$status"
}
trap cleanup EXIT

args=(--detach --name "$name" --init --network host --cap-drop ALL --security-opt no-new-privileges:true
  --env MONGO_URI="$MONGO_URI" --env REDIS_URL="$REDIS_URL" --env MONGO_DB_NAME="smoke_${app}_$$" --env APP_ENV=ci)
[ "$app" = api ] && args+=(--env PORT="$port")
docker run "${args[@]}" "$image" >/dev/null

user=$(docker exec "$name" id -u)
[ "$user" != 0 ] || { echo "the container runs as root" >&2; exit 1; }

for _ in $(seq 60); do
  if [ "$app" = api ]; then
    curl -fsS --max-time 3 "http://127.0.0.1:$port/readyz" && echo && break
  elif docker logs "$name" 2>&1 | grep -q '"worker ready"'; then
    docker logs "$name" 2>&1 | grep '"worker ready"'
    break
  fi
  [ "$(docker inspect --format '{{.State.Running}}' "$name")" = true ] || { echo "$name exited" >&2; exit 1; }
  sleep 2
done
if [ "$app" = api ]; then
  curl -fsS --max-time 3 "http://127.0.0.1:$port/readyz" >/dev/null
else
  docker logs "$name" 2>&1 | grep -q '"worker ready"'
fi
# The image's own HEALTHCHECK command (exec form: CMD, then the arguments), run in the container.
mapfile -t healthcheck < <(docker inspect --format '{{range .Config.Healthcheck.Test}}{{println .}}{{end}}' "$image" | sed '/^$/d')
[ "${healthcheck[0]:-}" = CMD ] || { echo "the image's HEALTHCHECK is not in exec form: ${healthcheck[*]:-none}" >&2; exit 1; }
docker exec "$name" "${healthcheck[@]:1}"
echo "$app image $image: ready, HEALTHCHECK passes, runs as uid $user"

docker stop --time 45 "$name" >/dev/null
code=$(docker inspect --format '{{.State.ExitCode}}' "$name")
[ "$code" = 0 ] || { echo "exit code $code after docker stop (SIGTERM)" >&2; exit 1; }
echo "$app stopped cleanly on SIGTERM"
