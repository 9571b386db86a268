#!/usr/bin/env bash
# Runs Playwright on a private copy of this working tree, so several agents (or terminals) can run
# end-to-end tests at once without sharing a build folder or a port. Needs rsync.
# usage: scripts/e2e-copy.sh NAME PORT [playwright args…]   e.g. scripts/e2e-copy.sh h1 4181 tests/e2e/lab-url.test.ts
set -euo pipefail
name=$1; port=$2; shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
dir=/tmp/e2e-$name
mkdir -p "$dir"
rsync -a --delete --exclude node_modules --exclude .svelte-kit --exclude build --exclude test-results --exclude .git "$root/" "$dir/"
ln -sfn "$root/node_modules" "$dir/node_modules"
cd "$dir"
E2E_PORT=$port CI=1 npx playwright test "$@"
