package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"doradash/sources/apisrc"
	"doradash/sources/incidentio/incidentiotest"
	"doradash/sources/pagerduty/pagerdutytest"
)

const (
	pdToken  = "u+cmdPDtoken0123456789SECRET"
	incToken = "inc_cmd_TOKEN_9876543210SECRET"
)

// TestIncidentToolsSnapshotAndCheck runs snapshot and check on a
// configuration with a PagerDuty and an incident.io source against servers
// that behave like them; the tokens appear in no output.
func TestIncidentToolsSnapshotAndCheck(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	pd := pagerdutytest.NewServer(apisrc.NewStepClock(now), pdToken)
	defer pd.Close()
	pd.Generate(120, now.Add(-time.Hour))
	inc := incidentiotest.NewServer(apisrc.NewStepClock(now), incToken)
	defer inc.Close()
	inc.Generate(100, now.Add(-time.Hour))
	cfg := writeConfig(t, `window = "30d"
cache_dir = "`+t.TempDir()+`"
[[source]]
name = "pd"
type = "pagerduty"
token_env = "PD_TOKEN"
api_url = "`+pd.URL+`"
severity_from = "priority"
[[source]]
name = "inc"
type = "incidentio"
token_env = "INC_TOKEN"
api_url = "`+inc.URL+`"
service_field = "Affected service"
`)
	vars := map[string]string{"PD_TOKEN": pdToken, "INC_TOKEN": incToken}
	code, out, errOut := runCmd(t, vars, "snapshot", "--format", "json", "--config", cfg)
	if code != 0 {
		t.Fatalf("snapshot: exit %d\n%s\n%s", code, out, errOut)
	}
	var rep struct {
		Incidents struct{ Total int } `json:"incidents"`
		Sources   []map[string]any    `json:"sources"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Sources) != 2 || rep.Sources[0]["type"] != "pagerduty" || rep.Sources[1]["type"] != "incidentio" ||
		rep.Sources[0]["state"] != "ok" || rep.Sources[1]["state"] != "ok" {
		t.Fatalf("sources: %v", rep.Sources)
	}
	if rep.Sources[0]["incidents"].(float64) != 120 || rep.Incidents.Total == 0 {
		t.Fatalf("incidents: %v, total %d", rep.Sources[0]["incidents"], rep.Incidents.Total)
	}
	code, out2, errOut2 := runCmd(t, vars, "check", "--config", cfg)
	if code != 0 || !strings.Contains(out2, "rate limit") {
		t.Fatalf("check: exit %d\n%s\n%s", code, out2, errOut2)
	}
	for _, text := range []string{out, errOut, out2, errOut2} {
		if strings.Contains(text, pdToken) || strings.Contains(text, incToken) {
			t.Fatal("token in output")
		}
	}
}

func TestIncidentToolConfigErrorsNameTheLine(t *testing.T) {
	getenv := func(k string) string { return map[string]string{"T": "tok"}[k] }
	for _, c := range []struct{ doc, want string }{
		{"[[source]]\nname = \"pd\"\ntype = \"pagerduty\"\ntoken_env = \"T\"\nseverity_from = \"labels\"\n", `:5: source "pd": severity_from: "labels" is not priority or urgency`},
		{"[[source]]\nname = \"pd\"\ntype = \"pagerduty\"\ntoken_env = \"T\"\nservice_ids = [\"P1\", \"\"]\n", `:5: source "pd": service_ids: element 2`},
		{"[[source]]\nname = \"pd\"\ntype = \"pagerduty\"\n", `:1: source "pd": missing required key "token_env"`},
		{"[[source]]\nname = \"i\"\ntype = \"incidentio\"\ntoken_env = \"T\"\nservice_ids = [\"P1\"]\n", `:5: source "i": unknown key "service_ids" for a incidentio source`},
		{"[[source]]\nname = \"i\"\ntype = \"incidentio\"\ntoken_env = \"T\"\nstarted = 3\n", `:5:`},
	} {
		_, err := parseConfig("x.toml", []byte(c.doc), getenv)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.doc, err, c.want)
		}
	}
	cfg, err := parseConfig("x.toml", []byte("[[source]]\nname = \"i\"\ntype = \"incidentio\"\ntoken_env = \"T\"\nstarted = \"Began\"\nservice_field = \"Team\"\n"), getenv)
	if err != nil {
		t.Fatal(err)
	}
	o := incidentioOptions(cfg.Sources[0], 30, nil, "")
	if o.Started != "Began" || o.ServiceField != "Team" || o.History != 180*24*time.Hour {
		t.Errorf("options %+v", o)
	}
}
