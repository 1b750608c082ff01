#!/usr/bin/env bash
# Dependency hygiene for volley's module and the tools module:
#   go mod verify    the module cache still holds exactly what go.sum recorded
#   go mod tidy -diff go.mod/go.sum list exactly what the code needs (prints the diff)
# Nothing is modified.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
rc=0
for dir in "$VOLLEY_ROOT" "$VOLLEY_ROOT/tools" "$VOLLEY_ROOT/tools/actionlint"; do
	name=${dir#"$VOLLEY_ROOT"}
	name=${name#/}
	log "deps: ${name:-volley}: go mod verify"
	(cd "$dir" && go mod verify) || rc=1
	log "deps: ${name:-volley}: go mod tidy -diff"
	(cd "$dir" && go mod tidy -diff) || {
		printf '%s: go.mod/go.sum are not tidy; the diff above is what "go mod tidy" would change\n' "${name:-volley}" >&2
		rc=1
	}
done
exit $rc
