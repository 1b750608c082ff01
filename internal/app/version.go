package app

import (
	"runtime/debug"
	"strings"

	"volley/internal/engine"
)

// versionText is what -v prints: the release version ("dev" unless stamped), the event poller,
// and what the Go build info says about the binary — the commit it was built from, that
// commit's time and whether the tree had changes (present when built in a git checkout with
// VCS stamping), and the Go toolchain that built it, which the README's GOTOOLCHAIN note points to.
func versionText(info *debug.BuildInfo) string {
	var b strings.Builder
	b.WriteString("volley " + Version + " [" + engine.Poller + "] (wrk-compatible load generator)\n")
	if info == nil {
		return b.String()
	}
	var revision, when string
	var modified bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	b.WriteString("built")
	if revision != "" {
		b.WriteString(" from commit " + revision[:min(len(revision), 12)])
		if when != "" {
			b.WriteString(" of " + when)
		}
		if modified {
			b.WriteString(" with uncommitted changes")
		}
	}
	b.WriteString(" with " + info.GoVersion + "\n")
	return b.String()
}

// buildInfo is the running binary's build information, nil when it has none.
func buildInfo() *debug.BuildInfo {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	return info
}
