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

# fuzz_once DIR NAME LOG: one fuzzing run of one target, its output also kept in LOG.
fuzz_once() {
	local rc=0
	go test -run '^$' -fuzz "^${2}\$" -fuzztime "$fuzztime" "$1" </dev/null 2>&1 | tee "$3" || rc=${PIPESTATUS[0]}
	return "$rc"
}

# corpus_files DIR: the files of a target's committed corpus, none when it has no directory.
corpus_files() {
	[[ -d "$1" ]] || return 0
	find "$1" -type f | LC_ALL=C sort
}

# deadline_only LOG CORPUS_BEFORE CORPUS_DIR: true when a failed run is Go's own race at the
# -fuzztime boundary (golang/go#75804, fixed in Go 1.27, not in 1.26): the one failure line is
# "context deadline exceeded", no failing input was written and the corpus gained no file. A real
# finding always writes its reproducer, so this never hides one.
deadline_only() {
	local after
	after=$(corpus_files "$3")
	[[ "$after" == "$2" ]] || return 1
	grep -q '^    context deadline exceeded$' "$1" || return 1
	! grep -qE 'Failing input written|panic:|_test\.go:[0-9]+:' "$1"
}

n=0
failed=()
flaked=()
logfile=$(mktemp)
trap 'rm -f "$logfile"' EXIT
while read -r dir name; do
	n=$((n + 1))
	corpus="$dir/testdata/fuzz/$name"
	before=$(corpus_files "$corpus")
	log "fuzz $dir $name for $fuzztime"
	fuzz_once "$dir" "$name" "$logfile" && continue
	if deadline_only "$logfile" "$before" "$corpus"; then
		log "fuzz: $name hit Go's fuzztime deadline race (golang/go#75804) with no failing input; running it again"
		fuzz_once "$dir" "$name" "$logfile" && continue
		if deadline_only "$logfile" "$before" "$corpus" && go test -count=1 -run "^${name}\$" "$dir" </dev/null; then
			flaked+=("$dir $name")
			continue
		fi
	fi
	failed+=("$dir $name")
done <<<"$targets"

if ((${#flaked[@]})); then
	printf 'fuzz: deadline race twice, corpus replay passed, not counted as a failure: %s\n' "${flaked[@]}" >&2
fi
if ((${#failed[@]})); then
	printf 'fuzz: FAILED %s\n' "${failed[@]}" >&2
	printf 'fuzz: %d of %d targets failed; reproducers are under each package'"'"'s testdata/fuzz/\n' "${#failed[@]}" "$n" >&2
	exit 1
fi
log "fuzz: all $n targets ran $fuzztime without failure"
