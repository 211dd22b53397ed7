#!/usr/bin/env bash
# ApplicationStop (api). CodeDeploy runs this hook from the *previous* revision, so it cannot know
# the new image: the running container keeps serving while BeforeInstall pulls the new image, and
# ApplicationStart replaces it. This only records what is running. It must never fail: a failing
# ApplicationStop blocks every later deployment to the instance.
trap 'exit 0' EXIT
# shellcheck source=deploy/common/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
init api
log "currently running: $(docker container inspect --format '{{.Config.Image}} ({{.State.Status}})' "$CONTAINER_NAME" 2>/dev/null || echo nothing)"
exit 0
