#!/usr/bin/env bash
# ApplicationStart (worker): replace the running container with the revision's image.
# shellcheck source=deploy/common/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
init worker
start_container
