package cli

import (
	"slices"
	"strings"
	"testing"
)

func TestGrantFlags(t *testing.T) {
	cfg, _ := mustParse(t, split("-s x.lua --allow-write out --allow-write /tmp/r --allow-env TOKEN --allow-env API_* --max-write-bytes 10M "+url)...)
	if !slices.Equal(cfg.AllowWrite, []string{"out", "/tmp/r"}) || cfg.MaxWriteBytes != 10<<20 {
		t.Errorf("allow-write %q, max-write-bytes %d", cfg.AllowWrite, cfg.MaxWriteBytes)
	}
	if !slices.Equal(cfg.AllowEnv, []string{"TOKEN", "API_*"}) {
		t.Errorf("allow-env %q", cfg.AllowEnv)
	}
	cfg, _ = mustParse(t, split("-s x.lua "+url)...)
	if cfg.MaxWriteBytes != 1<<30 || cfg.AllowWrite != nil || cfg.AllowEnv != nil {
		t.Errorf("defaults: %d %q %q", cfg.MaxWriteBytes, cfg.AllowWrite, cfg.AllowEnv)
	}
}

func TestGrantFlagErrors(t *testing.T) {
	for args, want := range map[string]string{
		"-s x.lua --allow-env * " + url:        `invalid --allow-env "*"`,
		"-s x.lua --allow-env 1X " + url:       "not a variable name",
		"-s x.lua --allow-env A-B " + url:      "not a variable name",
		"-s x.lua --allow-env A*B " + url:      "not a variable name",
		"-s x.lua --max-write-bytes 10 " + url: "--max-write-bytes",
		"-s x.lua --max-write-bytes 2T " + url: "--max-write-bytes",
		"--allow-write /tmp " + url:            "--allow-write applies to a script",
		"--allow-env HOME " + url:              "--allow-env applies to a script",
		"--max-write-bytes 1M " + url:          "--max-write-bytes applies to a script",
	} {
		_, _, err := Parse(split(args))
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error %v, want one line naming %s", args, err, want)
		}
	}
}
