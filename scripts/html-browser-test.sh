#!/usr/bin/env bash
# Checks the HTML report in a real browser: installs Debian's chromium when
# it is missing, then runs the Go test that opens a report in headless
# Chromium (no console errors, four plots built, lines visibly drawn in the
# screenshot). Here the test must run: a missing browser is a failure, not
# a skip.
#
#   scripts/html-browser-test.sh [DIR]   # keep report.html and report.png in DIR
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
cd "$VOLLEY_ROOT"

if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
	log "installing chromium"
	sudo=()
	[[ $(id -u) -eq 0 ]] || sudo=(sudo)
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq chromium >/dev/null
fi

if [[ -n "${1:-}" ]]; then
	mkdir -p "$1"
	export VOLLEY_SCREENSHOT_DIR
	VOLLEY_SCREENSHOT_DIR=$(cd "$1" && pwd)
fi
log "HTML report in headless chromium"
VOLLEY_BROWSER_TEST=1 go test -count=1 -run '^TestHTMLInBrowser$' -v ./internal/report
