# volley — make demo runs a benchmark against the built-in target; make test runs every test
# that passes on a busy machine; make accuracy runs the timing checks that want a quiet one.
# The pinned toolchain (go.mod) is fetched through the module proxy: the machine's Go is older
# and has known standard-library vulnerabilities.
export GOTOOLCHAIN := go1.26.11
GO ?= go
BIN := bin/volley

.PHONY: all build demo test accuracy race vet fmt-check bench compare clean
all: build

# -buildvcs=auto: volley -v names the commit when built in a git checkout, even where GOFLAGS
# turns VCS stamping off.
build:
	$(GO) build -trimpath -buildvcs=auto -o $(BIN) ./cmd/volley

demo: build
	./$(BIN) demo

# The whole suite: formatting, vet, unit and integration tests (fuzz seed corpora run as tests).
# It passes on a machine whose cores other processes keep busy.
test: fmt-check vet build
	$(GO) test -count=1 ./...

# The latency and rate accuracy checks, one package at a time, since they time a real target
# against references measured in the same run; .ci/run runs them after make test.
accuracy:
	$(GO) test -count=1 -p 1 -tags accuracy -run '^TestAccuracy' ./internal/engine/ ./internal/app/

# The race detector over the packages with concurrency of their own (the engine's threads and
# TLS handshakes, the script watchdog, progress, the test server), one package at a time.
race:
	$(GO) test -race -count=1 -p 1 ./internal/engine ./internal/script ./internal/report ./internal/stats ./internal/testserver ./internal/h1

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Go benchmarks (parser, request path, stats), then volley against wrk and nginx side by side.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./bench/ ./internal/...
	$(MAKE) compare

COMPARE ?= ../shared/bench/compare.sh
compare: build
	@test -x $(COMPARE) || { echo "make compare: $(COMPARE) not found: it comes with the team's shared/ beside this checkout (or set COMPARE=path)"; exit 2; }
	$(COMPARE) $(COMPARE_ARGS) $(BIN)

clean:
	rm -rf bin dist

-include security.mk
