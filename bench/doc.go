// Package bench holds volley's benchmarks: the hot paths as Go benchmarks (go test -bench), and
// `make compare`, which runs compare.sh: volley and wrk (or h2load) against the same nginx, side
// by side, for CPU time per request.
package bench
