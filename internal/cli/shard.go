package cli

import (
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// MaxShards bounds --shards and --shard I/N.
const MaxShards = 10000

// jobIndexEnv is set by a Kubernetes Indexed Job in each of its pods.
const jobIndexEnv = "JOB_COMPLETION_INDEX"

// lookupEnv is os.LookupEnv, replaceable in tests.
var lookupEnv = os.LookupEnv

// sharding validates --shard, --shards and --start-at. Every share must get at least one
// connection and one thread, so that the shares add up to the whole test exactly.
func (v *rawFlags) sharding(cfg *Config, fs *pflag.FlagSet) error {
	switch {
	case fs.Changed("shard") && fs.Changed("shards"):
		return usageErrorf("--shard and --shards are two ways to say the same thing: give one")
	case fs.Changed("shard"):
		i, n, ok := strings.Cut(v.shard, "/")
		idx, err1 := strconv.Atoi(i)
		count, err2 := strconv.Atoi(n)
		if !ok || err1 != nil || err2 != nil || count < 1 || count > MaxShards || idx < 0 || idx >= count {
			return invalidFlag("shard", v.shard, "want I/N with 0 ≤ I < N ≤ "+strconv.Itoa(MaxShards)+" (e.g. 0/4)")
		}
		cfg.ShardIndex, cfg.ShardCount = idx, count
	case fs.Changed("shards"):
		count, err := strconv.Atoi(v.shards)
		if err != nil || count < 1 || count > MaxShards {
			return invalidFlag("shards", v.shards, "must be between 1 and "+strconv.Itoa(MaxShards))
		}
		env, ok := lookupEnv(jobIndexEnv)
		if !ok {
			return usageErrorf("--shards needs the shard's index in " + jobIndexEnv + " (set by a Kubernetes Indexed Job), or use --shard I/N")
		}
		idx, err := strconv.Atoi(env)
		if err != nil || idx < 0 || idx >= count {
			return usageErrorf("invalid " + jobIndexEnv + " " + quote(env) + " for --shards " + strconv.Itoa(count) + ": want 0 to " + strconv.Itoa(count-1))
		}
		cfg.ShardIndex, cfg.ShardCount = idx, count
	}
	if cfg.ShardCount > 0 {
		if cfg.Threads < cfg.ShardCount {
			return usageErrorf("-t/--threads " + strconv.Itoa(cfg.Threads) + " cannot be shared by " + strconv.Itoa(cfg.ShardCount) + " shards: every shard needs a thread (-t ≥ shards)")
		}
		if cfg.Requests > 0 && cfg.Requests < uint64(cfg.ShardCount) {
			return usageErrorf("-n/--requests " + strconv.FormatUint(cfg.Requests, 10) + " cannot be shared by " + strconv.Itoa(cfg.ShardCount) + " shards (-n ≥ shards)")
		}
	}
	if fs.Changed("start-at") {
		t, err := time.Parse(time.RFC3339Nano, v.startAt)
		if err != nil {
			return invalidFlag("start-at", v.startAt, "not an RFC 3339 time (e.g. 2026-11-27T12:00:00Z)")
		}
		cfg.StartAt = t
	}
	return nil
}
