package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// commandInfo is what help and completion know of one subcommand.
type commandInfo struct {
	name     string
	synopsis string
	summary  string
	// flags builds the command's flag set (nil: it takes no flags), the
	// same one the command parses with, so help and completion never
	// drift from it.
	flags func(e *env) *flag.FlagSet
}

// commands lists every subcommand in the order help shows them.
func commands() []commandInfo {
	return []commandInfo{
		{"snapshot", "doradash snapshot [--format text|json] [--populations] [flags]",
			"Poll every source once, print the metrics and exit.\n--populations (or --explain) adds to the JSON the records behind every number.",
			func(e *env) *flag.FlagSet { fs, _ := snapshotFlags(e, &commonFlags{}); return fs }},
		{"explain", "doradash explain METRIC [flags]",
			"List the records behind one metric of the window, one a line with its full id.\nMETRIC: " + strings.Join(metricNames, ", ") + ".",
			func(e *env) *flag.FlagSet { fs, _ := explainFlags(e, &commonFlags{}); return fs }},
		{"check", "doradash check [--rejections N] [flags]",
			"Validate the configuration, poll every source once and report each.",
			func(e *env) *flag.FlagSet { fs, _ := checkFlags(e, &commonFlags{}); return fs }},
		{"serve", "doradash serve [flags]",
			"Serve the dashboard over SSH (and HTTP with --http or [http] listen).",
			func(e *env) *flag.FlagSet { fs, _ := serveFlags(e, &commonFlags{}); return fs }},
		{"version", "doradash version", "Print the version and the VCS revision it was built from.", nil},
		{"completion", "doradash completion bash|zsh|fish", "Print a shell completion script for bash, zsh or fish, e.g.\n  doradash completion bash > ~/.local/share/bash-completion/completions/doradash", nil},
		{"help", "doradash help [COMMAND]", "Print the usage, or a command's own flags.", nil},
	}
}

func commandNames() []string {
	var out []string
	for _, c := range commands() {
		out = append(out, c.name)
	}
	return out
}

func findCommand(name string) (commandInfo, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return commandInfo{}, false
}

// runHelp implements `doradash help [COMMAND]`.
func runHelp(args []string, e *env) error {
	switch len(args) {
	case 0:
		fmt.Fprint(e.stdout, usageText)
		return nil
	case 1:
	default:
		return usagef("help takes at most one command")
	}
	c, ok := findCommand(args[0])
	if !ok {
		return usagef("help: unknown command %q%s", args[0], suggestion(args[0], commandNames()))
	}
	if c.flags == nil {
		fmt.Fprintf(e.stdout, "Usage:\n  %s\n\n%s\n", c.synopsis, c.summary)
		return nil
	}
	writeCommandUsage(e.stdout, c.flags(e))
	return nil
}

// writeCommandUsage prints a command's synopsis, summary and every flag it
// takes; the dashboard's (unnamed) flag set prints the whole usage.
func writeCommandUsage(w io.Writer, fs *flag.FlagSet) {
	c, ok := findCommand(fs.Name())
	if !ok {
		fmt.Fprint(w, usageText)
		return
	}
	fmt.Fprintf(w, "Usage:\n  %s\n\n%s\n\nFlags (before or after the command):\n", c.synopsis, c.summary)
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		left := "--" + f.Name
		if name != "" {
			left += " " + name
		}
		fmt.Fprintf(w, "  %-24s %s\n", left, usage)
	})
	fmt.Fprintf(w, "  %-24s %s\n", "--help", "this help")
}

// hoistCommand moves a subcommand given after flags (`doradash --demo
// snapshot`) to the front, so flags may stand before or after it. Flags
// that take a value skip it; only a known command name moves.
func hoistCommand(args []string) []string {
	if len(args) == 0 || !strings.HasPrefix(args[0], "-") {
		return args
	}
	takesValue := map[string]bool{}
	e := &env{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
	sets := []*flag.FlagSet{dashboardFlags(e, &commonFlags{})}
	for _, c := range commands() {
		if c.flags != nil {
			sets = append(sets, c.flags(e))
		}
	}
	for _, fs := range sets {
		fs.VisitAll(func(f *flag.Flag) {
			b, ok := f.Value.(interface{ IsBoolFlag() bool })
			takesValue[f.Name] = !ok || !b.IsBoolFlag()
		})
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return args
		}
		if !strings.HasPrefix(a, "-") {
			if _, ok := findCommand(a); !ok {
				return args
			}
			out := append([]string{a}, args[:i]...)
			return append(out, args[i+1:]...)
		}
		name := strings.TrimLeft(a, "-")
		if !strings.Contains(name, "=") && takesValue[name] {
			i++ // its value
		}
	}
	return args
}
