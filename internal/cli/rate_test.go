package cli

import (
	"strings"
	"testing"
	"time"
)

func TestRateRequestsAndScriptFlags(t *testing.T) {
	cfg, _ := mustParse(t, split("-s x.lua -R 2k -U -n 1M --allow-read /tmp --allow-read ./data --script-timeout 5ms --script-memory 16M "+url)...)
	if cfg.Rate != 2000 || !cfg.Uncorrected || !cfg.Latency || cfg.Requests != 1_000_000 {
		t.Errorf("rate %v, -U %v, latency %v, requests %d", cfg.Rate, cfg.Uncorrected, cfg.Latency, cfg.Requests)
	}
	if cfg.Duration != 0 {
		t.Errorf("-n without -d has no duration (runs until done), got %v", cfg.Duration)
	}
	if len(cfg.AllowRead) != 2 || cfg.AllowRead[1] != "./data" {
		t.Errorf("allow-read %q", cfg.AllowRead)
	}
	if cfg.ScriptTimeout != 5*time.Millisecond || cfg.ScriptMemory != 16<<20 {
		t.Errorf("script timeout %v memory %d", cfg.ScriptTimeout, cfg.ScriptMemory)
	}
	cfg, _ = mustParse(t, split("-n 10 -d 2s "+url)...)
	if cfg.Duration != 2*time.Second {
		t.Errorf("-n with -d keeps -d: %v", cfg.Duration)
	}
}

func TestRateErrors(t *testing.T) {
	for args, want := range map[string]string{
		"-R 0 " + url:                    "-R/--rate",
		"-R abc " + url:                  "-R/--rate",
		"-R 99999999999999999999 " + url: "-R/--rate",
		"-U " + url:                      "needs -R/--rate",
		"-n 0 " + url:                    "-n/--requests",
		"-n -5 " + url:                   "-n/--requests",
		"--script-timeout 0 " + url:      "--script-timeout",
		"--script-memory 1k " + url:      "--script-memory",
		"--script-memory 1000G " + url:   "--script-memory",
		// Script flags without a script would be silently ignored.
		"--allow-read /tmp " + url:   "--allow-read applies to a script",
		"--script-timeout 1s " + url: "--script-timeout applies to a script",
		"--script-memory 64M " + url: "--script-memory applies to a script",
	} {
		_, _, err := Parse(split(args))
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error %v, want one line naming %s", args, err, want)
		}
	}
}

func TestAllowNetAndMaxRequestBytes(t *testing.T) {
	cfg, _ := mustParse(t, split("-s x.lua --allow-net example.org:81 --allow-net 127.0.0.2 --allow-net [::1]:8080 "+url)...)
	var got []string
	for _, g := range cfg.AllowNet {
		got = append(got, g.String())
	}
	if strings.Join(got, " ") != "example.org:81 127.0.0.2 [::1]:8080" {
		t.Errorf("allow-net %q", got)
	}
	if cfg.MaxRequestBytes != DefaultMaxRequestBytes {
		t.Errorf("max-request-bytes default %d", cfg.MaxRequestBytes)
	}
	if cfg, _ = mustParse(t, split("--max-request-bytes 64M "+url)...); cfg.MaxRequestBytes != 64<<20 {
		t.Errorf("max-request-bytes %d", cfg.MaxRequestBytes)
	}
	for args, want := range map[string]string{
		"--allow-net example.org " + url:             "--allow-net applies to a script",
		"-s x.lua --allow-net a..b " + url:           `invalid --allow-net "a..b": empty label`,
		"-s x.lua --allow-net example.org:0 " + url:  `invalid --allow-net "example.org:0": port must be a number from 1 to 65535`,
		"-s x.lua --allow-net http://example " + url: `invalid --allow-net "http://example"`,
		"--max-request-bytes 10 " + url:              `invalid --max-request-bytes "10": must be between 1k`,
		"--max-request-bytes 2G " + url:              `invalid --max-request-bytes "2G": must be between 1k`,
	} {
		_, _, err := Parse(split(args))
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error %v, want one line with %s", args, err, want)
		}
	}
}
