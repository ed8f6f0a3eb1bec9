#!/usr/bin/env bash
# npm test: the unit project in parallel workers, then the lab project one
# file at a time (namespaces, real daemons; root). Both always run; the exit
# status fails if either failed. Extra arguments go to both jest runs.
# With JEST_JSON_DIR set, each run writes its `jest --json` summary there
# (unit.json, lab.json): .ci/run prints one closing line over both.
set -uo pipefail
cd "$(dirname "$0")/.."
json() { [ -n "${JEST_JSON_DIR:-}" ] && printf '%s\n' --json "--outputFile=$JEST_JSON_DIR/$1.json"; }
# A path given on the command line belongs to one project: the other then finds no test, which is fine.
extra=()
[ "$#" -gt 0 ] && extra=(--passWithNoTests)
status=0
# shellcheck disable=SC2046
npx jest --selectProjects unit $(json unit) "${extra[@]}" "$@" || status=$?
# shellcheck disable=SC2046
npx jest --selectProjects lab --runInBand $(json lab) "${extra[@]}" "$@" || status=$?
exit "$status"
