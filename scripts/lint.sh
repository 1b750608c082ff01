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
