package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// runCompletion implements `doradash completion bash|zsh|fish`: a script
// generated from the same flag sets the commands parse with.
func runCompletion(args []string, e *env) error {
	shells := []string{"bash", "zsh", "fish"}
	if len(args) != 1 || !slices.Contains(shells, args[0]) {
		if len(args) == 1 && (args[0] == "--help" || args[0] == "-h") {
			return runHelp([]string{"completion"}, e)
		}
		return usagef("completion: name a shell: bash, zsh or fish")
	}
	cs := completionSpec(e)
	switch args[0] {
	case "bash":
		writeBashCompletion(e.stdout, cs)
	case "zsh":
		writeZshCompletion(e.stdout, cs)
	default:
		writeFishCompletion(e.stdout, cs)
	}
	return nil
}

// completionFlag is one flag as a completion script offers it.
type completionFlag struct {
	name, usage string
	takesValue  bool
	values      []string // fixed values, if any
	file        bool     // the value is a file
}

// completionCommand is one command with its flags; "" is the dashboard.
type completionCommand struct {
	name, summary string
	flags         []completionFlag
	args          []string // fixed positional arguments (explain's metrics, completion's shells)
}

// completionSpec collects every command and flag from the commands' own
// flag sets.
func completionSpec(e *env) []completionCommand {
	quiet := &env{stdout: io.Discard, stderr: io.Discard, getenv: e.getenv}
	out := []completionCommand{{name: "", flags: completionFlags(dashboardFlags(quiet, &commonFlags{}))}}
	for _, c := range commands() {
		cc := completionCommand{name: c.name, summary: strings.SplitN(c.summary, "\n", 2)[0]}
		if c.flags != nil {
			cc.flags = completionFlags(c.flags(quiet))
		}
		switch c.name {
		case "explain":
			cc.args = metricNames
		case "completion":
			cc.args = []string{"bash", "zsh", "fish"}
		case "help":
			cc.args = commandNames()
		}
		out = append(out, cc)
	}
	return out
}

func completionFlags(fs *flag.FlagSet) []completionFlag {
	var out []completionFlag
	fs.VisitAll(func(f *flag.Flag) {
		_, usage := flag.UnquoteUsage(f)
		b, isBool := f.Value.(interface{ IsBoolFlag() bool })
		cf := completionFlag{name: f.Name, usage: usage, takesValue: !isBool || !b.IsBoolFlag()}
		switch f.Name {
		case "format":
			cf.values = []string{"text", "json"}
		case "theme":
			cf.values = []string{"dark", "light"}
		case "config", "host-key", "authorized-keys":
			cf.file = true
		}
		out = append(out, cf)
	})
	return append(out, completionFlag{name: "help", usage: "show the usage"})
}

func flagWords(fl []completionFlag) string {
	var w []string
	for _, f := range fl {
		w = append(w, "--"+f.name)
	}
	return strings.Join(w, " ")
}

func commandWords(cs []completionCommand) string {
	var w []string
	for _, c := range cs[1:] {
		w = append(w, c.name)
	}
	return strings.Join(w, " ")
}

// valueFlags groups the flags that take a value by what completes them.
func valueFlags(cs []completionCommand) (files, other []string, fixed map[string][]string) {
	fixed = map[string][]string{}
	seen := map[string]bool{}
	for _, c := range cs {
		for _, f := range c.flags {
			if !f.takesValue || seen[f.name] {
				continue
			}
			seen[f.name] = true
			switch {
			case f.file:
				files = append(files, "--"+f.name)
			case f.values != nil:
				fixed["--"+f.name] = f.values
			default:
				other = append(other, "--"+f.name)
			}
		}
	}
	return files, other, fixed
}

func writeBashCompletion(w io.Writer, cs []completionCommand) {
	files, other, fixed := valueFlags(cs)
	fmt.Fprintf(w, `# bash completion for doradash; load with: source <(doradash completion bash)
_doradash() {
    local cur prev cmd="" i
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in
            %s) cmd="${COMP_WORDS[i]}"; break ;;
        esac
    done
    case "$prev" in
        %s) COMPREPLY=($(compgen -f -- "$cur")); return ;;
`, strings.ReplaceAll(commandWords(cs), " ", "|"), strings.Join(files, "|"))
	for _, name := range sortedKeys(fixed) {
		fmt.Fprintf(w, "        %s) COMPREPLY=($(compgen -W %q -- \"$cur\")); return ;;\n", name, strings.Join(fixed[name], " "))
	}
	fmt.Fprintf(w, "        %s) COMPREPLY=(); return ;;\n    esac\n    local words=\"\"\n    case \"$cmd\" in\n", strings.Join(other, "|"))
	for _, c := range cs {
		name := c.name
		if name == "" {
			name = `""`
		}
		words := flagWords(c.flags)
		if c.name == "" {
			words = commandWords(cs) + " " + words
		}
		if len(c.args) > 0 {
			words = strings.Join(c.args, " ") + " " + words
		}
		fmt.Fprintf(w, "        %s) words=%q ;;\n", name, strings.TrimSpace(words))
	}
	fmt.Fprint(w, `    esac
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _doradash doradash
`)
}

func writeZshCompletion(w io.Writer, cs []completionCommand) {
	files, other, fixed := valueFlags(cs)
	fmt.Fprintf(w, `#compdef doradash
# zsh completion for doradash; put it in a folder of $fpath as _doradash,
# or load it with: source <(doradash completion zsh)
_doradash() {
    local cmd="" word
    for word in ${words[2,CURRENT-1]}; do
        case $word in
            (%s) cmd=$word; break ;;
        esac
    done
    case ${words[CURRENT-1]} in
        (%s) _files; return ;;
`, strings.ReplaceAll(commandWords(cs), " ", "|"), strings.Join(files, "|"))
	for _, name := range sortedKeys(fixed) {
		fmt.Fprintf(w, "        (%s) compadd -- %s; return ;;\n", name, strings.Join(fixed[name], " "))
	}
	fmt.Fprintf(w, "        (%s) return ;;\n    esac\n    case $cmd in\n", strings.Join(other, "|"))
	for _, c := range cs {
		name := c.name
		if name == "" {
			name = `""`
		}
		var parts []string
		if c.name == "" {
			parts = append(parts, "[[ ${words[CURRENT]} == -* ]] || compadd -- "+commandWords(cs))
		}
		if len(c.args) > 0 {
			parts = append(parts, "[[ ${words[CURRENT]} == -* ]] || compadd -- "+strings.Join(c.args, " "))
		}
		if len(c.flags) > 0 {
			parts = append(parts, "compadd -- "+flagWords(c.flags))
		}
		fmt.Fprintf(w, "        (%s) %s ;;\n", name, strings.Join(parts, "; "))
	}
	fmt.Fprint(w, `    esac
}
if [[ $funcstack[1] == _doradash ]]; then
    _doradash "$@"
else
    compdef _doradash doradash
fi
`)
}

func writeFishCompletion(w io.Writer, cs []completionCommand) {
	fmt.Fprintln(w, "# fish completion for doradash; save as ~/.config/fish/completions/doradash.fish")
	fmt.Fprintln(w, "complete -c doradash -f")
	names := commandWords(cs)
	for _, c := range cs[1:] {
		fmt.Fprintf(w, "complete -c doradash -n 'not __fish_seen_subcommand_from %s' -a %s -d %s\n", names, c.name, fishQuote(c.summary))
	}
	for _, c := range cs {
		cond := "not __fish_seen_subcommand_from " + names
		if c.name != "" {
			cond = "__fish_seen_subcommand_from " + c.name
		}
		if len(c.args) > 0 {
			fmt.Fprintf(w, "complete -c doradash -n '%s' -a '%s'\n", cond, strings.Join(c.args, " "))
		}
		for _, f := range c.flags {
			opts := ""
			switch {
			case f.file:
				opts = " -r -F"
			case f.values != nil:
				opts = " -x -a '" + strings.Join(f.values, " ") + "'"
			case f.takesValue:
				opts = " -x"
			}
			fmt.Fprintf(w, "complete -c doradash -n '%s' -l %s%s -d %s\n", cond, f.name, opts, fishQuote(f.usage))
		}
	}
}

// fishQuote single-quotes s for fish, where \' and \\ are the escapes
// inside single quotes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func sortedKeys(m map[string][]string) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	slices.Sort(k)
	return k
}
