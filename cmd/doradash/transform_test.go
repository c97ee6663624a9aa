package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"doradash/sources/transform"
)

const tfFile = "/d/doradash.toml"

func parseTransform(t *testing.T, doc string, vars map[string]string) (*Config, error) {
	t.Helper()
	return parseConfig(tfFile, []byte(doc), fakeEnv(vars))
}

func TestTransformConfigIsRead(t *testing.T) {
	c, err := parseTransform(t, `
[[source]]
name = "jira"
type = "http"
url = "https://acme.atlassian.net/rest/api/3/search?jql=issuetype%3DIncident"
bearer_token_env = "JIRA_TOKEN"
headers_env = { "X-Api-Key" = "JIRA_KEY" }
transform = '''
.issues[] | {kind: "incident", id: .key, started_at: (.fields.created | to_rfc3339)}
'''
paginate = { style = "offset", start = "startAt", size = "maxResults", total = "total", page_size = 100 }
`, map[string]string{"JIRA_TOKEN": "tok", "JIRA_KEY": "key-value"})
	if err != nil {
		t.Fatal(err)
	}
	s := c.Sources[0]
	want := transform.Paginate{Style: "offset", Start: "startAt", Size: "maxResults", Total: "total", PageSize: 100}
	if s.Transform.Paginate != want || !strings.HasPrefix(s.Transform.Program, ".issues[]") || s.Transform.Line != 9 {
		t.Fatalf("%+v", s.Transform)
	}
	if h := httpHeaders(s); h["X-Api-Key"] != "key-value" {
		t.Fatalf("headers %v", h)
	}
	// A [source.paginate] table works as well as an inline one.
	c, err = parseTransform(t, `
[[source]]
name = "x"
type = "http"
url = "https://api.example.com/v1/incidents"
transform = '.data[]'
[source.paginate]
style = "next_url"
next = ".paging.next"
`, nil)
	if err != nil || c.Sources[0].Transform.Paginate != (transform.Paginate{Style: "next_url", Next: ".paging.next"}) {
		t.Fatalf("%+v %v", c, err)
	}
}

func TestTransformConfigErrorsNameTheLine(t *testing.T) {
	head := "[[source]]\nname = \"j\"\ntype = \"http\"\nurl = \"https://api.example.com/x\"\n"
	for _, c := range []struct {
		doc, want string
	}{
		// The program's third line is the file's eighth.
		{head + "transform = '''\n.issues[]\n| {id: .key,\n   title: .fields.summary)\n'''\n",
			`:8: source "j": transform does not compile: unexpected token ")" (line 3 of the program, column 26)`},
		{head + "transform = '''.issues[]\n| {id: .key,\n   title: .fields.summary)\n'''\n",
			`:7: source "j": transform does not compile: unexpected token ")" (line 3 of the program, column 26)`},
		{head + "transform = \".a |\"\n", `:5: source "j": transform does not compile: unexpected EOF (line 1 of the program, column 4)`},
		{head + "transform = \".a | nosuch\"\n", `:5: source "j": transform does not compile: function not defined: nosuch/0`},
		{head + "transform = \"\"\n", `:5: source "j": transform does not compile: the program is empty`},
		{head + "transform = 5\n", `:5: source "j": transform: expected a string, got the number 5`},
		{head + "paginate = { style = \"link\" }\n", `:5: source "j": paginate needs a transform`},
		{head + "transform = '.'\nformat = \"ndjson\"\n", `:6: source "j": format: a transform reads JSON pages`},
		{head + "transform = '.'\npaginate = \"link\"\n", `:6: source "j": paginate: expected a table like { style = "link" }, got the string "link"`},
		{head + "transform = '.'\npaginate = { style = \"cursor\", next = \".a\" }\n", `:6: source "j": paginate: style cursor needs the key "param"`},
		{head + "transform = '.'\npaginate = { style = \"link\", size = 3 }\n", `:6: source "j": paginate.size: expected a string, got the number 3`},
		{head + "transform = '.'\npaginate = { style = \"link\", per_page = 3 }\n", `:6: source "j": paginate: unknown key "per_page"`},
		{head + "transform = '.'\npaginate = { style = \"offset\", start = \"s\", page_size = 0 }\n", `:6: source "j": paginate.page_size: 0 is not between 1 and 100000`},
		{head + "transform = '.'\n[source.paginate]\nstyle = \"offset\"\nstart = \"s\"\npage_size = \"100\"\n", `:9: source "j": paginate.page_size: expected a whole number, got the string "100"`},
		{head + "transform = '.'\n[source.paginate]\nstyle = \"next_url\"\nnext = \".a |\"\n", `:8: source "j": paginate.next: unexpected EOF`},
		{head + "transform = '.'\nhistory = \"90d\"\n", `:6: source "j": unknown key "history" for a http source`},
		{head + "transform = '.'\nheaders = { Host = \"h\" }\n", `:6: source "j": headers: Host cannot be set`},
		{head + "headers_env = { Authorization = \"UNSET\" }\n", `:5: source "j": headers_env: header "Authorization": environment variable UNSET is not set or empty`},
		{head + "headers_env = { Accept = \"ACCEPT\" }\n", `:5: source "j": headers_env: "Accept" does not name a credential header`},
		{head + "headers_env = { Authorization = 5 }\n", `:5: source "j": headers_env: header "Authorization": expected the name of an environment variable`},
	} {
		_, err := parseTransform(t, c.doc, map[string]string{"ACCEPT": "json"})
		if err == nil || !strings.HasPrefix(err.Error(), tfFile+c.want) {
			t.Errorf("%s\ngot  %v\nwant %s%s", c.doc, err, tfFile, c.want)
		}
	}
}

// TestTransformSnapshotAndCheck runs snapshot and check with an http
// source that pages through an API with a cursor and a credential header
// read from a variable.
func TestTransformSnapshotAndCheck(t *testing.T) {
	const key = "GenieKey og-SECRET-0123456789abcdef"
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Header.Get("Authorization") != key || !strings.HasPrefix(r.Header.Get("User-Agent"), "doradash/") {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		page := 0
		fmt.Sscan(r.URL.Query().Get("after"), &page)
		var items []map[string]any
		for i := page * 10; i < page*10+10; i++ {
			items = append(items, map[string]any{"id": i, "at": fmt.Sprintf("2026-11-%02dT10:00:00.000+0000", 1+i%25)})
		}
		body := map[string]any{"items": items, "after": nil}
		if page < 2 {
			body["after"] = page + 1
		}
		json.NewEncoder(w).Encode(body)
	}))
	defer srv.Close()
	cfg := writeConfig(t, `window = "30d"
[[source]]
name = "deploys"
type = "http"
url = "`+srv.URL+`/deploys"
headers_env = { Authorization = "OG_AUTH" }
transform = '''
.items[] | {kind: "deployment", id: "d\(.id)", finished_at: (.at | to_rfc3339),
  status: (if .id % 10 == 9 then "rolled_back" else "success" end)}
'''
paginate = { style = "cursor", next = ".after", param = "after" }
`)
	vars := map[string]string{"OG_AUTH": key}
	code, out, errOut := runCmd(t, vars, "snapshot", "--format", "json", "--config", cfg, "--now", "2026-11-30T00:00:00Z")
	if code != 0 {
		t.Fatalf("snapshot: exit %d\n%s\n%s", code, out, errOut)
	}
	var rep struct {
		DeploymentFrequency struct{ Count int }    `json:"deployment_frequency"`
		ChangeFailureRate   struct{ Failures int } `json:"change_failure_rate"`
		Sources             []map[string]any       `json:"sources"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if src := rep.Sources[0]; src["type"] != "http" || src["deployments"].(float64) != 30 || src["rejected"].(float64) != 0 {
		t.Fatalf("source %v", src)
	}
	if rep.DeploymentFrequency.Count != 30 || rep.ChangeFailureRate.Failures != 3 || requests.Load() != 3 {
		t.Fatalf("%+v, %d requests", rep, requests.Load())
	}
	code, out2, errOut2 := runCmd(t, vars, "check", "--config", cfg)
	if code != 0 || !strings.Contains(out2, "deploys") {
		t.Fatalf("check: exit %d\n%s\n%s", code, out2, errOut2)
	}
	for _, text := range []string{out, errOut, out2, errOut2} {
		if strings.Contains(text, "og-SECRET") {
			t.Fatal("credential in output")
		}
	}
}

// TestSpecJiraExample runs the configuration of SPEC §8.6 as written
// (offset pagination of /rest/api/3/search, the ts helper defined in the
// program) against a server that pages like Jira: maxResults capped at
// 100, startAt, total.
func TestSpecJiraExample(t *testing.T) {
	var requests atomic.Int32
	var starts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		q := r.URL.Query()
		if r.Header.Get("Authorization") != "Bearer jira-tok" || q.Get("jql") != "issuetype=Incident" || q.Get("maxResults") != "100" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		start := 0
		fmt.Sscan(q.Get("startAt"), &start)
		starts = append(starts, q.Get("startAt"))
		var issues []map[string]any
		for i := start; i < min(start+100, 250); i++ {
			f := map[string]any{"summary": fmt.Sprintf("incident %d", i), "created": "2026-11-20T14:10:00.000+0000",
				"resolutiondate": nil, "priority": map[string]any{"name": "High"}}
			if i%2 == 0 {
				f["resolutiondate"] = "2026-11-20T15:10:00.000+0100"
			}
			issues = append(issues, map[string]any{"key": fmt.Sprintf("OPS-%d", i), "fields": f})
		}
		json.NewEncoder(w).Encode(map[string]any{"startAt": start, "maxResults": 100, "total": 250, "issues": issues})
	}))
	defer srv.Close()
	cfg := writeConfig(t, `window = "30d"
[[source]]
name = "jira-incidents"
type = "http"
url = "`+srv.URL+`/rest/api/3/search?jql=issuetype%3DIncident"
bearer_token_env = "JIRA_TOKEN"
transform = '''
def ts: if . == null then null
  else sub("(?<h>[+-][0-9]{2})(?<m>[0-9]{2})$"; "\(.h):\(.m)") end;
.issues[] | {kind: "incident", id: .key, title: .fields.summary,
  started_at: (.fields.created | ts), resolved_at: (.fields.resolutiondate | ts),
  severity: .fields.priority.name}
'''
paginate = { style = "offset", start = "startAt", size = "maxResults", total = "total", page_size = 100 }
`)
	code, out, errOut := runCmd(t, map[string]string{"JIRA_TOKEN": "jira-tok"}, "snapshot", "--format", "json", "--config", cfg, "--now", "2026-11-30T00:00:00Z")
	if code != 0 {
		t.Fatalf("snapshot: exit %d\n%s\n%s", code, out, errOut)
	}
	var rep exampleReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	in := rep.Incidents
	if rep.Sources[0].Incidents != 250 || in.Total != 250 || in.Open != 125 || in.BySeverity["SEV2"] != 250 {
		t.Fatalf("incidents %+v", in)
	}
	// Resolved at 15:10+01:00, started at 14:10Z: 0 s.
	if got := rep.TimeToRestore.String(); got != "[125,0,0,0]" {
		t.Errorf("time to restore %s", got)
	}
	if requests.Load() != 3 || strings.Join(starts, ",") != ",100,200" {
		t.Errorf("%d requests, startAt %q", requests.Load(), starts)
	}
}
