package clidoc

//go:generate go run ./genman -o ../../docs/volley.1

import (
	"strings"

	"volley/internal/cli"
)

// ManPage is docs/volley.1 in roff (man(7)): the synopsis, options and notes of --help, then
// what --help does not hold (exit status, files, see also). It has no date or version, so it
// changes only when the help does.
func ManPage() string {
	h := cli.HelpDoc()
	var b strings.Builder
	b.WriteString(`.\" volley(1), written by "make docs" from volley --help; do not edit.
.TH VOLLEY 1 "" "volley" "User Commands"
.SH NAME
volley \- an HTTP load generator that takes wrk's command line, report and Lua scripts
.SH SYNOPSIS
.nf
`)
	for _, s := range h.Synopsis {
		b.WriteString(roff(s) + "\n")
	}
	b.WriteString(`.fi
.SH DESCRIPTION
volley opens the given number of connections to the URL, spreads them over threads that are
each an event loop, sends requests as fast as the server answers (or at a constant rate with
.BR \-R ),
and prints wrk's report: latency and request-rate statistics, the requests and bytes, and the
errors. Lua scripts written for wrk run unchanged, in a sandbox with CPU-time and memory quotas.
Responses are parsed within fixed memory bounds, and text from a server or a script is escaped
before it is printed.
.SH OPTIONS
`)
	for _, o := range h.Options {
		b.WriteString(".TP\n")
		var spell []string
		for _, n := range names(o) {
			spell = append(spell, `\fB`+roff(n)+`\fR`)
		}
		line := strings.Join(spell, ", ")
		if o.Arg != "" {
			line += ` \fI` + roff(o.Arg) + `\fR`
		}
		b.WriteString(line + "\n" + roff(o.Summary) + "\n")
	}
	b.WriteString(".SH NOTES\n")
	for _, n := range h.Notes {
		b.WriteString(".IP \\(bu 2\n" + roff(n) + "\n")
	}
	b.WriteString(`.SH EXIT STATUS
.TP
.B 0
The run completed.
.TP
.B 1
The invocation was invalid, or a script failed.
.TP
.B 2
The run could not start (resolving, connecting, file descriptors).
.TP
.B 3
A
.B \-\-fail\-on
condition did not hold.
.SH SEE ALSO
.BR wrk (1).
README.md, docs/scripting.md, docs/latency.md, docs/json.md and deploy/kubernetes/README.md in
volley's source.
`)
	return b.String()
}

// roff escapes text for a roff line: backslashes, hyphens (which would become typographic
// hyphens in a flag) and a leading control character.
func roff(s string) string {
	s = strings.NewReplacer(`\`, `\e`, `-`, `\-`).Replace(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
