#!/usr/bin/env bash
# Static analysis with the golangci-lint pinned in tools/go.mod and the
# configuration in .golangci.yml.   scripts/lint.sh [packages...]
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
cd "$VOLLEY_ROOT"
gotool golangci-lint config verify
# LINT_FLAGS: extra flags, e.g. --new-from-rev=origin/main to report only new issues.
# shellcheck disable=SC2086 # LINT_FLAGS is a list of flags
gotool golangci-lint run ${LINT_FLAGS:-} "${@:-./...}"
# macOS has its own engine files (kqueue) that no test here runs: the compiler, vet and the same
# linters check them, and the packages they touch, as built for darwin. The linter binary is
# built for this machine, then told to analyse for darwin.
if [[ $# -eq 0 ]]; then
	lint=$(gotool -n golangci-lint)
	for arch in arm64 amd64; do
		log "lint darwin/$arch"
		GOOS=darwin GOARCH=$arch go vet ./...
		# shellcheck disable=SC2086 # LINT_FLAGS is a list of flags
		GOOS=darwin GOARCH=$arch "$lint" run ${LINT_FLAGS:-} ./...
	done
fi
