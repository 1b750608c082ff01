# shellcheck shell=bash
# Shared setup for volley's security scripts. Source it; do not run it.
#
# - Pins the Go toolchain (the machine's default Go may be older and vulnerable).
# - Puts every cache under $VOLLEY_CACHE when it is set, so CI can keep one
#   directory between runs and get warm module, build and lint caches.
# - Runs the pinned tools from tools/go.mod, never from $PATH.

set -euo pipefail

VOLLEY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export VOLLEY_ROOT

export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.26.11}"

if [[ -n "${VOLLEY_CACHE:-}" ]]; then
	mkdir -p "$VOLLEY_CACHE"
	VOLLEY_CACHE=$(cd "$VOLLEY_CACHE" && pwd)
	export GOMODCACHE="$VOLLEY_CACHE/gomod"
	export GOCACHE="$VOLLEY_CACHE/gobuild"
	export GOLANGCI_LINT_CACHE="$VOLLEY_CACHE/golangci-lint"
	# Module cache files are read-only by default; make them removable so a
	# CI cache directory can be pruned with plain rm -rf.
	case " ${GOFLAGS:-} " in *" -modcacherw "*) ;; *) export GOFLAGS="${GOFLAGS:+$GOFLAGS }-modcacherw" ;; esac
fi

# gotool NAME ARGS... runs a tool pinned in tools/go.mod.
gotool() {
	go tool -modfile="$VOLLEY_ROOT/tools/go.mod" "$@"
}

log() { printf '==> %s\n' "$*" >&2; }
die() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }
