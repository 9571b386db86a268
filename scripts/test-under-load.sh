#!/usr/bin/env bash
# Runs the whole test suite with both cores busy (two CPU hogs beside it), RUNS times in a row
# (default 2). Tests must wait for states, not for time: a test that passes only on an idle
# machine fails here.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-2}"

hogs=()
for _ in 1 2; do
	node -e 'for (;;) {}' &
	hogs+=("$!")
done
trap 'kill "${hogs[@]}" 2>/dev/null || true' EXIT

for run in $(seq 1 "$runs"); do
	echo "== run $run of $runs, with ${#hogs[@]} CPU hogs =="
	CI=1 npm test
done
