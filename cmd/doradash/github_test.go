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
)

const ghToken = "ghp_cmdTESTtoken9876543210SECRETvalue"

// TestGitHubSnapshotAndCheck runs snapshot and check against a server
// that behaves like GitHub: the source reads, the cache makes a second run
// cheap, check reports requests and headroom, and the token appears in no
// output and no cache file.
func TestGitHubSnapshotAndCheck(t *testing.T) {
	srvNow := time.Now().UTC().Truncate(time.Second)
	f := githubtest.NewServer(githubtest.NewClock(srvNow), ghToken)
	defer f.Close()
	f.Generate(30, srvNow.Add(-time.Hour))
	cacheDir := t.TempDir()
	cfg := writeConfig(t, `window = "30d"
cache_dir = "`+cacheDir+`"
[[source]]
name = "checkout"
type = "github"
repo = "acme/checkout"
token_env = "GH_TOKEN"
api_url = "`+f.URL+`"
incident_label = "incident"
`)
	vars := map[string]string{"GH_TOKEN": ghToken}
	code, out, errOut := runCmd(t, vars, "snapshot", "--format", "json", "--config", cfg)
	if code != 0 {
		t.Fatalf("snapshot: exit %d\n%s\n%s", code, out, errOut)
	}
	var rep struct {
		DeploymentFrequency struct{ Count int } `json:"deployment_frequency"`
		Sources             []map[string]any    `json:"sources"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	src := rep.Sources[0]
	if src["state"] != "ok" || src["type"] != "github" || src["deployments"].(float64) != 30 {
		t.Fatalf("source: %v", src)
	}
	api, _ := src["api"].(map[string]any)
	if api == nil || api["requests"].(float64) < 50 {
		t.Fatalf("api stats: %v", src["api"])
	}
	if rep.DeploymentFrequency.Count == 0 {
		t.Fatal("no deployments counted")
	}
	first, _ := f.Counts()

	code, out2, errOut2 := runCmd(t, vars, "check", "--config", cfg)
	if code != 0 {
		t.Fatalf("check: exit %d\n%s\n%s", code, out2, errOut2)
	}
	if !strings.Contains(out2, "answers from the cache or 304") || !strings.Contains(out2, "rate limit") {
		t.Errorf("check does not report requests and headroom:\n%s", out2)
	}
	second, nm := f.Counts()
	if second-first > 12 || nm == 0 {
		t.Errorf("a restart with the cache cost %d requests (%d were 304s)", second-first, nm)
	}
	for _, text := range []string{out, errOut, out2, errOut2} {
		if strings.Contains(text, ghToken) {
			t.Fatal("token in output")
		}
	}
	found := false
	filepath.WalkDir(cacheDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		found = true
		b, _ := os.ReadFile(p)
		if strings.Contains(string(b), ghToken) || strings.Contains(string(b), "Bearer") {
			t.Errorf("token in cache file %s", p)
		}
		return nil
	})
	if !found {
		t.Error("no cache file written")
	}
}

func TestGitHubConfigErrors(t *testing.T) {
	cases := []struct{ doc, want string }{
		{"[[source]]\nname = \"g\"\ntype = \"github\"\nrepo = \"a/b\"\ntoken_env = \"UNSET_VAR\"\n", ":5: source \"g\": token_env: environment variable UNSET_VAR is not set or empty"},
		{"[[source]]\nname = \"g\"\ntype = \"github\"\ntoken_env = \"GH_TOKEN\"\n", ":1: source \"g\": missing required key \"repo\""},
		{"[[source]]\nname = \"g\"\ntype = \"github\"\nrepo = \"a/b\"\n", ":1: source \"g\": missing required key \"token_env\""},
		{"[[source]]\nname = \"g\"\ntype = \"github\"\nrepo = \"nope\"\ntoken_env = \"GH_TOKEN\"\n", ":4: source \"g\": repo: \"nope\" is not"},
		{"[[source]]\nname = \"g\"\ntype = \"github\"\nrepo = \"a/b\"\ntoken_env = \"GH_TOKEN\"\ncommit_time = \"x\"\n", ":6: source \"g\": commit_time:"},
		{"[[source]]\nname = \"g\"\ntype = \"github\"\nrepo = \"a/b\"\ntoken_env = \"GH_TOKEN\"\nurl = \"x\"\n", ":6: source \"g\": unknown key \"url\" for a github source"},
		{"cache_dir = 3\n", ":1: cache_dir: expected a string"},
	}
	for _, c := range cases {
		cfg := writeConfig(t, c.doc)
		code, _, errOut := runCmd(t, map[string]string{"GH_TOKEN": "x"}, "check", "--config", cfg)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%q: exit %d, %q; want 2 and %q", c.doc, code, errOut, c.want)
		}
	}
}

// TestGitHubRateLimitedSnapshot: a budget that runs out mid-sync makes
// snapshot report the source rate_limited with its reset and what it
// read, and exit 1, without waiting for an hour.
func TestGitHubRateLimitedSnapshot(t *testing.T) {
	srvNow := time.Now().UTC().Truncate(time.Second)
	f := githubtest.NewServer(githubtest.NewClock(srvNow), ghToken)
	defer f.Close()
	f.Generate(60, srvNow.Add(-time.Hour))
	f.Lock()
	f.Limit, f.Remaining = 100, 40
	f.Unlock()
	cfg := writeConfig(t, `[[source]]
name = "checkout"
type = "github"
repo = "acme/checkout"
token_env = "GH_TOKEN"
api_url = "`+f.URL+`"
`)
	code, out, errOut := runCmd(t, map[string]string{"GH_TOKEN": ghToken}, "snapshot", "--format", "json", "--no-cache", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, `source "checkout" is rate limited until`) {
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
