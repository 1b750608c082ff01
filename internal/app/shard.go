package app

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"volley/internal/cli"
	"volley/internal/engine"
)

// maxStartWait bounds --start-at: a start further away is a typo, not a plan.
const maxStartWait = 24 * time.Hour

// takeShare narrows cfg to this shard's exact share of the whole test: connections, threads,
// -n and the rate are split so that the shares add up to the whole, and the engine places the
// shard's connections in the whole test's schedule, so that all shards' sends together are
// evenly spaced.
func takeShare(cfg *cli.Config, ecfg *engine.Config) {
	if cfg.ShardCount == 0 {
		return
	}
	i, n := cfg.ShardIndex, cfg.ShardCount
	total := cfg.Connections
	first := 0
	for j := 0; j < i; j++ {
		first += engine.ConnectionsFor(j, n, total)
	}
	cfg.Connections = engine.ConnectionsFor(i, n, total)
	cfg.Threads = engine.ConnectionsFor(i, n, cfg.Threads)
	if cfg.Requests > 0 {
		cfg.Requests = uint64(engine.ConnectionsFor(i, n, int(cfg.Requests))) //nolint:gosec // G115: cli bounds -n to [1, cli.MaxRequests], which fits an int (checked at compile time below)
	}
	ecfg.Connections, ecfg.Requests = cfg.Connections, cfg.Requests
	ecfg.ShardFirst, ecfg.ShardConnections = first, total
	// The engine paces with the whole test's rate; this shard's part of it is its share of
	// the connections, which is what it reports as asked for.
	cfg.Rate = cfg.Rate * float64(cfg.Connections) / float64(total)
}

// This fails to compile if -n's bound ever outgrows an int (or volley is built for a 32-bit
// platform), which would make the int conversion in takeShare truncate.
const _ int = cli.MaxRequests

func shardName(cfg *cli.Config) string {
	if cfg.ShardCount == 0 {
		return ""
	}
	return strconv.Itoa(cfg.ShardIndex) + "/" + strconv.Itoa(cfg.ShardCount)
}

// checkStartAt refuses a --start-at too far ahead, or so far past that the whole test's time
// is over (the run would send nothing); the engine waits for it once set up.
func checkStartAt(cfg *cli.Config) error {
	if cfg.StartAt.IsZero() {
		return nil
	}
	at := cfg.StartAt.Format(time.RFC3339Nano)
	if time.Until(cfg.StartAt) > maxStartWait {
		return fmt.Errorf("--start-at %s is more than %v away", at, maxStartWait)
	}
	if cfg.Duration > 0 && time.Since(cfg.StartAt) >= cfg.Duration {
		return fmt.Errorf("--start-at %s has passed, and with it the whole %v test", at, cfg.Duration)
	}
	return nil
}

// warnLate says on stderr that a shard started late: its first requests were sent behind the
// whole test's schedule, and its latencies include that.
func warnLate(cfg *cli.Config, late time.Duration, stderr io.Writer) {
	if late > 10*time.Millisecond {
		_, _ = fmt.Fprintf(stderr, "volley: started %v after --start-at %s\n", late.Round(time.Millisecond), cfg.StartAt.Format(time.RFC3339Nano))
	}
}
