#!/usr/bin/env bash
# AfterInstall (api): write the container's environment file (0600, no secrets).
# shellcheck source=deploy/common/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
init api
write_env_file
