// Package bench holds volley's benchmarks: the hot paths as Go benchmarks (go test -bench), and
// `make compare`, which runs ../shared/bench/compare.sh against real nginx and wrk side by side.
package bench
