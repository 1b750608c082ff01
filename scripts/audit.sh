#!/usr/bin/env bash
# Vulnerability audit: govulncheck (pinned in tools/go.mod) against an offline
# snapshot of the Go vulnerability database (pinned in scripts/vulndb.version).
#
#   scripts/audit.sh [packages...]   audit (default ./...); exit 1 on any finding
#   scripts/audit.sh -update         pin the newest database snapshot
#
# The snapshot is the module golang.org/x/vulndb, fetched through the module
# proxy and verified by the go command. Its data/osv/ holds one OSV file per
# advisory and no index/ directory; govulncheck accepts such a flat directory
# and builds the index in memory (x/vuln internal/client newHybridSource), so
# nothing has to be generated.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

pinfile="$VOLLEY_ROOT/scripts/vulndb.version"
mod=golang.org/x/vulndb

# download VERSION prints "DIR SUM" of the module, fetched and verified by go.
download() {
	local tmp json
	tmp=$(mktemp -d)
	# Outside any module, so nothing is recorded in volley's go.mod/go.sum.
	json=$(cd "$tmp" && go mod download -json "$mod@$1") || {
		rm -rf "$tmp"
		die "cannot download $mod@$1: $(printf '%s' "$json" | sed -n 's/^\t"Error": "\(.*\)",*$/\1/p')"
	}
	rm -rf "$tmp"
	printf '%s %s %s\n' \
		"$(printf '%s\n' "$json" | sed -n 's/^\t"Version": "\(.*\)",$/\1/p')" \
		"$(printf '%s\n' "$json" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')" \
		"$(printf '%s\n' "$json" | sed -n 's/^\t"Sum": "\(.*\)",$/\1/p')"
}

if [[ "${1:-}" == "-update" ]]; then
	read -r ver _ sum < <(download latest)
	[[ -n "$ver" && -n "$sum" ]] || die "could not resolve $mod@latest"
	{ grep '^#' "$pinfile"; printf '%s %s %s\n' "$mod" "$ver" "$sum"; } >"$pinfile.tmp"
	mv "$pinfile.tmp" "$pinfile"
	log "pinned $mod $ver"
	exit 0
fi

read -r pmod pver psum < <(grep -v '^#' "$pinfile" | grep .)
[[ "$pmod" == "$mod" && -n "$pver" && -n "$psum" ]] || die "malformed $pinfile"
read -r _ dir sum < <(download "$pver")
[[ "$sum" == "$psum" ]] || die "$mod@$pver hash is $sum, but $pinfile pins $psum"
[[ -d "$dir/data/osv" ]] || die "$mod@$pver has no data/osv directory"

log "govulncheck against $mod@$pver ($(find "$dir/data/osv" -name '*.json' | wc -l) advisories), $(go env GOVERSION)"
cd "$VOLLEY_ROOT"
rc=0
gotool govulncheck -db "file://$dir/data/osv" "${@:-./...}" || rc=$?
case $rc in
0) log "audit: no known vulnerabilities reachable" ;;
3) die "audit: vulnerable code is reachable (see above); upgrade the module or toolchain" ;;
*) die "audit: govulncheck could not complete (exit $rc)" ;;
esac
