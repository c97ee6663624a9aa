package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of explain")

// explainCase is a conformance data set as a configuration of its own.
type explainCase struct {
	name, dir, now, window string
	linkWithin             string
}

var explainCases = []explainCase{
	{"links-by-time", "links-by-time", "2026-11-20T12:00:00Z", "7d", "2h"},
	{"rules", "rules", "2026-06-01T08:30:00Z", "30d", ""},
}

// configFor writes a configuration with one file source per event file
// of the conformance case dir and returns its path.
func configFor(t *testing.T, c explainCase) string {
	t.Helper()
	var cc conformanceCase
	src := filepath.Join("..", "..", "testdata", "conformance", c.dir)
	readJSON(t, filepath.Join(src, "case.json"), &cc)
	var cfg strings.Builder
	if c.linkWithin != "" {
		fmt.Fprintf(&cfg, "link_incidents_within = %q\n", c.linkWithin)
	}
	for i, f := range cc.Files {
		abs, err := filepath.Abs(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&cfg, "[[source]]\nname = \"s%d\"\ntype = \"file\"\npath = %q\n", i, abs)
	}
	p := filepath.Join(t.TempDir(), "doradash.toml")
	if err := os.WriteFile(p, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExplainGolden(t *testing.T) {
	for _, c := range explainCases {
		cfg := configFor(t, c)
		for _, m := range metricNames {
			t.Run(c.name+"/"+m, func(t *testing.T) {
				code, out, errOut := runCmd(t, nil, "explain", m, "--config", cfg, "--now", c.now, "--window", c.window)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, errOut)
				}
				golden := filepath.Join("testdata", "explain", c.name+"-"+m+".golden")
				if *updateGolden {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update to write it)", err)
				}
				if out != string(want) {
					t.Errorf("explain %s differs from %s:\n%s", m, golden, out)
				}
			})
		}
	}
}

// The populations object adds to the snapshot JSON and changes nothing
// else; its keys name the metrics, and its records count what the
// metrics count.
func TestSnapshotPopulations(t *testing.T) {
	cfg := configFor(t, explainCases[0])
	args := []string{"--config", cfg, "--now", explainCases[0].now, "--window", "7d"}
	_, plainOut, _ := runCmd(t, nil, append([]string{"snapshot", "--format", "json"}, args...)...)
	var plain map[string]any
	if err := json.Unmarshal([]byte(plainOut), &plain); err != nil {
		t.Fatal(err)
	}
	for _, flags := range [][]string{{"--format", "json", "--populations"}, {"--explain"}, {"--format", "json", "--explain"}} {
		code, out, errOut := runCmd(t, nil, append(append([]string{"snapshot"}, flags...), args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", flags, code, errOut)
		}
		var got struct {
			Populations struct {
				DeploymentFrequency struct {
					Deployments []struct{ ID string }
					Daily       []struct{ Count int }
				} `json:"deployment_frequency"`
				LeadTime struct {
					Changes []struct{ SHA string }
				} `json:"lead_time"`
				ChangeFailureRate struct {
					Failures []struct {
						ID    string
						Links []struct {
							IncidentID string `json:"incident_id"`
							ByTime     bool   `json:"by_time"`
						}
					}
				} `json:"change_failure_rate"`
				TimeToRestore struct{ Incidents []struct{ ID string } } `json:"time_to_restore"`
				Recovery      struct {
					Incidents []struct {
						ID           string
						DeploymentID string `json:"deployment_id"`
						ByTime       bool   `json:"by_time"`
					}
				} `json:"failed_deployment_recovery_time"`
				Incidents struct {
					Incidents []struct{ ID string }
					Open      []any
					Downtime  []any
				} `json:"incidents"`
			} `json:"populations"`
		}
		var all map[string]any
		if err := json.Unmarshal([]byte(out), &all); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		for k, v := range plain {
			if !reflect.DeepEqual(all[k], v) {
				t.Errorf("%v: key %q changed:\n%v\nwas\n%v", flags, k, all[k], v)
			}
		}
		pop, ok := all["populations"].(map[string]any)
		if !ok || len(all) != len(plain)+1 {
			t.Fatalf("%v: want exactly one more key, populations; got %d keys, was %d", flags, len(all), len(plain))
		}
		for _, m := range metricNames {
			if _, ok := pop[m]; !ok {
				t.Errorf("%v: populations.%s missing", flags, m)
			}
		}
		p := got.Populations
		num := func(path ...string) int {
			var v any = plain
			for _, k := range path {
				v = v.(map[string]any)[k]
			}
			return int(v.(float64))
		}
		if n := len(p.DeploymentFrequency.Deployments); n != num("deployment_frequency", "count") || n == 0 {
			t.Errorf("deployments listed %d, count %d", n, num("deployment_frequency", "count"))
		}
		if n := len(p.LeadTime.Changes); n != num("lead_time", "count") {
			t.Errorf("changes listed %d, count %d", n, num("lead_time", "count"))
		}
		if n := len(p.ChangeFailureRate.Failures); n != num("change_failure_rate", "failures") {
			t.Errorf("failures listed %d, report %d", n, num("change_failure_rate", "failures"))
		}
		if n := len(p.TimeToRestore.Incidents); n != num("time_to_restore", "count") {
			t.Errorf("restore incidents listed %d, count %d", n, num("time_to_restore", "count"))
		}
		if n := len(p.Recovery.Incidents); n != num("failed_deployment_recovery_time", "count") {
			t.Errorf("recovery incidents listed %d, count %d", n, num("failed_deployment_recovery_time", "count"))
		}
		if n := len(p.Incidents.Incidents); n != num("incidents", "total") {
			t.Errorf("incidents listed %d, total %d", n, num("incidents", "total"))
		}
		// This data set links INC-1 and INC-3 by time (SPEC §3).
		byTime := 0
		for _, f := range p.ChangeFailureRate.Failures {
			for _, l := range f.Links {
				if l.ByTime {
					byTime++
				}
			}
		}
		if byTime == 0 {
			t.Errorf("no failure linked by time: %+v", p.ChangeFailureRate.Failures)
		}
	}
}

func TestPopulationsNeedJSON(t *testing.T) {
	code, _, errOut := runCmd(t, nil, "snapshot", "--demo", "--format", "text", "--populations")
	if code != 2 || !strings.Contains(errOut, "doradash explain METRIC") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}

// Ids are shown in full and safe for a terminal in text; JSON keeps them
// as they are.
func TestExplainIDsPrintableTextRawJSON(t *testing.T) {
	dir := t.TempDir()
	events := `{"deployments": [{"id": "d-\u001b[31mred", "service": "api", "finished_at": "2026-06-01T08:00:00Z", "status": "rolled_back"},
	  {"id": "d-a-very-long-identifier-that-is-not-cut-0123456789abcdef0123456789abcdef", "service": "api", "finished_at": "2026-06-01T07:00:00Z"}],
	 "incidents": [{"id": "INC-\u0007open", "service": "api", "started_at": "2026-06-01T08:10:00Z", "acknowledged_at": "2026-06-01T08:20:00Z"},
	  {"id": "INC-quiet", "service": "api", "started_at": "2026-06-01T08:11:00Z"}]}`
	if err := os.WriteFile(filepath.Join(dir, "e.json"), []byte(events), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "doradash.toml")
	if err := os.WriteFile(cfg, []byte("[[source]]\nname = \"e\"\ntype = \"file\"\npath = \"e.json\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, _ := runCmd(t, nil, "explain", "change_failure_rate", "--config", cfg, "--now", "2026-06-01T09:00:00Z")
	if strings.ContainsAny(out, "\x1b\x07") || !strings.Contains(out, "d-�[31mred") {
		t.Errorf("control characters reach the terminal, or the id is not shown:\n%q", out)
	}
	_, out, _ = runCmd(t, nil, "explain", "deployment_frequency", "--config", cfg, "--now", "2026-06-01T09:00:00Z")
	if !strings.Contains(out, "d-a-very-long-identifier-that-is-not-cut-0123456789abcdef0123456789abcdef") {
		t.Errorf("a long id is cut:\n%s", out)
	}
	_, out, _ = runCmd(t, nil, "explain", "incidents", "--config", cfg, "--now", "2026-06-01T09:00:00Z")
	if !strings.Contains(out, "INC-�open  api      unknown   2026-06-01T08:20:00Z") || !strings.Contains(out, "INC-quiet  api      unknown   no") {
		t.Errorf("open incidents do not say whether and when they were acknowledged:\n%s", out)
	}
	_, out, _ = runCmd(t, nil, "snapshot", "--explain", "--config", cfg, "--now", "2026-06-01T09:00:00Z")
	if !strings.Contains(out, `"id": "d-\u001b[31mred"`) || !strings.Contains(out, `"id": "INC-\u0007open"`) {
		t.Errorf("JSON does not keep the raw ids:\n%s", out)
	}
}

func TestExplainArguments(t *testing.T) {
	cases := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"explain", "--demo"}, 2, "", "explain: name a metric: deployment_frequency, lead_time"},
		{[]string{"explain", "lead_tme", "--demo"}, 2, "", `unknown metric "lead_tme"`},
		{[]string{"explain", "lead_tme", "--demo"}, 2, "", `did you mean "lead_time"?`},
		{[]string{"explain", "lead_time", "incidents", "--demo"}, 2, "", `unexpected argument "incidents"`},
		{[]string{"explain", "lead_time", "--demo", "--format", "xml"}, 2, "", "--format must be text or json"},
		// Flags before and after the metric, and before the command.
		{[]string{"explain", "--demo", "--now", now, "incidents"}, 0, "incidents, window 30d: 2026-05-02T08:30:00Z to 2026-06-01T08:30:00Z", ""},
		{[]string{"explain", "incidents", "--demo", "--now", now, "--window", "7d"}, 0, "incidents, window 7d: 2026-05-25T08:30:00Z", ""},
		{[]string{"--demo", "--now", now, "explain", "lead_time"}, 0, "lead_time, window 30d", ""},
		{[]string{"explain", "--demo", "--now", now, "--format", "json", "lead_time"}, 0, `"changes": [`, ""},
		{[]string{"explain", "--help"}, 0, "doradash explain METRIC [flags]", ""},
	}
	for _, c := range cases {
		code, out, errOut := runCmd(t, nil, c.args...)
		if code != c.code || !strings.Contains(out, c.stdout) || !strings.Contains(errOut, c.stderr) {
			t.Errorf("%v: exit %d (want %d)\nstdout %.300q\nstderr %q", c.args, code, c.code, out, errOut)
		}
	}
}
