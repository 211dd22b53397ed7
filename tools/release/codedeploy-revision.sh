#!/usr/bin/env bash
# Builds the CodeDeploy revision of one app: a zip with appspec.yml at its root, the lifecycle
# hooks under scripts/ (deploy/<app>/scripts plus deploy/common/lib.sh) and image.env, which names
# the image the deployment runs. The deploy workflows upload it to S3 and deploy it.
#
#   tools/release/codedeploy-revision.sh <api|worker> <image-uri> <out.zip>
#
# <image-uri>: <registry>/<repository>@sha256:<digest> (preferred: immutable) or …:<tag>.
# GIT_SHA (default: git HEAD) and IMAGE_TAG (default: GIT_SHA) are recorded in image.env.
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() {
  echo "usage: $0 <api|worker> <image-uri> <out.zip>" >&2
  exit 2
}
[ $# -eq 3 ] || usage
app=$1 image_uri=$2 out=$3
[ -f "deploy/$app/appspec.yml" ] || { echo "no deploy/$app/appspec.yml" >&2; exit 2; }
if ! [[ "$image_uri" =~ ^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(@sha256:[a-f0-9]{64}|:[A-Za-z0-9_.-]{1,128})$ ]]; then
  echo "not an image reference: $image_uri" >&2
  exit 2
fi
git_sha=${GIT_SHA:-$(git rev-parse HEAD)}
[[ "$git_sha" =~ ^[0-9a-f]{7,40}$ ]] || { echo "GIT_SHA is not a commit: $git_sha" >&2; exit 2; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/scripts"
cp "deploy/$app/appspec.yml" "$stage/"
cp "deploy/$app/scripts/"*.sh "$stage/scripts/"
cp deploy/common/lib.sh "$stage/scripts/lib.sh"
chmod 0755 "$stage/scripts/"*.sh
{
  echo "APP=$app"
  echo "IMAGE_URI=$image_uri"
  echo "IMAGE_TAG=${IMAGE_TAG:-$git_sha}"
  echo "GIT_SHA=$git_sha"
  if [ -n "${GITHUB_RUN_ID:-}" ]; then
    echo "BUILD_URL=${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/$GITHUB_RUN_ID"
  fi
} >"$stage/image.env"

mkdir -p "$(dirname "$out")"
out_abs="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
rm -f "$out_abs"
# Fixed timestamps: the same inputs give the same zip.
find "$stage" -exec touch -h -d '1980-01-02T00:00:00Z' {} +
(cd "$stage" && if command -v zip >/dev/null 2>&1; then
  find appspec.yml image.env scripts -type f | LC_ALL=C sort | zip -q -X -@ "$out_abs"
else
  python3 -m zipfile -c "$out_abs" appspec.yml image.env scripts
fi)
echo "$out_abs"
