#!/usr/bin/env bash
# AfterInstall (worker): write the container's environment file (0600, no secrets).
# shellcheck source=deploy/common/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
init worker
write_env_file
