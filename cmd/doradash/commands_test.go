package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

func TestVersionFlags(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}, {"-version"}} {
		code, out, errOut := runCmd(t, nil, args...)
		if code != 0 || !strings.HasPrefix(out, "doradash ") || errOut != "" {
			t.Errorf("%v: exit %d, %q, %q", args, code, out, errOut)
		}
	}
}

func TestVersionLine(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Path: "doradash", Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "1a2b3c4d5e6f"},
		{Key: "vcs.time", Value: "2026-11-30T12:00:00Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	if got, want := versionLine(bi), "doradash v1.4.0 (revision 1a2b3c4d5e6f, 2026-11-30T12:00:00Z, modified)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	bi = &debug.BuildInfo{Main: debug.Module{Path: "doradash", Version: "(devel)"}}
	if got := versionLine(bi); got != "doradash dev" {
		t.Errorf("devel build: %q", got)
	}
	if got := versionLine(nil); got != "doradash dev" {
		t.Errorf("no build info: %q", got)
	}
}

// Each command's help lists its own flags, whichever way it is asked for.
func TestCommandHelp(t *testing.T) {
	want := map[string][]string{
		"snapshot": {"doradash snapshot [--format text|json]", "--format format", "--populations", "--explain", "--window days", "--service name"},
		"check":    {"doradash check [--rejections N]", "--rejections N", "--config file"},
		"explain":  {"doradash explain METRIC", "failed_deployment_recovery_time", "--format format", "--now RFC3339"},
		"serve":    {"--listen address", "--host-key file", "--no-ssh", "--http address"},
	}
	for cmd, has := range want {
		for _, args := range [][]string{{"help", cmd}, {cmd, "--help"}, {cmd, "-h"}} {
			code, out, _ := runCmd(t, nil, args...)
			if code != 0 {
				t.Errorf("%v: exit %d", args, code)
			}
			for _, h := range has {
				if !strings.Contains(out, h) {
					t.Errorf("%v: no %q in\n%s", args, h, out)
				}
			}
			if strings.Contains(out, "serve only:") {
				t.Errorf("%v: prints the whole usage, not the command's own", args)
			}
		}
	}
	if code, _, errOut := runCmd(t, nil, "help", "snapshto"); code != 2 || !strings.Contains(errOut, `did you mean "snapshot"?`) {
		t.Errorf("help of a typo: exit %d, %q", code, errOut)
	}
	if code, out, _ := runCmd(t, nil, "help"); code != 0 || !strings.Contains(out, "doradash explain METRIC") {
		t.Errorf("help: exit %d\n%s", code, out)
	}
	if code, _, errOut := runCmd(t, nil, "snapshto"); code != 2 || !strings.Contains(errOut, `did you mean "snapshot"?`) {
		t.Errorf("a typo of a command: exit %d, %q", code, errOut)
	}
}

func TestFlagsBeforeTheCommand(t *testing.T) {
	code, out, errOut := runCmd(t, nil, "--demo", "--now", now, "--window", "7d", "snapshot", "--format", "json")
	if code != 0 || !strings.Contains(out, `"days": 7`) {
		t.Fatalf("exit %d, %s\n%.300s", code, errOut, out)
	}
	// A flag's value that happens to be a command name stays a value.
	code, _, errOut = runCmd(t, nil, "--service", "check", "--demo", "--now", now, "snapshot")
	if code != 0 {
		t.Errorf("--service check: exit %d, %s", code, errOut)
	}
	for _, c := range []struct{ in, want []string }{
		{[]string{"--demo", "check"}, []string{"check", "--demo"}},
		{[]string{"--window", "7d", "explain", "lead_time"}, []string{"explain", "--window", "7d", "lead_time"}},
		{[]string{"--window=7d", "check"}, []string{"check", "--window=7d"}},
		{[]string{"--service", "check"}, []string{"--service", "check"}},
		{[]string{"--demo", "--", "check"}, []string{"--demo", "--", "check"}},
		{[]string{"--demo", "nonsense"}, []string{"--demo", "nonsense"}},
		{[]string{"snapshot", "--demo"}, []string{"snapshot", "--demo"}},
	} {
		if got := hoistCommand(c.in); strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("hoistCommand(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Every completion script names every subcommand and every flag, and
// parses in its shell where the shell is installed.
func TestCompletionScripts(t *testing.T) {
	flags := map[string]bool{}
	for _, c := range completionSpec(&env{getenv: fakeEnv(nil)}) {
		for _, f := range c.flags {
			flags["--"+f.name] = true
		}
	}
	for _, f := range []string{"--config", "--populations", "--rejections", "--no-ssh", "--format", "--help"} {
		if !flags[f] {
			t.Errorf("the flag sets miss %s", f)
		}
	}
	for _, sh := range []string{"bash", "zsh", "fish"} {
		code, out, errOut := runCmd(t, nil, "completion", sh)
		if code != 0 {
			t.Fatalf("%s: exit %d, %s", sh, code, errOut)
		}
		for _, c := range commandNames() {
			if !strings.Contains(out, c) {
				t.Errorf("%s: no command %s", sh, c)
			}
		}
		for _, m := range metricNames {
			if !strings.Contains(out, m) {
				t.Errorf("%s: no metric %s", sh, m)
			}
		}
		for f := range flags {
			name := f
			if sh == "fish" {
				name = "-l " + strings.TrimPrefix(f, "--")
			}
			if !strings.Contains(out, name) {
				t.Errorf("%s: no flag %s", sh, f)
			}
		}
		bin, err := exec.LookPath(sh)
		if err != nil {
			t.Logf("%s not installed: syntax not checked", sh)
			continue
		}
		script := filepath.Join(t.TempDir(), "doradash."+sh)
		if err := os.WriteFile(script, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		if msg, err := exec.Command(bin, "-n", script).CombinedOutput(); err != nil {
			t.Errorf("%s -n: %v\n%s", sh, err, msg)
		}
	}
	if code, _, errOut := runCmd(t, nil, "completion", "tcsh"); code != 2 || !strings.Contains(errOut, "bash, zsh or fish") {
		t.Errorf("unknown shell: exit %d, %q", code, errOut)
	}
}

// The bash script completes commands, flags, metrics and fixed values
// when bash is there to run it.
func TestBashCompletionCompletes(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	_, script, _ := runCmd(t, nil, "completion", "bash")
	complete := func(words ...string) string {
		t.Helper()
		prog := script + "\nCOMP_WORDS=(" + strings.Join(quoteAll(words), " ") + ")\nCOMP_CWORD=" +
			strconv.Itoa(len(words)-1) + "\n_doradash\necho \"${COMPREPLY[*]}\"\n"
		out, err := exec.Command(bash, "-c", prog).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", words, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	for _, c := range []struct {
		words []string
		want  string
	}{
		{[]string{"doradash", "sn"}, "snapshot"},
		{[]string{"doradash", "explain", "lead"}, "lead_time"},
		{[]string{"doradash", "explain", "--demo", "change"}, "change_failure_rate"},
		{[]string{"doradash", "snapshot", "--pop"}, "--populations"},
		{[]string{"doradash", "snapshot", "--format", "j"}, "json"},
		{[]string{"doradash", "check", "--rej"}, "--rejections"},
		{[]string{"doradash", "completion", "fi"}, "fish"},
	} {
		if got := complete(c.words...); got != c.want {
			t.Errorf("%v: got %q, want %q", c.words, got, c.want)
		}
	}
}

func quoteAll(ws []string) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = "'" + w + "'"
	}
	return out
}

func TestCheckRejections(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 25 {
		b.WriteString(`{"kind": "deployment", "id": "d-` + strconv.Itoa(i%10) + `", "finished_at": "yesterday"}` + "\n")
	}
	b.WriteString(`{"kind": "deployment", "id": "ok", "finished_at": "2026-06-01T08:00:00Z"}` + "\n")
	if err := os.WriteFile(filepath.Join(dir, "d.ndjson"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "doradash.toml")
	if err := os.WriteFile(cfg, []byte("[[source]]\nname = \"d\"\ntype = \"file\"\npath = \"d.ndjson\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	count := func(out string) int { return strings.Count(out, "      rejected: line ") }
	_, out, _ := runCmd(t, nil, "check", "--config", cfg, "--now", now)
	if count(out) != 0 || !strings.Contains(out, "25 rejected, first rejected: line 1:") {
		t.Errorf("without --rejections:\n%s", out)
	}
	_, out, _ = runCmd(t, nil, "check", "--config", cfg, "--now", now, "--rejections", "3")
	if count(out) != 3 || !strings.Contains(out, "      rejected: line 3: finished_at: not an RFC 3339 timestamp: \"yesterday\"\n") {
		t.Errorf("--rejections 3:\n%s", out)
	}
	_, out, _ = runCmd(t, nil, "check", "--config", cfg, "--now", now, "--rejections", "20")
	if count(out) != 20 || !strings.Contains(out, "rejected: line 20:") {
		t.Errorf("--rejections 20 lists %d:\n%s", count(out), out)
	}
	if code, _, errOut := runCmd(t, nil, "check", "--config", cfg, "--rejections", "21"); code != 2 || !strings.Contains(errOut, "from 0 to 20") {
		t.Errorf("--rejections 21: exit %d, %q", code, errOut)
	}
}
