#!/usr/bin/env bash
# Decides whether a push must deploy <app>: yes when the Nx project graph says the app is affected
# between <base> and <head> (its own files, a library it uses, a dependency in the lockfile, a
# global config), or when its image or deployment recipe changed (deploy/<app>, deploy/common,
# tools/release, its workflow), or when <base> is unusable (first push, force push).
#
#   tools/release/should-deploy.sh <app> <base> <head>
#
# Prints the reason; writes deploy=true|false and reason=… to $GITHUB_OUTPUT when that is set.
# Needs the full history (actions/checkout fetch-depth: 0) and node_modules (npm ci).
set -euo pipefail
cd "$(dirname "$0")/../.."

[ $# -eq 3 ] || { echo "usage: $0 <app> <base> <head>" >&2; exit 2; }
app=$1 base=$2 head=$3

decide() {
  echo "deploy $app: $1 ($2)"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    echo "deploy=$1" >>"$GITHUB_OUTPUT"
    echo "reason=$2" >>"$GITHUB_OUTPUT"
  fi
  exit 0
}

if [ -z "$base" ] || [[ "$base" =~ ^0+$ ]] || ! git cat-file -e "$base^{commit}" 2>/dev/null; then
  decide true "no usable base commit '${base}': deploying everything"
fi
if ! git merge-base --is-ancestor "$base" "$head" 2>/dev/null; then
  decide true "$base is not an ancestor of $head (force push): deploying everything"
fi

recipe=$(git diff --name-only "$base" "$head" -- "deploy/$app" deploy/common tools/release ".github/workflows/deploy-$app.yml")
if [ -n "$recipe" ]; then
  decide true "its deployment recipe changed: $(echo "$recipe" | head -n 5 | paste -sd' ' -)"
fi

affected=$(NX_NO_CLOUD=true NX_DAEMON=false npx nx show projects --affected --base="$base" --head="$head" --json)
if node -e 'process.exit(JSON.parse(process.argv[1]).includes(process.argv[2]) ? 0 : 1)' "$affected" "$app"; then
  decide true "nx: $app is affected (affected projects: $(node -p 'JSON.parse(process.argv[1]).join(", ")' "$affected"))"
fi
decide false "nx: $app is not affected by ${base:0:12}..${head:0:12} (affected: $(node -p 'JSON.parse(process.argv[1]).join(", ") || "none"' "$affected"))"
