package main

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	pmodel "github.com/prometheus/common/model"

	"doradash/cmd/doradash/internal/testkit"
	"doradash/model"
)

func TestParseTeams(t *testing.T) {
	c, err := parseConfig("doradash.toml", []byte(`
[[team]]
name = "payments"
services = ["payments", "ledger"]

[[team]]
name = "search"
services = ["search"]
`), fakeEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := model.Teams{{Name: "payments", Services: []string{"payments", "ledger"}}, {Name: "search", Services: []string{"search"}}}
	if len(c.Teams) != 2 || c.Teams[0].Name != want[0].Name || !slices.Equal(c.Teams[0].Services, want[0].Services) ||
		c.Teams[1].Name != want[1].Name || !slices.Equal(c.Teams[1].Services, want[1].Services) {
		t.Errorf("teams %+v, want %+v", c.Teams, want)
	}
}

func TestParseTeamErrors(t *testing.T) {
	for _, c := range []struct{ name, doc, want string }{
		{"duplicate names", "[[team]]\nname = \"a\"\nservices = [\"x\"]\n\n[[team]]\nname = \"a\"\nservices = [\"y\"]\n",
			`doradash.toml:6: team "a": duplicate name (also team 1)`},
		{"no name", "[[team]]\nservices = [\"x\"]\n", `doradash.toml:1: team: missing required key "name"`},
		{"empty name", "[[team]]\nname = \"\"\nservices = [\"x\"]\n", `doradash.toml:2: team: name must not be empty`},
		{"reserved name", "[[team]]\nname = \"unassigned\"\nservices = [\"x\"]\n", `doradash.toml:2: team: "unassigned" is the team of the services no team lists`},
		{"name not a string", "[[team]]\nname = 7\nservices = [\"x\"]\n", `doradash.toml:2: team name: expected a string, got the number 7`},
		{"no services", "[[team]]\nname = \"a\"\n", `doradash.toml:1: team "a": missing required key "services"`},
		{"empty services", "[[team]]\nname = \"a\"\nservices = []\n", `doradash.toml:3: team "a": services: list at least one service`},
		{"empty service", "[[team]]\nname = \"a\"\nservices = [\"x\", \"\"]\n", `doradash.toml:3: team "a": services[1]: a service name must not be empty`},
		{"service twice", "[[team]]\nname = \"a\"\nservices = [\"x\", \"x\"]\n", `doradash.toml:3: team "a": services: "x" is listed twice`},
		{"services not strings", "[[team]]\nname = \"a\"\nservices = [1]\n", `doradash.toml:3: team "a": services[0]: expected a string, got the number 1`},
		{"unknown key", "[[team]]\nname = \"a\"\nservices = [\"x\"]\nowner = \"b\"\n", `doradash.toml:4: team "a": unknown key "owner"`},
		{"not an array of tables", "team = \"a\"\n", `doradash.toml:1: team: write each team as a [[team]] table`},
	} {
		_, err := parseConfig("doradash.toml", []byte(c.doc), fakeEnv(nil))
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// TestTeamResolution: --team names services, combined with --service by
// intersection; "unassigned" is every service of the data no team lists.
func TestTeamResolution(t *testing.T) {
	teams := model.Teams{{Name: "payments", Services: []string{"payments", "ledger"}}, {Name: "search", Services: []string{"search", "ledger"}}}
	ds := model.Merge(&model.Batch{Deployments: []model.Deployment{
		{ID: "1", Service: "payments"}, {ID: "2", Service: "ledger"}, {ID: "3", Service: "web"},
		{ID: "4", Service: ""}, {ID: "5", Service: "api"},
	}})
	for _, c := range []struct {
		name     string
		team     string
		services []string // --service
		want     []string
		err      string
	}{
		{"a team", "payments", nil, []string{"payments", "ledger"}, ""},
		{"intersection", "payments", []string{"ledger", "web"}, []string{"ledger"}, ""},
		{"empty intersection matches nothing", "payments", []string{"web"}, []string{""}, ""},
		{"unassigned", "unassigned", nil, []string{"api", "web"}, ""},
		{"unassigned with a service", "unassigned", []string{"api", "payments"}, []string{"api"}, ""},
		{"unknown", "paymnets", nil, nil, `--team: unknown team "paymnets" (known: "payments", "search", "unassigned")`},
	} {
		s := &settings{cfg: &Config{Teams: teams, Query: model.Query{Services: c.services}}}
		err := s.selectTeam(c.team)
		if c.err != "" {
			var ue *usageError
			if !errors.As(err, &ue) || err.Error() != c.err {
				t.Errorf("%s: error %v, want the usage error %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		s.resolveTeam(ds)
		got := s.cfg.Query.Services
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: services %q, want %q", c.name, got, c.want)
		}
	}
}

const teamsConfig = goodConfig + `
[[team]]
name = "core"
services = ["api"]
`

// TestSnapshotTeamEqualsServices: --team gives the same JSON as --service
// for the team's services; an unknown team is a usage error.
func TestSnapshotTeamEqualsServices(t *testing.T) {
	cfg := writeConfig(t, teamsConfig)
	for _, c := range []struct{ team, services []string }{
		{[]string{"--team", "core"}, []string{"--service", "api"}},
		{[]string{"--team", "unassigned"}, []string{"--service", "web"}},
		{[]string{"--team", "core", "--service", "web"}, []string{"--service", ""}},
	} {
		args := []string{"snapshot", "--format", "json", "--config", cfg, "--now", now}
		code, byTeam, stderr := runCmd(t, nil, append(args, c.team...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c.team, code, stderr)
		}
		_, byService, _ := runCmd(t, nil, append(args, c.services...)...)
		if byTeam != byService {
			t.Errorf("%v differs from %v:\n%s\n%s", c.team, c.services, byTeam, byService)
		}
	}
	code, _, stderr := runCmd(t, nil, "snapshot", "--config", cfg, "--team", "nobody")
	if code != exitUsage || !strings.Contains(stderr, `unknown team "nobody"`) {
		t.Errorf("unknown team: exit %d, %q; want 2 naming it", code, stderr)
	}
}

// TestHTTPTeams: the HTTP endpoints know the configured teams: team= of
// /api/v1/snapshot, and the team label of /metrics.
func TestHTTPTeams(t *testing.T) {
	cfg := writeConfig(t, teamsConfig)
	h := startHeadless(t, nil, "--config", cfg, "--now", now)
	// "unassigned" is the services of the data in no team: ask once the
	// data is there (before the first poll it is no service at all).
	testkit.WaitFor(t, serveWait, "/readyz", func() bool {
		code, _ := fetch(t, h.url+"/readyz", "")
		return code == http.StatusOK
	})
	for team, svc := range map[string]string{"core": "api", "unassigned": "web"} {
		_, byTeam := fetch(t, h.url+"/api/v1/snapshot?team="+team, "")
		_, byService := fetch(t, h.url+"/api/v1/snapshot?service="+svc, "")
		if !strings.Contains(byTeam, `"deployment_frequency"`) || byTeam != byService {
			t.Errorf("team=%s differs from service=%s:\n%s\n%s", team, svc, byTeam, byService)
		}
	}
	if code, body := fetch(t, h.url+"/api/v1/snapshot?team=nobody", ""); code != 400 || !strings.Contains(body, `core`) {
		t.Errorf("team=nobody: %d %s; want 400 naming the teams", code, body)
	}
	_, text := fetch(t, h.url+"/metrics", "")
	parser := expfmt.NewTextParser(pmodel.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, m := range families["doradash_deployments"].GetMetric() {
		var svc, team string
		for _, l := range m.GetLabel() {
			switch l.GetName() {
			case "service":
				svc = l.GetValue()
			case "team":
				team = l.GetValue()
			}
		}
		seen[svc] = team
	}
	if seen["api"] != "core" || seen["web"] != "unassigned" {
		t.Errorf("team labels by service %v, want api → core, web → unassigned", seen)
	}

}
