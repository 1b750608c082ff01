package cli

import (
	"slices"
	"strings"
)

// Help is --help taken apart, for the man page and the shell completions: they are made from
// the same text and the same flag table as --help, so they cannot say something else.
type Help struct {
	Synopsis []string // the "Usage:" lines, without "Usage:"
	Options  []Option // every flag of flagDefs, in --help's order
	Notes    []string // the notes after the options, one per entry, lines joined
	// SubFlags are the flags that a subcommand's synopsis line shows ("volley kube-job --shards N
	// [--image IMG] …"), by subcommand: flags of its own, besides the options above.
	SubFlags map[string][]Option
}

// Option is one flag as --help describes it.
type Option struct {
	Short   byte   // 0: long form only
	Long    string // without "--"
	Arg     string // the value's name in --help ("N", "T", "F", …); "" for a switch
	Summary string // the description, its lines joined
}

// ArgKind says what an option's value is, for completion: "file", "directory", other "text",
// or "" for a switch. The help's value names say it (F a file, D a directory), except where
// they are wrk's or name something else (valueKinds).
func (o Option) ArgKind() string {
	if k, ok := valueKinds[o.Long]; ok {
		return k
	}
	switch o.Arg {
	case "F":
		return "file"
	case "D":
		return "directory"
	case "":
		return ""
	}
	return "text"
}

// valueKinds are the flags whose value is a file or directory under another name in --help.
var valueKinds = map[string]string{
	"script":      "file",      // wrk's <S>
	"allow-read":  "directory", // <P>: a path, usually a directory
	"unix-socket": "file",      // <P>: a socket's path
	"cert":        "file",
	"key":         "file",
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
	h.SubFlags = subFlags(h.Synopsis)
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

// subFlags reads the flags of each subcommand's synopsis: "--name VALUE" or "[--tls]"; "-s FILE"
// and <options> stand for options of the table.
func subFlags(synopsis []string) map[string][]Option {
	flags := map[string][]Option{}
	for _, line := range synopsis {
		w := strings.Fields(line)
		if len(w) < 2 || w[0] != "volley" || !slices.Contains(Subcommands, w[1]) {
			continue
		}
		for i := 2; i < len(w); i++ {
			name, closed := strings.CutSuffix(strings.TrimPrefix(w[i], "["), "]")
			long, ok := strings.CutPrefix(name, "--")
			if !ok || long == "" || defByLong(long).long != "" {
				continue
			}
			o := Option{Long: long}
			if !closed && i+1 < len(w) && !strings.HasPrefix(w[i+1], "[") && !strings.HasPrefix(w[i+1], "<") {
				o.Arg = strings.TrimSuffix(w[i+1], "]")
				i++
			}
			flags[w[1]] = append(flags[w[1]], o)
		}
	}
	return flags
}
