package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCmd runs one doradash command line in-process.
func runCmd(t *testing.T, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: fakeEnv(vars)})
	return code, out.String(), errb.String()
}

// writeConfig writes doc as doradash.toml in a new folder together with a
// valid events file, and returns the config path.
func writeConfig(t *testing.T, doc string) string {
	t.Helper()
	dir := t.TempDir()
	events, err := os.ReadFile(filepath.Join("..", "..", "testdata", "conformance", "rules", "rules.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "events.json"), events, 0o644); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "doradash.toml")
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const goodConfig = `window = "30d"
[[source]]
name = "events"
type = "file"
path = "events.json"
`

const missingFileConfig = goodConfig + `
[[source]]
name = "gone"
type = "file"
path = "does-not-exist.json"
`

const now = "2026-06-01T08:30:00Z"

func TestExitCodes(t *testing.T) {
	good := writeConfig(t, goodConfig)
	missing := writeConfig(t, missingFileConfig)
	broken := writeConfig(t, "window = \"30d\"\n[[source]]\nname = \"deploys\"\ntype = \"file\"\npth = \"x\"\n")
	cases := []struct {
		name       string
		args       []string
		code       int
		stdoutHas  []string
		stderrHas  string
		stderrNone bool
	}{
		{"snapshot good", []string{"snapshot", "--config", good, "--now", now, "--format", "json"}, 0, []string{`"deployment_frequency"`}, "", true},
		{"check good", []string{"check", "--config", good, "--now", now}, 0, []string{"ok    events  ", "7 incidents", "3 rejected"}, "", true},
		{"snapshot missing source", []string{"snapshot", "--config", missing, "--now", now, "--format", "json"}, 1,
			[]string{`"name": "events"`, `"name": "gone"`, `"ok": false`}, `source "gone" failed`, false},
		{"check missing source", []string{"check", "--config", missing, "--now", now}, 1,
			[]string{"ok    events", "FAIL  gone", "no such file"}, `source "gone" failed`, false},
		{"snapshot broken config", []string{"snapshot", "--config", broken}, 2, nil, `doradash.toml:5: source "deploys": unknown key "pth"`, false},
		{"check broken config", []string{"check", "--config", broken}, 2, nil, `doradash.toml:5: source "deploys": unknown key "pth"`, false},
		{"missing config file", []string{"check", "--config", "/nonexistent/x.toml"}, 2, nil, "x.toml: cannot read configuration", false},
		{"unknown command", []string{"frobnicate"}, 2, nil, `unknown command "frobnicate"`, false},
		{"unknown flag", []string{"snapshot", "--colour"}, 2, nil, "flag provided but not defined", false},
		{"bad format", []string{"snapshot", "--demo", "--format", "yaml"}, 2, nil, "--format must be text or json", false},
		{"bad window", []string{"snapshot", "--demo", "--window", "3w"}, 2, nil, "--window", false},
		{"bad now", []string{"snapshot", "--demo", "--now", "yesterday"}, 2, nil, "--now", false},
		{"now out of range", []string{"snapshot", "--demo", "--now", "2300-01-01T00:00:00Z"}, 2, nil, "outside the years 1679 to 2261", false},
		{"now lowercase", []string{"snapshot", "--demo", "--now", "2026-11-20t14:03:22z", "--format", "json"}, 0, []string{`"generated_at": "2026-11-20T14:03:22Z"`}, "", true},
		{"now with offset", []string{"snapshot", "--demo", "--now", "2026-11-20T16:03:22+02:00", "--format", "json"}, 0, []string{`"generated_at": "2026-11-20T14:03:22Z"`}, "", true},
		{"help", []string{"snapshot", "--help"}, 0, []string{"Usage:"}, "", true},
		{"top-level help", []string{"--help"}, 0, []string{"doradash snapshot"}, "", true},
		{"version", []string{"version"}, 0, []string{"doradash "}, "", true},
		{"dashboard without a terminal", []string{"--demo"}, 2, nil, "doradash: the dashboard needs a terminal", false},
		{"dashboard flag error has one prefix", []string{"--frob"}, 2, nil, "doradash: flag provided but not defined: -frob\n", false},
		{"stray argument", []string{"snapshot", "--demo", "extra"}, 2, nil, `unexpected argument "extra"`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, nil, c.args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, out, errOut)
			}
			for _, s := range c.stdoutHas {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			if c.stderrHas != "" && !strings.Contains(errOut, c.stderrHas) {
				t.Errorf("stderr = %q, want it to contain %q", errOut, c.stderrHas)
			}
			if c.stderrNone && errOut != "" {
				t.Errorf("unexpected stderr: %q", errOut)
			}
			if c.code == 2 && strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Errorf("a usage error must be one line: %q", errOut)
			}
		})
	}
}

func TestSnapshotDemoDeterministic(t *testing.T) {
	args := []string{"snapshot", "--demo", "--now", "2026-11-20T14:03:22Z", "--format", "json"}
	_, a, _ := runCmd(t, nil, args...)
	_, b, _ := runCmd(t, nil, args...)
	if a != b || a == "" {
		t.Fatal("two demo snapshots with the same --now differ")
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(a), &r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"generated_at", "window", "filters", "deployment_frequency", "lead_time",
		"change_failure_rate", "time_to_restore", "failed_deployment_recovery_time", "incidents", "sources"} {
		if _, ok := r[k]; !ok {
			t.Errorf("snapshot lacks %q", k)
		}
	}
	if r["generated_at"] != "2026-11-20T14:03:22Z" {
		t.Errorf("generated_at = %v", r["generated_at"])
	}
	code, text, _ := runCmd(t, map[string]string{"NO_COLOR": "1"}, "snapshot", "--demo", "--now", "2026-11-20T14:03:22Z")
	if code != 0 || strings.Contains(text, "\x1b[") || !strings.Contains(strings.ToLower(text), "lead time") {
		t.Fatalf("text snapshot (exit %d):\n%s", code, text)
	}
}

func TestFlagsOverrideConfig(t *testing.T) {
	p := writeConfig(t, "window = \"30d\"\nservices = [\"api\"]\n"+strings.TrimPrefix(goodConfig, "window = \"30d\"\n"))
	_, out, _ := runCmd(t, nil, "snapshot", "--config", p, "--now", now, "--format", "json", "--window", "7d", "--service", "web", "--environment", "staging")
	var r struct {
		Window  struct{ Days int }
		Filters struct{ Environments, Services []string }
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Window.Days != 7 || len(r.Filters.Services) != 1 || r.Filters.Services[0] != "web" ||
		len(r.Filters.Environments) != 1 || r.Filters.Environments[0] != "staging" {
		t.Fatalf("flags did not override: %+v", r)
	}
}

// The example configuration at the repository root runs as it is.
func TestExampleConfigRuns(t *testing.T) {
	code, out, errOut := runCmd(t, map[string]string{"HOME": t.TempDir()}, "check", "--config", filepath.Join("..", "..", "config.example.toml"))
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if strings.Count(out, "\nok ") != 2 {
		t.Fatalf("want two ok sources:\n%s", out)
	}
}

func TestSnapshotSaysDemoWithoutConfig(t *testing.T) {
	t.Chdir(t.TempDir())
	code, out, errOut := runCmd(t, map[string]string{"HOME": t.TempDir()}, "snapshot", "--now", now, "--format", "json")
	if code != 0 || !strings.Contains(out, `"name": "demo"`) {
		t.Fatalf("exit %d, stdout:\n%s", code, out)
	}
	if !strings.Contains(errOut, "no configuration found, showing the built-in demo data") {
		t.Fatalf("stderr = %q, want the demo notice", errOut)
	}
}
