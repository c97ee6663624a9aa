package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"doradash/sources/github/githubtest"
	"doradash/sources/gitlab/gitlabtest"
)

const glToken = "glpat-cmdTESTtoken1234567SECRETvalue"

// TestGitLabSnapshotAndCheck runs snapshot and check on a configuration
// that mixes a gitlab source (a server that behaves like GitLab), a
// github source and a file: each source reads, the cache makes a second
// run cheap, check reports requests and headroom, and no token appears in
// any output or cache file.
func TestGitLabSnapshotAndCheck(t *testing.T) {
	srvNow := time.Now().UTC().Truncate(time.Second)
	gl := gitlabtest.NewServer(gitlabtest.NewClock(srvNow), glToken)
	defer gl.Close()
	gl.GenerateDeployments(40, srvNow.Add(-time.Hour))
	gl.GenerateIncidents(30, srvNow.Add(-time.Hour))
	gh := githubtest.NewServer(githubtest.NewClock(srvNow), ghToken)
	defer gh.Close()
	gh.Generate(20, srvNow.Add(-time.Hour))
	cacheDir := t.TempDir()
	cfg := writeConfig(t, `window = "30d"
cache_dir = "`+cacheDir+`"
[[source]]
name = "events"
type = "file"
path = "events.json"
[[source]]
name = "app"
type = "gitlab"
project = "group/app"
token_env = "GL_TOKEN"
api_url = "`+gl.URL+`"
incidents = true
[[source]]
name = "checkout"
type = "github"
repo = "acme/checkout"
token_env = "GH_TOKEN"
api_url = "`+gh.URL+`"
`)
	vars := map[string]string{"GL_TOKEN": glToken, "GH_TOKEN": ghToken}
	code, out, errOut := runCmd(t, vars, "snapshot", "--format", "json", "--config", cfg)
	if code != 0 {
		t.Fatalf("snapshot: exit %d\n%s\n%s", code, out, errOut)
	}
	var rep struct {
		Sources []map[string]any `json:"sources"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	var src map[string]any
	for _, s := range rep.Sources {
		if s["name"] == "app" {
			src = s
		}
	}
	// 40 deployments: 4 failed, 1 canceled (no record); 30 incidents.
	if src == nil || src["state"] != "ok" || src["type"] != "gitlab" || src["deployments"].(float64) != 39 || src["incidents"].(float64) != 30 {
		t.Fatalf("gitlab source: %v", src)
	}
	if api, _ := src["api"].(map[string]any); api == nil || api["requests"].(float64) < 30 {
		t.Fatalf("api stats: %v", src["api"])
	}
	first, _ := gl.Counts()

	code, out2, errOut2 := runCmd(t, vars, "check", "--config", cfg)
	if code != 0 {
		t.Fatalf("check: exit %d\n%s\n%s", code, out2, errOut2)
	}
	if !strings.Contains(out2, "answers from the cache or 304") || !strings.Contains(out2, "rate limit") {
		t.Errorf("check does not report requests and headroom:\n%s", out2)
	}
	// A restart finds the cache: one 304 per list.
	if second, nm := gl.Counts(); second-first != 2 || nm != 2 {
		t.Errorf("a restart with the cache cost %d requests (%d were 304s)", second-first, nm)
	}
	for _, text := range []string{out, errOut, out2, errOut2} {
		if strings.Contains(text, glToken) || strings.Contains(text, ghToken) {
			t.Fatal("token in output")
		}
	}
	filepath.WalkDir(cacheDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		if strings.Contains(string(b), glToken) {
			t.Errorf("token in cache file %s", p)
		}
		return nil
	})
}

func TestGitLabConfigErrors(t *testing.T) {
	src := "[[source]]\nname = \"g\"\ntype = \"gitlab\"\n"
	cases := []struct{ doc, want string }{
		{src + "project = \"a/b\"\ntoken_env = \"UNSET_VAR\"\n", ":5: source \"g\": token_env: environment variable UNSET_VAR is not set or empty"},
		{src + "token_env = \"GL_TOKEN\"\n", ":1: source \"g\": missing required key \"project\""},
		{src + "project = \"a/b\"\n", ":1: source \"g\": missing required key \"token_env\""},
		{src + "project = \"nope\"\ntoken_env = \"GL_TOKEN\"\n", ":4: source \"g\": project: \"nope\" is not a project path"},
		{src + "project = \"412\"\ntoken_env = \"GL_TOKEN\"\n", ":1: source \"g\": service: required when project is a numeric id"},
		{src + "project = 412\ntoken_env = \"GL_TOKEN\"\n", ":4: source \"g\": project: expected a string"},
		{src + "project = \"a/b\"\ntoken_env = \"GL_TOKEN\"\ncommit_time = \"x\"\n", ":6: source \"g\": commit_time:"},
		{src + "project = \"a/b\"\ntoken_env = \"GL_TOKEN\"\nincidents = \"yes\"\n", ":6: source \"g\": incidents: expected true or false"},
		{src + "project = \"a/b\"\ntoken_env = \"GL_TOKEN\"\nrepo = \"a/b\"\n", ":6: source \"g\": unknown key \"repo\" for a gitlab source"},
		{src + "project = \"a/b\"\ntoken_env = \"GL_TOKEN\"\napi_url = \"gitlab.example.com\"\n", ":6: source \"g\": api_url:"},
		{"[[source]]\nname = \"g\"\ntype = \"gitlb\"\n", ":3: source \"g\": unknown type \"gitlb\" (file, http, demo, github, gitlab, pagerduty or incidentio)"},
	}
	for _, c := range cases {
		cfg := writeConfig(t, c.doc)
		code, _, errOut := runCmd(t, map[string]string{"GL_TOKEN": "x"}, "check", "--config", cfg)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%q: exit %d, %q; want 2 and %q", c.doc, code, errOut, c.want)
		}
	}
}

// TestGitLabRateLimitedSnapshot: a budget that runs low mid-sync makes
// snapshot report the source rate_limited with its reset and what it
// read, and exit 1, without waiting a minute.
func TestGitLabRateLimitedSnapshot(t *testing.T) {
	srvNow := time.Now().UTC().Truncate(time.Second)
	f := gitlabtest.NewServer(gitlabtest.NewClock(srvNow), glToken)
	defer f.Close()
	f.GenerateDeployments(60, srvNow.Add(-time.Hour))
	f.Lock()
	f.Limit, f.Remaining = 100, 40
	f.Unlock()
	cfg := writeConfig(t, `[[source]]
name = "app"
type = "gitlab"
project = "group/app"
token_env = "GL_TOKEN"
api_url = "`+f.URL+`"
`)
	code, out, errOut := runCmd(t, map[string]string{"GL_TOKEN": glToken}, "snapshot", "--format", "json", "--no-cache", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, `source "app" is rate limited until`) {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var rep struct {
		Sources []map[string]any `json:"sources"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	src := rep.Sources[0]
	if src["state"] != "rate_limited" || src["ok"] != false || src["rate_limited_until"] == nil || src["deployments"].(float64) == 0 {
		t.Fatalf("source: %v", src)
	}
	if n := f.DuringLimit(); n != 0 {
		t.Errorf("%d requests while limited", n)
	}
}
