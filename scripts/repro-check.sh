#!/usr/bin/env bash
# Reproducibility check: clones the committed HEAD into two different
# temporary directories, builds the release in each (the second with an empty
# build cache, another TZ and umask) and compares every output byte for byte.
# Exits non-zero if any file differs. Uncommitted changes are not checked.
#
#   PLATFORMS="linux/amd64" scripts/repro-check.sh
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

rev=$(git -C "$VOLLEY_ROOT" rev-parse --verify -q HEAD) || die "no commit to check: repro-check builds the committed HEAD"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

build() { # build DIR [ENV-OPTIONS...]  (options for env(1), e.g. -u NAME, NAME=VALUE)
	local d=$1
	shift
	git clone -q --no-hardlinks --no-checkout "$VOLLEY_ROOT" "$d"
	git -C "$d" checkout -q --detach "$rev"
	log "repro: building $rev in $d"
	# shellcheck disable=SC2016 # $1 and REPRO_UMASK are expanded by the inner bash
	env "$@" VERSION=0.0.0-repro DIST="$d/dist" VOLLEY_UNSIGNED=1 ALLOW_DIRTY=0 \
		bash -c 'umask "${REPRO_UMASK:-022}"; exec bash "$1"' _ "$d/scripts/release.sh" >"$tmp/log" 2>&1 ||
		{ cat "$tmp/log" >&2; die "release build failed in $d"; }
	(cd "$d/dist" && sha256sum -- *) >"$d.sums"
}

build "$tmp/a"
mkdir -p "$tmp/second/longer-path"
# The second build starts from an empty build cache, so nothing is reused
# from the first (-u VOLLEY_CACHE, or lib.sh would point GOCACHE back at the
# shared cache; the module cache stays shared: it holds verified sources).
build "$tmp/second/longer-path/b" -u VOLLEY_CACHE GOCACHE="$tmp/gocache-b" TZ=Pacific/Kiritimati REPRO_UMASK=077

if ! diff -u "$tmp/a.sums" "$tmp/second/longer-path/b.sums"; then
	die "NOT REPRODUCIBLE: outputs above differ between the two builds of $rev (compare with 'go version -m' or diffoscope)"
fi
log "repro: $(wc -l <"$tmp/a.sums") release files of $rev, the container image among them, are byte-identical across two builds"
cat "$tmp/a.sums"
