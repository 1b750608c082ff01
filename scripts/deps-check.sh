#!/usr/bin/env bash
# Dependency hygiene for volley's module and the tools module:
#   go mod verify    the module cache still holds exactly what go.sum recorded
#   go mod tidy -diff go.mod/go.sum list exactly what the code needs (prints the diff)
# Nothing is modified. gopher-lua is a patched copy in third_party/gopher-lua (go.mod's replace):
# go mod verify does not cover a replaced directory; git history does (docs/dependencies.md).
# The copy must not grow dependencies of its own.
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
log "deps: third_party/gopher-lua: requires nothing"
if grep -q '^require' "$VOLLEY_ROOT/third_party/gopher-lua/go.mod"; then
	printf 'third_party/gopher-lua/go.mod requires modules: the patched copy must stay self-contained\n' >&2
	rc=1
fi
exit $rc
