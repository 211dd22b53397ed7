# shellcheck shell=bash
# Shared by the CodeDeploy lifecycle hooks in deploy/<app>/scripts. tools/release/codedeploy-revision.sh
# copies it next to them into the revision, as scripts/lib.sh; the hooks source it from there.
#
# Where things come from:
#   <revision>/image.env                    APP, IMAGE_URI (registry/repo@sha256:…), IMAGE_TAG, GIT_SHA:
#                                           which image this revision deploys (written by the deploy workflow)
#   /etc/agent-orchestrator/instance.env    AO_ENV, AO_APP, AWS_REGION, SSM_PARAMETER_PATH, *_LOG_GROUP: which
#                                           environment this instance serves and the one app it runs (each app
#                                           has its own Auto Scaling group; written by the instance user data,
#                                           infra/src/constructs/user-data.ts)
#   /etc/agent-orchestrator/<app>.env       what the container gets (written by AfterInstall, mode 0600):
#                                           bootstrap settings only, no secrets. The app loads everything
#                                           else, secrets included, from SSM_PARAMETER_PATH itself.
#   /etc/agent-orchestrator/<app>.overrides.env   optional, by hand: extra settings for this instance
#                                           (e.g. LOG_LEVEL=debug); appended to <app>.env at each deploy.
#
# Rollback is not done here: the deployment groups (infra) roll back automatically when a hook
# fails, the deployment is stopped, or one of the app's alarms fires during it; a rollback is a new
# deployment of the previous revision, which runs these same hooks with that revision's image.
set -euo pipefail

AO_ETC_DIR="${AO_ETC_DIR:-/etc/agent-orchestrator}"
HOOK_DIR="$(cd "$(dirname "${BASH_SOURCE[1]:-${BASH_SOURCE[0]}}")" && pwd)"
REVISION_DIR="$(dirname "$HOOK_DIR")"

log() { printf '%s [%s %s] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${APP:-?}" "${LIFECYCLE_EVENT:-hook}" "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# Reads KEY=VALUE lines (no shell evaluation; comments and blank lines skipped) into variables.
read_env_file() {
  local file=$1 line key value
  [ -r "$file" ] || die "cannot read $file"
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in '' | '#'*) continue ;; esac
    key=${line%%=*}
    value=${line#*=}
    [[ "$key" =~ ^[A-Z_][A-Z0-9_]*$ ]] || die "$file: not a KEY=VALUE line: $line"
    printf -v "$key" '%s' "$value"
  done <"$file"
}

# init <app>: loads the revision and the instance settings and derives the container's settings.
init() {
  local expected=$1
  APP=$expected
  read_env_file "$REVISION_DIR/image.env"
  [ "$APP" = "$expected" ] || die "this revision deploys $APP, but its hooks are those of $expected"
  [ -n "${IMAGE_URI:-}" ] || die "IMAGE_URI missing from $REVISION_DIR/image.env"
  read_env_file "$AO_ETC_DIR/instance.env"
  : "${AO_ENV:?missing from instance.env}" "${AWS_REGION:?missing from instance.env}" "${SSM_PARAMETER_PATH:?missing from instance.env}"
  # Each app has its own Auto Scaling group and deployment group; an instance of one never runs the other.
  if [ -n "${AO_APP:-}" ] && [ "$AO_APP" != "$APP" ]; then
    die "this instance runs the $AO_APP app (AO_APP in instance.env, from its Auto Scaling group); refusing to deploy $APP here"
  fi

  CONTAINER_NAME="agent-orchestrator-$APP"
  ENV_FILE="$AO_ETC_DIR/$APP.env"
  RELEASE_FILE="$AO_ETC_DIR/$APP.release"
  case "$APP" in
    api)
      LOG_GROUP="${API_LOG_GROUP:-/agent-orchestrator/api}"
      CONTAINER_PORT=3000
      # The load balancer (and the in-VPC metrics scraper) reach port 80; the container listens on 3000.
      HOST_PORT="${API_HOST_PORT:-80}"
      # The api finishes in-flight requests within 10 s of SIGTERM.
      STOP_TIMEOUT=20
      ;;
    worker)
      LOG_GROUP="${WORKER_LOG_GROUP:-/agent-orchestrator/worker}"
      # The worker's metrics listener (WORKER_METRICS_PORT, default 9464), published for the in-VPC scraper:
      # the worker security group admits it from the metrics-scraper group only (METRICS_TOKEN also guards it).
      CONTAINER_PORT="${WORKER_METRICS_PORT:-9464}"
      HOST_PORT="${WORKER_METRICS_HOST_PORT:-9464}"
      # The worker waits up to 30 s for its running tasks after SIGTERM.
      STOP_TIMEOUT=45
      ;;
    *) die "unknown app $APP" ;;
  esac
}

require_commands() {
  local cmd
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null 2>&1 || die "$cmd is not installed on this instance"
  done
}

# retry <attempts> <delay-seconds> <command...>
retry() {
  local attempts=$1 delay=$2 n=1
  shift 2
  until "$@"; do
    if [ "$n" -ge "$attempts" ]; then
      return 1
    fi
    log "attempt $n/$attempts failed: $*; retrying in ${delay}s"
    sleep "$delay"
    n=$((n + 1))
  done
}

container_exists() { docker container inspect "$CONTAINER_NAME" >/dev/null 2>&1; }

container_state() { docker container inspect --format '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.RestartCount}}' "$CONTAINER_NAME" 2>/dev/null || echo "missing none 0"; }

# The instance id for log stream names (IMDSv2), or the host name outside EC2.
instance_id() {
  local token id
  if token=$(curl -fsS --max-time 2 -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' 2>/dev/null) &&
    id=$(curl -fsS --max-time 2 -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/instance-id 2>/dev/null); then
    echo "$id"
  else
    hostname
  fi
}

ecr_login() {
  aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "$1" >/dev/null
}

# BeforeInstall: pull the revision's image while the current container keeps running.
pull_image() {
  local registry=${IMAGE_URI%%/*}
  require_commands docker aws curl
  docker info >/dev/null 2>&1 || die "the Docker daemon is not running"
  log "pulling $IMAGE_URI (git $GIT_SHA)"
  # The instance role may pull from this environment's repositories (ecr:GetAuthorizationToken + pull).
  retry 3 5 ecr_login "$registry" || die "docker login to $registry failed"
  retry 3 10 docker pull --quiet "$IMAGE_URI" || die "docker pull $IMAGE_URI failed"
  docker logout "$registry" >/dev/null 2>&1 || true
}

# AfterInstall: the container's environment file. Non-secret bootstrap only: the app reads its
# settings and secrets from SSM_PARAMETER_PATH (with decryption) itself, using the instance role.
write_env_file() {
  local tmp
  mkdir -p "$AO_ETC_DIR"
  tmp=$(mktemp "$AO_ETC_DIR/.$APP.env.XXXXXX")
  chmod 0600 "$tmp"
  {
    echo "# Written by the CodeDeploy AfterInstall hook of $APP (deployment ${DEPLOYMENT_ID:-manual}); do not edit:"
    echo "# put extra settings in $AO_ETC_DIR/$APP.overrides.env."
    echo "NODE_ENV=production"
    echo "APP_ENV=$AO_ENV"
    echo "AWS_REGION=$AWS_REGION"
    echo "AWS_DEFAULT_REGION=$AWS_REGION"
    echo "SSM_PARAMETER_PATH=$SSM_PARAMETER_PATH"
    if [ "$APP" = api ]; then
      echo "PORT=$CONTAINER_PORT"
      echo "HOST=0.0.0.0"
    fi
    if [ -r "$AO_ETC_DIR/$APP.overrides.env" ]; then
      echo "# from $APP.overrides.env"
      grep -Ev '^[[:space:]]*(#|$)' "$AO_ETC_DIR/$APP.overrides.env" || true
    fi
  } >"$tmp"
  mv -f "$tmp" "$ENV_FILE"
  log "wrote $ENV_FILE"
}

# ApplicationStart: replace the running container (if any) with one of the revision's image.
start_container() {
  local args stream
  require_commands docker curl
  if container_exists; then
    log "stopping the current container (up to ${STOP_TIMEOUT}s for a graceful exit)"
    docker stop --time "$STOP_TIMEOUT" "$CONTAINER_NAME" >/dev/null || true
    docker rm --force "$CONTAINER_NAME" >/dev/null
  fi
  stream="$(instance_id)/${DEPLOYMENT_ID:-manual-$(date -u +%Y%m%dT%H%M%SZ)}"
  args=(
    --detach --name "$CONTAINER_NAME"
    # tini as PID 1 forwards SIGTERM to node (which handles it) and reaps any stray process.
    --init
    --restart unless-stopped
    --stop-timeout "$STOP_TIMEOUT"
    --env-file "$ENV_FILE"
    --log-driver awslogs
    --log-opt "awslogs-region=$AWS_REGION"
    --log-opt "awslogs-group=$LOG_GROUP"
    --log-opt "awslogs-stream=$stream"
    # If CloudWatch Logs is slow, buffer (and past 25 MB drop) log lines rather than block the app.
    --log-opt mode=non-blocking
    --log-opt max-buffer-size=25m
    --cap-drop ALL
    --security-opt no-new-privileges:true
    --label "org.opencontainers.image.revision=$GIT_SHA"
    --label "com.amazonaws.codedeploy.deployment-id=${DEPLOYMENT_ID:-manual}"
  )
  if [ -n "${CONTAINER_PORT:-}" ]; then
    args+=(--publish "$HOST_PORT:$CONTAINER_PORT")
  fi
  log "starting $CONTAINER_NAME from $IMAGE_URI (logs: $LOG_GROUP $stream)"
  docker run "${args[@]}" "$IMAGE_URI" >/dev/null
}

dump_container() {
  log "container state (status health restarts): $(container_state)"
  docker logs --tail 100 "$CONTAINER_NAME" 2>&1 | sed 's/^/  | /' >&2 || true
}

# Fails at once when the container is gone or crash-looping.
assert_container_up() {
  local status restarts
  read -r status _ restarts <<<"$(container_state)"
  if [ "$status" != running ] || [ "$restarts" -gt 0 ]; then
    dump_container
    die "$CONTAINER_NAME is $status after $restarts restart(s)"
  fi
}

# ValidateService success: remember what runs here and drop old images of this app (the newest
# three stay, so a rollback to a recent revision needs no pull).
record_release() {
  local repository=${IMAGE_URI%@*}
  repository=${repository%:*}
  {
    echo "IMAGE_URI=$IMAGE_URI"
    echo "IMAGE_TAG=${IMAGE_TAG:-}"
    echo "GIT_SHA=$GIT_SHA"
    echo "DEPLOYMENT_ID=${DEPLOYMENT_ID:-manual}"
    echo "DEPLOYED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  } >"$RELEASE_FILE"
  docker image ls --quiet --no-trunc "$repository" | awk '!seen[$0]++' | tail -n +4 |
    xargs --no-run-if-empty docker image rm >/dev/null 2>&1 || true
  log "deployed $GIT_SHA ($IMAGE_URI)"
}
