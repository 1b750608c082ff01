// Package clidoc writes volley's man page and its shell completion scripts from --help itself
// (cli.HelpDoc: the help text and the flag table it must match), so that a flag added to the
// table appears in all of them, and none can say something --help does not.
package clidoc

import (
	"fmt"
	"strings"

	"volley/internal/cli"
)

// Completion returns the completion script for shell, one of cli.Shells.
func Completion(shell string) (string, error) {
	h := cli.HelpDoc()
	switch shell {
	case "bash":
		return bash(h), nil
	case "zsh":
		return zsh(h), nil
	case "fish":
		return fish(h), nil
	}
	return "", fmt.Errorf("no completion for shell %q", shell)
}

// names are an option's spellings on the command line: "-c", "--connections".
func names(o cli.Option) []string {
	if o.Short != 0 {
		return []string{"-" + string(o.Short), "--" + o.Long}
	}
	return []string{"--" + o.Long}
}

func header(shell string) string {
	return "# " + shell + " completion for volley, written by \"volley completion " + shell + "\" from its --help.\n"
}

// bash completes with COMP_WORDS and compgen alone: it needs no bash-completion package, and it
// runs in macOS's bash 3.2 too (no mapfile; compopt, which 3.2 lacks, only refines the listing).
func bash(h cli.Help) string {
	var all, files, dirs, values []string
	for _, o := range h.Options {
		n := names(o)
		all = append(all, n...)
		switch o.ArgKind() {
		case "file":
			files = append(files, n...)
		case "directory":
			dirs = append(dirs, n...)
		case "text":
			values = append(values, n...)
		}
	}
	subs := ""
	for _, name := range cli.Subcommands {
		var words []string
		for _, o := range h.SubFlags[name] {
			words = append(words, "--"+o.Long)
			if o.Arg != "" {
				values = append(values, "--"+o.Long)
			}
		}
		if len(words) > 0 {
			subs += "\t\t" + name + ") flags+=' " + strings.Join(words, " ") + "' ;;\n"
		}
	}
	var b strings.Builder
	b.WriteString(header("bash"))
	b.WriteString("# Load it with: source <(volley completion bash)\n")
	b.WriteString(`_volley_reply() { # _volley_reply COMPGEN-ARGS...: COMPREPLY from compgen, one word a line
	local w
	COMPREPLY=()
	while IFS= read -r w; do COMPREPLY+=("$w"); done < <(compgen "$@")
}
_volley() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	if ((COMP_CWORD >= 2)) && [[ ${COMP_WORDS[1]} == completion ]]; then
		((COMP_CWORD == 2)) && _volley_reply -W '` + strings.Join(cli.Shells, " ") + `' -- "$cur"
		return
	fi
	case $prev in
` + caseArm(files, "compopt -o filenames 2>/dev/null", `_volley_reply -f -- "$cur"`) +
		caseArm(dirs, "compopt -o filenames 2>/dev/null", `_volley_reply -d -- "$cur"`) +
		caseArm(values, "compopt +o default 2>/dev/null # a number, a time or an expression: nothing to offer") + `	esac
	if [[ $cur == -* ]]; then
		local flags='` + strings.Join(all, " ") + `'
		case ${COMP_WORDS[1]} in
` + subs + `		esac
		_volley_reply -W "$flags" -- "$cur"
	elif ((COMP_CWORD == 1)); then
		_volley_reply -W '` + strings.Join(cli.Subcommands, " ") + `' -- "$cur"
	fi
}
complete -o default -F _volley volley
`)
	return b.String()
}

// caseArm is a bash case arm for the options in pattern, or nothing when there are none.
func caseArm(pattern []string, commands ...string) string {
	if len(pattern) == 0 {
		return ""
	}
	arm := "\t" + strings.Join(pattern, "|") + ")\n"
	for _, c := range commands {
		arm += "\t\t" + c + "\n"
	}
	return arm + "\t\treturn\n\t\t;;\n"
}

// zshQuote escapes text for a single-quoted _arguments spec, inside [description].
func zshQuote(s string) string {
	return strings.NewReplacer(`'`, `'\''`, `\`, `\\`, `[`, `\[`, `]`, `\]`, `:`, `\:`).Replace(s)
}

func zsh(h cli.Help) string {
	var b strings.Builder
	b.WriteString("#compdef volley\n")
	b.WriteString(header("zsh"))
	b.WriteString("# Install it as _volley in a directory of $fpath, or: source <(volley completion zsh)\n")
	b.WriteString(`_volley() {
  if (( CURRENT > 2 )) && [[ $words[2] == completion ]]; then
    (( CURRENT == 3 )) && _values shell ` + strings.Join(cli.Shells, " ") + `
    return
  fi
  local -a sub
  case $words[2] in
`)
	for _, name := range cli.Subcommands {
		if flags := h.SubFlags[name]; len(flags) > 0 {
			b.WriteString("    " + name + ") sub=(")
			for i, o := range flags {
				if i > 0 {
					b.WriteString(" ")
				}
				spec := "--" + o.Long
				if o.Arg != "" {
					spec += ":" + zshQuote(o.Arg) + ": "
				}
				b.WriteString("'" + spec + "'")
			}
			b.WriteString(") ;;\n")
		}
	}
	b.WriteString(`  esac
  _arguments -s -S $sub \
`)
	for _, o := range h.Options {
		action := ""
		switch o.ArgKind() {
		case "file":
			action = ":" + o.Arg + ":_files"
		case "directory":
			action = ":" + o.Arg + ":_files -/"
		case "text":
			action = ":" + o.Arg + ": "
		}
		desc := "[" + zshQuote(o.Summary) + "]"
		if o.Short != 0 {
			fmt.Fprintf(&b, "    {-%c,--%s}'%s%s' \\\n", o.Short, o.Long, desc, action)
		} else {
			fmt.Fprintf(&b, "    '--%s%s%s' \\\n", o.Long, desc, action)
		}
	}
	b.WriteString(`    '1:subcommand or URL:(` + strings.Join(cli.Subcommands, " ") + `)' \
    '*:file:_files'
}
compdef _volley volley
`)
	return b.String()
}

// fishQuote single-quotes s for fish.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func fish(h cli.Help) string {
	var b strings.Builder
	b.WriteString(header("fish"))
	b.WriteString("# Install it as ~/.config/fish/completions/volley.fish, or: volley completion fish | source\n")
	b.WriteString("complete -c volley -e\n")
	b.WriteString("complete -c volley -n __fish_use_subcommand -f -a " + fishQuote(strings.Join(cli.Subcommands, " ")) + "\n")
	b.WriteString("complete -c volley -n '__fish_seen_subcommand_from completion' -f -a " + fishQuote(strings.Join(cli.Shells, " ")) + "\n")
	for _, name := range cli.Subcommands {
		for _, o := range h.SubFlags[name] {
			b.WriteString("complete -c volley -n " + fishQuote("__fish_seen_subcommand_from "+name) + " -l " + o.Long)
			if o.Arg != "" {
				b.WriteString(" -x")
			}
			b.WriteString("\n")
		}
	}
	for _, o := range h.Options {
		b.WriteString("complete -c volley")
		if o.Short != 0 {
			b.WriteString(" -s " + string(o.Short))
		}
		b.WriteString(" -l " + o.Long)
		switch o.ArgKind() {
		case "file":
			b.WriteString(" -r -F")
		case "directory":
			b.WriteString(" -x -a '(__fish_complete_directories)'")
		case "text":
			b.WriteString(" -x")
		}
		b.WriteString(" -d " + fishQuote(o.Summary) + "\n")
	}
	return b.String()
}
