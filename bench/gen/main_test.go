package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"doradash/sources"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args   []string
		file   string
		format sources.Format
	}{
		{[]string{"-deployments", "50", "-incidents", "5"}, "a.json", sources.FormatJSON},
		{[]string{"-deployments", "50", "-incidents", "5"}, "a.ndjson", sources.FormatNDJSON},
		{[]string{"-deployments", "50", "-incidents", "5", "-format", "ndjson"}, "b.json", sources.FormatNDJSON},
	} {
		p := filepath.Join(dir, tc.file)
		if err := run(append(tc.args, "-o", p), nil); err != nil {
			t.Fatalf("run %v: %v", tc.args, err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		batch, rej, err := sources.Decode(f, tc.format)
		f.Close()
		if err != nil || rej.Count != 0 || len(batch.Deployments) != 50 || len(batch.Incidents) != 5 {
			t.Fatalf("%s as %v: %v %+v, %d deployments, %d incidents", tc.file, tc.format, err, rej, len(batch.Deployments), len(batch.Incidents))
		}
	}
}

func TestRunStdoutAndErrors(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-deployments", "2", "-incidents", "1"}, &out); err != nil || !strings.HasPrefix(out.String(), `{"deployments": [`) {
		t.Fatalf("stdout: %v, %q", err, out.String())
	}
	for _, args := range [][]string{{"-format", "xml"}, {"-end", "yesterday"}, {"-deployments", "-1"}, {"extra"}} {
		if err := run(args, &bytes.Buffer{}); err == nil {
			t.Errorf("run %v succeeded", args)
		}
	}
}
