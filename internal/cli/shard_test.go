package cli

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestShardFlags(t *testing.T) {
	cfg, _ := mustParse(t, split("--shard 2/4 -t4 -c8 --start-at 2026-11-27T12:00:00Z "+url)...)
	if cfg.ShardIndex != 2 || cfg.ShardCount != 4 || !cfg.StartAt.Equal(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("shard %d/%d start %v", cfg.ShardIndex, cfg.ShardCount, cfg.StartAt)
	}
	lookupEnv = func(k string) (string, bool) { return "3", k == jobIndexEnv }
	defer func() { lookupEnv = os.LookupEnv }()
	cfg, _ = mustParse(t, split("--shards 4 -t4 -c8 "+url)...)
	if cfg.ShardIndex != 3 || cfg.ShardCount != 4 {
		t.Errorf("--shards with JOB_COMPLETION_INDEX=3: %d/%d", cfg.ShardIndex, cfg.ShardCount)
	}
}

func TestShardErrors(t *testing.T) {
	env := "5"
	lookupEnv = func(k string) (string, bool) { return env, env != "" }
	defer func() { lookupEnv = os.LookupEnv }()
	for args, want := range map[string]string{
		"--shard 4/4 -t4 -c8 " + url:             "--shard",
		"--shard x/4 -t4 -c8 " + url:             "--shard",
		"--shard 1/0 " + url:                     "--shard",
		"--shard 0/3 " + url:                     "every shard needs a thread",
		"--shard 0/2 --shards 2 " + url:          "give one",
		"--shards 4 -t4 -c8 " + url:              "JOB_COMPLETION_INDEX",
		"--shards 99999 " + url:                  "--shards",
		"--shard 0/2 -n 1 " + url:                "-n ≥ shards",
		"--start-at tomorrow " + url:             "--start-at",
		"--start-at 2026-13-01T00:00:00Z " + url: "--start-at",
	} {
		_, _, err := Parse(split(args))
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error %v, want one line containing %q", args, err, want)
		}
	}
	env = ""
	if _, _, err := Parse(split("--shards 2 " + url)); err == nil || !strings.Contains(err.Error(), "JOB_COMPLETION_INDEX") {
		t.Errorf("--shards without the variable: %v", err)
	}
}
