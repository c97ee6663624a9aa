package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"doradash/cmd/doradash/internal/testkit"
)

var httpAddrLine = regexp.MustCompile(`msg="serving HTTP" http_addr=(\S+)`)

// headless is a running `doradash serve --no-ssh`.
type headless struct {
	url    string // http://127.0.0.1:port
	stderr *testkit.Buffer
}

// startHeadless runs `doradash serve --no-ssh --http 127.0.0.1:0` with
// args and vars, and waits for its address. Cleanup stops it and checks
// that it exits 0.
func startHeadless(t *testing.T, vars map[string]string, args ...string) *headless {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h := &headless{stderr: &testkit.Buffer{}}
	code := make(chan int, 1)
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: h.stderr, getenv: fakeEnv(vars)}
	go func() { code <- run(ctx, append([]string{"serve", "--no-ssh", "--http", "127.0.0.1:0"}, args...), e) }()
	exited := false
	t.Cleanup(func() {
		cancel()
		if exited {
			return
		}
		select {
		case c := <-code:
			if c != 0 {
				t.Errorf("serve --no-ssh exited with %d after SIGTERM, want 0:\n%s", c, h.stderr.String())
			}
		case <-time.After(serveWait):
			t.Errorf("serve --no-ssh did not return within %s of SIGTERM", serveWait)
		}
	})
	testkit.WaitFor(t, serveWait, "serve --no-ssh to listen", func() bool {
		select {
		case c := <-code:
			exited = true
			t.Fatalf("serve --no-ssh exited with %d before listening:\n%s", c, h.stderr.String())
		default:
		}
		m := httpAddrLine.FindStringSubmatch(h.stderr.String())
		if m == nil {
			return false
		}
		h.url = "http://" + m[1]
		return true
	})
	return h
}

// fetch GETs path with the bearer token (when not "") and returns the
// status and body.
func fetch(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// copyFile copies src to dst, replacing text with r when not nil.
func copyFile(t *testing.T, src, dst string, r *strings.Replacer) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if r != nil {
		b = []byte(r.Replace(string(b)))
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// withoutSources drops the "sources" list of a snapshot JSON, which two
// chained instances describe differently by construction.
func withoutSources(t *testing.T, doc string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, doc)
	}
	delete(m, "sources")
	b, _ := json.MarshalIndent(m, "", " ")
	return string(b)
}

// TestServeHeadlessChains is the end-to-end test of issue 12: an
// upstream `serve --no-ssh` polls a file; a downstream doradash whose
// only source is an http source on the upstream's /api/v1/events prints
// the same snapshot; a change to the file reaches the downstream within
// one interval of the upstream.
func TestServeHeadlessChains(t *testing.T) {
	// The example configurations of README "Many dashboards, one poller",
	// with the downstream pointed at this test's port.
	dir := t.TempDir()
	events, err := os.ReadFile(filepath.Join("..", "..", "testdata", "conformance", "rules", "rules.json"))
	if err != nil {
		t.Fatal(err)
	}
	deploys := filepath.Join(dir, "deploys.ndjson")
	os.WriteFile(filepath.Join(dir, "events.json"), events, 0o600)
	os.WriteFile(deploys, []byte(`{"kind":"deployment","id":"extra-1","service":"checkout","finished_at":"2026-05-30T10:00:00.5Z"}`+"\n"), 0o600)
	upCfg, downCfg := filepath.Join(dir, "upstream.toml"), filepath.Join(dir, "downstream.toml")
	copyFile(t, filepath.Join("testdata", "chain", "upstream.toml"), upCfg, nil)
	vars := map[string]string{"DORADASH_HTTP_TOKEN": "up-secret", "HOME": dir}
	up := startHeadless(t, vars, "--config", upCfg, "--now", now)
	copyFile(t, filepath.Join("testdata", "chain", "downstream.toml"), downCfg, strings.NewReplacer("http://127.0.0.1:9187", up.url))

	testkit.WaitFor(t, serveWait, "the upstream to be ready", func() bool {
		code, _ := fetch(t, up.url+"/readyz", "up-secret")
		return code == http.StatusOK
	})
	if code, _ := fetch(t, up.url+"/healthz", ""); code != http.StatusOK {
		t.Errorf("/healthz without a token: %d", code)
	}
	if code, _ := fetch(t, up.url+"/metrics", ""); code != http.StatusUnauthorized {
		t.Errorf("/metrics without a token: %d, want 401", code)
	}

	for _, args := range [][]string{{}, {"--window", "7d"}, {"--window", "366d"}, {"--service", "checkout"}, {"--environment", "staging"}} {
		snap := append([]string{"snapshot", "--format", "json", "--now", now}, args...)
		c1, local, e1 := runCmd(t, vars, append(snap, "--config", upCfg)...)
		c2, chained, e2 := runCmd(t, vars, append(snap, "--config", downCfg)...)
		if c1 != 0 || c2 != 0 {
			t.Fatalf("%v: exit %d and %d:\n%s\n%s", args, c1, c2, e1, e2)
		}
		if a, b := withoutSources(t, local), withoutSources(t, chained); a != b {
			t.Fatalf("%v: the downstream differs from the upstream:\nupstream   %s\ndownstream %s", args, a, b)
		}
		// The upstream's own HTTP snapshot is what its snapshot command prints.
		q := strings.NewReplacer("--window ", "window=", "--service ", "service=", "--environment ", "environment=").Replace(strings.Join(args, " "))
		code, served := fetch(t, up.url+"/api/v1/snapshot?"+q, "up-secret")
		if code != http.StatusOK || served != local {
			t.Fatalf("%v: /api/v1/snapshot (%d) differs from snapshot --format json:\n%s\n%s", args, code, served, local)
		}
	}

	// Append a deployment; within the upstream's interval the downstream sees it.
	deployCount := func(cfg string) float64 {
		_, out, _ := runCmd(t, vars, "snapshot", "--format", "json", "--now", now, "--service", "checkout", "--window", "1d", "--config", cfg)
		var r struct {
			DF struct{ Count float64 } `json:"deployment_frequency"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("snapshot: %v\n%s", err, out)
		}
		return r.DF.Count
	}
	before := deployCount(downCfg)
	f, _ := os.OpenFile(deploys, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"kind":"deployment","id":"extra-2","service":"checkout","finished_at":"2026-06-01T08:00:00Z"}` + "\n")
	f.Close()
	testkit.WaitFor(t, serveWait, "the change to reach the downstream", func() bool { return deployCount(downCfg) == before+1 })
	_, local, _ := runCmd(t, vars, "snapshot", "--format", "json", "--now", now, "--config", upCfg)
	_, chained, _ := runCmd(t, vars, "snapshot", "--format", "json", "--now", now, "--config", downCfg)
	if withoutSources(t, local) != withoutSources(t, chained) {
		t.Fatal("after the change the downstream differs from the upstream")
	}
}

func TestServeHeadlessNeedsHTTP(t *testing.T) {
	code, _, errOut := runCmd(t, nil, "serve", "--no-ssh", "--demo")
	if code != exitUsage || !strings.Contains(errOut, "nothing to serve") {
		t.Errorf("exit %d, stderr %q; want 2 and a hint", code, errOut)
	}
	cfg := writeConfig(t, goodConfig+"\n[http]\nlisten = \"127.0.0.1:0\"\ncert_file = \"missing.pem\"\nkey_file = \"missing-key.pem\"\n")
	code, _, errOut = runCmd(t, nil, "serve", "--no-ssh", "--config", cfg)
	if code != exitUsage || !strings.Contains(errOut, "cert_file") {
		t.Errorf("missing certificate: exit %d, stderr %q; want 2 naming cert_file", code, errOut)
	}
}

// TestServeSSHAndHTTP: with [http] listen set, `serve` serves both.
func TestServeSSHAndHTTP(t *testing.T) {
	s := startServe(t, "--demo", "--http", "127.0.0.1:0")
	var url string
	testkit.WaitFor(t, serveWait, "the HTTP address", func() bool {
		m := httpAddrLine.FindStringSubmatch(s.stderr.String())
		if m != nil {
			url = "http://" + m[1]
		}
		return m != nil
	})
	testkit.WaitFor(t, serveWait, "the demo source's first poll", func() bool {
		code, _ := fetch(t, url+"/readyz", "")
		return code == http.StatusOK
	})
	code, body := fetch(t, url+"/metrics", "")
	if code != http.StatusOK || !strings.Contains(body, `doradash_build_info{`) || !strings.Contains(body, `doradash_deployments{environment="production",service="checkout"`) {
		t.Errorf("/metrics: %d\n%s", code, body)
	}
	if i, j := strings.Index(s.stderr.String(), "serving the dashboard over SSH"), strings.Index(s.stderr.String(), "serving HTTP"); i < 0 || j < i {
		t.Error("the SSH line must stay the first with addr=")
	}
}
