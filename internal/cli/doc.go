package cli

import (
	"strings"
)

// Help is --help taken apart, for the man page and the shell completions: they are made from
// the same text and the same flag table as --help, so they cannot say something else.
type Help struct {
	Synopsis []string // the "Usage:" lines, without "Usage:"
	Options  []Option // every flag of flagDefs, in --help's order
	Notes    []string // the notes after the options, one per entry, lines joined
}

// Option is one flag as --help describes it.
type Option struct {
	Short   byte   // 0: long form only
	Long    string // without "--"
	Arg     string // the value's name in --help ("N", "T", "F", …); "" for a switch
	Summary string // the description, its lines joined
}

// ArgKind says what an option's value is, for completion: a file, a directory or other text.
func (o Option) ArgKind() string {
	switch o.Arg {
	case "S", "F":
		return "file"
	case "P":
		return "directory"
	case "":
		return ""
	}
	return "text"
}

// Subcommands are the words that may replace the URL's place at the start of the command line.
var Subcommands = []string{"demo", "serve", "merge", "kube-job", "completion"}

// Shells are the shells "volley completion" writes a script for.
var Shells = []string{"bash", "zsh", "fish"}

// descColumn is where --help's descriptions start; a line indented that far continues the
// description above it (TestUsage keeps every option line aligned to it).
const descColumn = 32

// HelpDoc parses Usage(). An option line is "    -c, --connections      <N>  Text" (or
// "        --long …" without a short form); a line indented to the description column continues
// the one above.
func HelpDoc() Help {
	var h Help
	lines := strings.Split(strings.TrimRight(Usage(), "\n"), "\n")
	i := 0
	for ; i < len(lines) && strings.TrimSpace(lines[i]) != "Options:"; i++ {
		l := lines[i]
		if s, ok := strings.CutPrefix(l, "Usage: "); ok {
			h.Synopsis = append(h.Synopsis, s)
		} else if s := strings.TrimSpace(l); strings.HasPrefix(s, "volley ") || len(h.Synopsis) == 0 {
			h.Synopsis = append(h.Synopsis, s)
		} else { // the rest of a long usage line
			h.Synopsis[len(h.Synopsis)-1] += " " + s
		}
	}
	inOptions := false
	for ; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.TrimSpace(l) == "Options:":
			inOptions = true
		case inOptions && l == "":
		case inOptions && strings.HasPrefix(strings.TrimLeft(l, " "), "-") && len(l) > descColumn && strings.HasPrefix(l, "    "):
			if o, ok := parseOptionLine(l); ok {
				h.Options = append(h.Options, o)
			}
		case inOptions && len(h.Options) > 0 && strings.HasPrefix(l, strings.Repeat(" ", descColumn)):
			last := &h.Options[len(h.Options)-1]
			last.Summary += " " + strings.TrimSpace(l)
		case strings.HasPrefix(l, "    ") && len(h.Notes) > 0: // a note's next line
			h.Notes[len(h.Notes)-1] += " " + strings.TrimSpace(l)
		default:
			inOptions = false
			h.Notes = append(h.Notes, strings.TrimSpace(l))
		}
	}
	return h
}

// parseOptionLine reads one option line; it is only an option of the table if its long name is.
func parseOptionLine(l string) (Option, bool) {
	names, summary := strings.TrimSpace(l[:descColumn]), strings.TrimSpace(l[descColumn:])
	var o Option
	if s, ok := strings.CutPrefix(names, "-"); ok && len(s) > 1 && s[0] != '-' && s[1] == ',' {
		o.Short = s[0]
		names = strings.TrimSpace(s[2:])
	}
	long, arg, _ := strings.Cut(names, " ")
	o.Long = strings.TrimPrefix(long, "--")
	o.Arg = strings.Trim(strings.TrimSpace(arg), "<>")
	o.Summary = summary
	d := defByLong(o.Long)
	return o, d.long != "" && d.short == o.Short && d.argument == (o.Arg != "")
}
