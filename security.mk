# Security engineering targets for volley (included by the Makefile).
# The scripts under scripts/ do the work; see SECURITY.md and docs/release.md.
# Tools are pinned in tools/go.mod; set VOLLEY_CACHE to keep all caches in one
# directory (CI does).

# The machine's default Go may be older and vulnerable; every go command here
# runs with the toolchain pinned in go.mod.
export GOTOOLCHAIN ?= go1.26.11

FUZZTIME ?= 10s
export FUZZTIME

.PHONY: lint audit audit-update-db fuzz deps-check release verify-release \
	release-test repro-check ci-security security-tools

## lint: golangci-lint (pinned) with .golangci.yml
lint:
	scripts/lint.sh

## audit: govulncheck against the pinned offline vulnerability database
audit:
	scripts/audit.sh

## audit-update-db: pin the newest golang.org/x/vulndb snapshot in scripts/vulndb.version
audit-update-db:
	scripts/audit.sh -update

## fuzz: every fuzz target in the module for FUZZTIME each (make fuzz FUZZTIME=30s)
fuzz:
	scripts/fuzz.sh

## deps-check: go mod verify and go mod tidy -diff, for volley and tools/
deps-check:
	scripts/deps-check.sh

## release: make release VERSION=x.y.z VOLLEY_SIGNING_KEY=path [ALLOW_DIRTY=1] -> dist/
release:
	VERSION="$(VERSION)" scripts/release.sh

## verify-release: check dist/SHA256SUMS.sig and every checksum in dist/
verify-release:
	scripts/verify-release.sh dist

## release-test: build and sign with a throwaway key; tampered releases must fail
release-test:
	scripts/release_test.sh

## repro-check: build HEAD in two clones and compare every byte
repro-check:
	scripts/repro-check.sh

## ci-security: everything above, as CI runs it
ci-security:
	scripts/ci-security.sh

## security-tools: build the pinned tools once (warms the caches)
security-tools:
	go tool -modfile=tools/go.mod golangci-lint version
	go tool -modfile=tools/go.mod govulncheck -version
	go tool -modfile=tools/go.mod cyclonedx-gomod version
	go tool -modfile=tools/actionlint/go.mod actionlint -version
