#!/usr/bin/env bash
# Runs every fuzz target in the module, one package and one target per run
# (go test -fuzz accepts only one of each), so a new `func FuzzXxx` in any
# *_test.go is picked up with no list to maintain.
#
#   FUZZTIME=10s scripts/fuzz.sh [FuzzRegexp]
#
# A crashing input is written by go test to the package's
# testdata/fuzz/FuzzXxx/ directory; commit it with the fix so that plain
# `go test` keeps replaying it. Exits non-zero if any target failed.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

fuzztime="${FUZZTIME:-10s}"
only="${1:-.}"
cd "$VOLLEY_ROOT"

# Lines "dir name" for each fuzz target, skipping the tools/ module, hidden
# directories, vendor/ and testdata/, which the go command ignores too.
targets=$(
	find . \( -name testdata -o -path ./tools -o -name vendor -o -name '.*' ! -name . \) -prune -o \
		-name '*_test.go' -type f -print |
		LC_ALL=C sort |
		while read -r f; do
			sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*\*testing\.F).*/\1/p' "$f" |
				while read -r name; do printf '%s %s\n' "$(dirname "$f")" "$name"; done
		done |
		grep -E " ($only)" || true
)

if [[ -z "$targets" ]]; then
	log "fuzz: no fuzz targets found"
	exit 0
fi

n=0
failed=()
while read -r dir name; do
	n=$((n + 1))
	log "fuzz $dir $name for $fuzztime"
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$dir" </dev/null; then
		failed+=("$dir $name")
	fi
done <<<"$targets"

if ((${#failed[@]})); then
	printf 'fuzz: FAILED %s\n' "${failed[@]}" >&2
	printf 'fuzz: %d of %d targets failed; reproducers are under each package'"'"'s testdata/fuzz/\n' "${#failed[@]}" "$n" >&2
	exit 1
fi
log "fuzz: all $n targets ran $fuzztime without failure"
