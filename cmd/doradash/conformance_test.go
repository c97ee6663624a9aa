package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The cases of ../shared/conformance, copied into testdata/conformance, run
// in-process exactly as compare.py runs them against the binary: a config
// with one file source per event file (and link_incidents_within when the
// case sets link_within_seconds), `snapshot --format json` with the case's
// --now, --window, --service and --environment.

type conformanceCase struct {
	Now          string   `json:"now"`
	Days         int      `json:"days"`
	Files        []string `json:"files"`
	Services     []string `json:"services"`
	Environments []string `json:"environments"`
	// LinkWithinSeconds sets link_incidents_within (SPEC §3 links by
	// time) when not 0.
	LinkWithinSeconds int `json:"link_within_seconds"`
}

func TestConformance(t *testing.T) {
	root := filepath.Join("..", "..", "testdata", "conformance")
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, d := range dirs {
		dir := filepath.Join(root, d.Name())
		if _, err := os.Stat(filepath.Join(dir, "case.json")); err != nil {
			continue
		}
		ran++
		t.Run(d.Name(), func(t *testing.T) { runConformanceCase(t, dir) })
	}
	if ran == 0 {
		t.Fatal("no conformance cases found")
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func runConformanceCase(t *testing.T, dir string) {
	var c conformanceCase
	readJSON(t, filepath.Join(dir, "case.json"), &c)
	var expected map[string]any
	readJSON(t, filepath.Join(dir, "expected.json"), &expected)

	work := t.TempDir()
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "window = \"%dd\"\n", c.Days)
	if c.LinkWithinSeconds != 0 {
		fmt.Fprintf(&cfg, "link_incidents_within = \"%ds\"\n", c.LinkWithinSeconds)
	}
	for i, f := range c.Files {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&cfg, "\n[[source]]\nname = \"src%d\"\ntype = \"file\"\npath = \"%s\"\n", i, f)
	}
	cfgPath := filepath.Join(work, "doradash.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"snapshot", "--format", "json", "--config", cfgPath, "--now", c.Now, "--window", fmt.Sprintf("%dd", c.Days)}
	for _, s := range c.Services {
		args = append(args, "--service", s)
	}
	for _, e := range c.Environments {
		args = append(args, "--environment", e)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var got map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout.String())
	}
	var problems []string
	diffJSON(expected, got, "$", &problems)
	srcs, _ := got["sources"].([]any)
	if len(srcs) != len(c.Files) {
		problems = append(problems, fmt.Sprintf("$.sources: %d entries, want %d", len(srcs), len(c.Files)))
	}
	rejected := 0.0
	for _, s := range srcs {
		m := s.(map[string]any)
		rejected += m["rejected"].(float64)
		if m["ok"] != true {
			problems = append(problems, fmt.Sprintf("source %v not ok: %v", m["name"], m["error"]))
		}
	}
	if want, _ := expected["_rejected"].(float64); rejected != want {
		problems = append(problems, fmt.Sprintf("rejected in all = %v, want %v", rejected, want))
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// diffJSON compares like compare.py: every expected key (except those
// starting with "_") must be present and equal, numbers to a relative 1e-6
// or absolute 1e-3.
func diffJSON(exp, got any, path string, out *[]string) {
	switch e := exp.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: expected an object, got %v", path, got))
			return
		}
		keys := make([]string, 0, len(e))
		for k := range e {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if strings.HasPrefix(k, "_") {
				continue
			}
			gv, ok := g[k]
			if !ok {
				*out = append(*out, fmt.Sprintf("%s.%s: missing", path, k))
				continue
			}
			diffJSON(e[k], gv, path+"."+k, out)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(e) {
			*out = append(*out, fmt.Sprintf("%s: expected %d items, got %v", path, len(e), got))
			return
		}
		for i := range e {
			diffJSON(e[i], g[i], fmt.Sprintf("%s[%d]", path, i), out)
		}
	case float64:
		g, ok := got.(float64)
		if !ok || math.Abs(e-g) > math.Max(1e-6*math.Max(math.Abs(e), math.Abs(g)), 1e-3) {
			*out = append(*out, fmt.Sprintf("%s: expected %v, got %v", path, e, got))
		}
	default:
		if exp != got {
			*out = append(*out, fmt.Sprintf("%s: expected %v, got %v", path, exp, got))
		}
	}
}
