package cli

import (
	"slices"
	"strings"
	"testing"
)

// TestHelpDoc: the help taken apart names every flag of the table, with its value and a
// description, and every subcommand its synopsis shows.
func TestHelpDoc(t *testing.T) {
	h := HelpDoc()
	for _, d := range flagDefs {
		i := slices.IndexFunc(h.Options, func(o Option) bool { return o.Long == d.long })
		if i < 0 {
			t.Errorf("--%s: not found in the help's option lines", d.long)
			continue
		}
		o := h.Options[i]
		if o.Short != d.short || (o.Arg != "") != d.argument || o.Summary == "" {
			t.Errorf("--%s: read from the help as %+v, want short %q, argument %v and a description", d.long, o, d.short, d.argument)
		}
	}
	if len(h.Options) != len(flagDefs) {
		t.Errorf("%d options read from the help, %d in the flag table", len(h.Options), len(flagDefs))
	}
	// A description that spans lines is one summary.
	if o := h.Options[slices.IndexFunc(h.Options, func(o Option) bool { return o.Long == "rate" })]; !strings.HasSuffix(o.Summary, "corrected for coordinated omission") {
		t.Errorf("--rate's summary is %q", o.Summary)
	}
	var words []string
	for _, s := range h.Synopsis {
		if w := strings.Fields(s); len(w) > 1 && w[0] == "volley" && !strings.HasPrefix(w[1], "<") {
			words = append(words, w[1])
		}
	}
	if !slices.Equal(words, Subcommands) {
		t.Errorf("the help's synopsis shows subcommands %q, Subcommands is %q", words, Subcommands)
	}
	if len(h.Notes) == 0 || !strings.HasPrefix(h.Notes[0], "Numeric arguments") {
		t.Errorf("notes = %q", h.Notes)
	}
}

func TestParseCompletion(t *testing.T) {
	for _, sh := range Shells {
		cfg, cmd, err := Parse([]string{"completion", sh})
		if err != nil || cmd != CmdCompletion || cfg.Shell != sh {
			t.Errorf("completion %s: %v, %v, %v", sh, cfg, cmd, err)
		}
	}
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		if _, _, err := Parse(args); err == nil || !strings.HasPrefix(err.Error(), "volley: completion needs one shell: bash, zsh, fish") {
			t.Errorf("%q: err = %v", args, err)
		}
	}
}

func TestArgKind(t *testing.T) {
	kinds := map[string]string{}
	for _, o := range HelpDoc().Options {
		kinds[o.Long] = o.ArgKind()
	}
	for long, want := range map[string]string{
		"script": "file", "json": "file", "allow-read": "directory", "connections": "text",
		"header": "text", "latency": "",
	} {
		if kinds[long] != want {
			t.Errorf("--%s: value kind %q, want %q", long, kinds[long], want)
		}
	}
	for long := range valueKinds {
		if _, ok := kinds[long]; !ok {
			t.Errorf("valueKinds names --%s, which --help does not list", long)
		}
	}
}

// TestSubFlags: a subcommand's own flags come from its synopsis line, with their values.
func TestSubFlags(t *testing.T) {
	kube := HelpDoc().SubFlags["kube-job"]
	i := slices.IndexFunc(kube, func(o Option) bool { return o.Long == "image" })
	if i < 0 || kube[i].Arg != "IMG" {
		t.Errorf("kube-job's flags: %+v, want --image IMG among them", kube)
	}
	for _, o := range kube {
		if defByLong(o.Long).long != "" {
			t.Errorf("kube-job's own flags include the run's --%s", o.Long)
		}
	}
}
