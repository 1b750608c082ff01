# volley — make demo runs a benchmark against the built-in target; make test runs every test
# that passes on a busy machine; make accuracy runs the timing checks that want a quiet one.
# The pinned toolchain (go.mod) is fetched through the module proxy: the machine's Go is older
# and has known standard-library vulnerabilities.
export GOTOOLCHAIN := go1.26.11
GO ?= go
BIN := bin/volley

.PHONY: all build demo test accuracy race vet fmt-check bench compare notice docs image clean
all: build

# -buildvcs=auto: volley -v names the commit when built in a git checkout, even where GOFLAGS
# turns VCS stamping off.
build:
	$(GO) build -trimpath -buildvcs=auto -o $(BIN) ./cmd/volley

demo: build
	./$(BIN) demo
	./$(BIN) demo --http2 --streams 10

# The whole suite: formatting, vet, unit and integration tests (fuzz seed corpora run as tests).
# It passes on a machine whose cores other processes keep busy.
test: fmt-check vet build
	$(GO) test -count=1 ./...

# The latency and rate accuracy checks, one package at a time, since they time a real target
# against references measured in the same run; .ci/run runs them after make test.
accuracy:
	$(GO) test -count=1 -p 1 -tags accuracy -run '^TestAccuracy' ./internal/engine/ ./internal/app/

# The race detector over the packages with concurrency of their own (the engine's threads and
# TLS handshakes, the script watchdog, progress, the test server, the network policy shared by
# the script states, the HTTP/2 codec the threads drive), one package at a time.
race:
	$(GO) test -race -count=1 -p 1 ./internal/engine ./internal/script ./internal/report ./internal/stats ./internal/testserver ./internal/h1 ./internal/h2 ./internal/netpolicy

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Go benchmarks (parser, request path, stats), then volley against wrk and nginx side by side.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./bench/ ./internal/...
	$(MAKE) compare

# CPU per request against wrk (or h2load) and nginx: make compare COMPARE_ARGS="-c 1000 --https".
compare: build
	bench/compare.sh $(COMPARE_ARGS) $(BIN)

# The container image (OCI layout tar + SBOM) of the linux release binaries, in dist/image:
# make image VERSION=x.y.z [VOLLEY_SIGNING_KEY=path]. Signed with the key when given.
image:
	VERSION="$(VERSION)" PLATFORMS="linux/amd64 linux/arm64" DIST=dist/image \
		VOLLEY_UNSIGNED=$(if $(VOLLEY_SIGNING_KEY),0,1) scripts/release.sh

# docs/volley.1 from --help (a test fails when it drifts).
docs:
	$(GO) generate ./internal/clidoc

# NOTICE: the licences of what the binary links, from the module graph (CI fails on drift).
notice:
	cd tools && $(GO) run ./notice -root .. -o ../NOTICE

clean:
	rm -rf bin dist

-include security.mk
