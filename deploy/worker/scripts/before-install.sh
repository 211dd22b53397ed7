#!/usr/bin/env bash
# BeforeInstall (worker): pull the revision's image from ECR (the current container keeps running).
# shellcheck source=deploy/common/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
init worker
pull_image
