#!/usr/bin/env bash
# Waits for the CI workflow's run on a commit to finish; exits 0 only when it succeeded. The
# deploy workflows call it so that nothing reaches an environment before lint, typecheck, tests
# and the package test passed on that exact commit.
#
#   GH_TOKEN=… tools/release/wait-for-ci.sh <sha>     (needs `gh` and the actions: read permission)
#
# CI_WORKFLOW (default ci.yml), CI_WAIT_MINUTES (default 60).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 <sha>" >&2; exit 2; }
sha=$1
workflow=${CI_WORKFLOW:-ci.yml}
deadline=$(($(date +%s) + ${CI_WAIT_MINUTES:-60} * 60))
announced=

while :; do
  # The newest run of the workflow for this commit (a re-run updates the same run).
  run=$(gh run list --workflow "$workflow" --commit "$sha" --limit 1 \
    --json status,conclusion,url --jq '.[0] // empty | "\(.status) \(.conclusion) \(.url)"')
  if [ -n "$run" ]; then
    read -r status conclusion url <<<"$run"
    if [ "$status" = completed ]; then
      if [ "$conclusion" = success ]; then
        echo "$workflow passed on $sha: $url"
        exit 0
      fi
      echo "::error::$workflow finished '$conclusion' on $sha, not deploying: $url"
      exit 1
    fi
    [ -n "$announced" ] || echo "waiting for $workflow ($status) on $sha: $url"
    announced=1
  elif [ -z "$announced" ]; then
    echo "no $workflow run for $sha yet; waiting"
    announced=0
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "::error::$workflow did not finish on $sha within ${CI_WAIT_MINUTES:-60} minutes"
    exit 1
  fi
  sleep 20
done
