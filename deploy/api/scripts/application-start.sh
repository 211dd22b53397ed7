#!/usr/bin/env bash
# ApplicationStart (api): replace the running container with the revision's image.
# shellcheck source=deploy/common/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
init api
start_container
