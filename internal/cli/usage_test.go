package cli

import (
	"strings"
	"testing"
)

func TestUsage(t *testing.T) {
	u := Usage()
	if !strings.HasPrefix(u, "Usage: volley <options> <url>") || !strings.HasSuffix(u, "\n") {
		t.Errorf("usage starts or ends wrongly:\n%s", u)
	}
	for _, d := range flagDefs {
		want := "--" + d.long
		if d.short != 0 {
			want = "-" + string(d.short) + ", " + want
		}
		if !strings.Contains(u, "    "+want+" ") {
			t.Errorf("usage does not list %q", want)
		}
	}
	// The option list is aligned like wrk's: every description starts in
	// the same column.
	col := -1
	for _, line := range strings.Split(u, "\n") {
		if strings.ContainsAny(line, "\t") || strings.HasSuffix(line, " ") {
			t.Errorf("tab or trailing space in %q", line)
		}
		if !strings.HasPrefix(line, "    -") {
			continue
		}
		i := strings.Index(line[6:], "  ") + 6
		for i < len(line) && (line[i] == ' ' || strings.HasPrefix(line[i:], "<")) {
			if line[i] == '<' {
				i = strings.IndexByte(line[i:], '>') + i + 1
				continue
			}
			i++
		}
		if col == -1 {
			col = i
		} else if i != col {
			t.Errorf("description of %q starts at column %d, want %d", line, i, col)
		}
	}
	for _, note := range []string{"SI unit (1k, 1M, 1G)", "2s, 2m, 2h", "ms", "us", "1.5s", "volley demo"} {
		if !strings.Contains(u, note) {
			t.Errorf("usage does not mention %q", note)
		}
	}
}
