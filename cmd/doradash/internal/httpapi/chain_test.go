package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"doradash/sources"
	"doradash/sources/demo"
	"doradash/sources/httpsrc"
	"doradash/sources/poller"
)

const chainDeploys = `{"kind":"deployment","id":"d-1","service":"checkout","finished_at":"2026-11-18T10:00:00.123456789Z","commits":[{"sha":"a","committed_at":"2026-11-17T09:00:00+02:00"}]}
{"kind":"deployment","id":42,"service":"checkout","environment":"Production","finished_at":"2026-11-19T10:00:00Z","status":"rolled_back"}
{"kind":"deployment","id":"d-3","service":"ledger","environment":"","finished_at":"2026-11-19T11:00:00Z"}
{"kind":"deployment","id":"d-4","service":"ledger","environment":"staging","finished_at":"2026-11-19T12:00:00Z","status":"failed"}
{"kind":"deployment","id":"d-1","service":"checkout","finished_at":"2026-11-18T10:30:00Z","commits":[{"sha":"a","committed_at":"2026-11-17T09:00:00Z"},{"sha":"b","committed_at":"2026-11-18T09:00:00.5Z"}]}
{"kind":"deployment","id":"bad","finished_at":"yesterday"}
`

const chainIncidents = `{
  "incidents": [
    {"id": "INC-1", "service": "checkout", "severity": "critical", "started_at": "2026-11-19T10:05:00Z",
     "detected_at": null, "acknowledged_at": "2026-11-19T10:20:00Z", "resolved_at": "2026-11-19T11:00:00Z", "deployment_id": 42},
    {"id": "INC-2", "service": "ledger", "severity": "P3", "started_at": "2026-11-20T09:00:00Z", "title": "tab\there"},
    {"id": 7, "service": "ledger", "severity": 9, "started_at": "2026-11-10T09:00:00Z", "resolved_at": "2026-11-10T09:30:00Z"},
    {"id": "INC-1", "service": "checkout", "severity": "SEV2", "started_at": "2026-11-19T10:04:00Z", "resolved_at": "2026-11-19T10:50:00Z", "deployment_id": "42"}
  ]
}`

// chainEnd is the "now" of both instances: the demo data is generated up
// to it, and every snapshot is computed as of it.
var chainEnd = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// statusRecorder counts the upstream's answers by status.
type statusRecorder struct {
	mu    sync.Mutex
	codes map[int]int
}

func (s *statusRecorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &codeWriter{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(rw, r)
		s.mu.Lock()
		s.codes[rw.code]++
		s.mu.Unlock()
	})
}

func (s *statusRecorder) count(code int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.codes[code]
}

type codeWriter struct {
	http.ResponseWriter
	code int
}

func (c *codeWriter) WriteHeader(code int)        { c.code = code; c.ResponseWriter.WriteHeader(code) }
func (c *codeWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// comparable is a snapshot's JSON without its sources, which differ by
// construction (the downstream has one http source).
func comparable(t *testing.T, h http.Handler, query string) string {
	t.Helper()
	rec := get(h, "/api/v1/snapshot?"+query, "Authorization", "Bearer chain-token")
	if rec.Code != http.StatusOK {
		t.Fatalf("snapshot %s: %d %s", query, rec.Code, rec.Body.String())
	}
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "sources")
	out, _ := json.MarshalIndent(m, "", " ")
	return string(out)
}

// TestChainedDashboardsAgree runs two instances in one process: an
// upstream polling files and the demo generator and serving
// /api/v1/events, and a downstream whose only source is an http source
// reading it. Their snapshots must be equal for every query, and a change
// upstream reaches the downstream after one poll of each.
func TestChainedDashboardsAgree(t *testing.T) {
	dir := t.TempDir()
	deploys := filepath.Join(dir, "deploys.ndjson")
	incidents := filepath.Join(dir, "incidents.json")
	os.WriteFile(deploys, []byte(chainDeploys), 0o600)
	os.WriteFile(incidents, []byte(chainIncidents), 0o600)
	clock := func() time.Time { return chainEnd }

	up := poller.New([]poller.Entry{
		{Source: demo.New("demo", clock)},
		{Source: sources.NewFile(sources.FileOptions{Name: "deploys", Path: deploys})},
		{Source: sources.NewFile(sources.FileOptions{Name: "incidents", Path: incidents})},
	}, poller.Options{Clock: clock})
	opts := func(feed Feed) func(*Options) {
		return func(o *Options) {
			o.Feed, o.Clock, o.Fixed, o.Token = feed, clock, true, "chain-token"
			o.Base.Environments = []string{"production"}
		}
	}
	upSrv := newTestServer(t, up, opts(up))
	rec := &statusRecorder{codes: map[int]int{}}
	ts := httptest.NewServer(rec.wrap(upSrv.Handler()))
	defer ts.Close()

	src, err := httpsrc.New(httpsrc.Options{Name: "upstream", URL: ts.URL + "/api/v1/events",
		Format: sources.FormatNDJSON, BearerToken: "chain-token"})
	if err != nil {
		t.Fatal(err)
	}
	defer src.CloseIdleConnections()
	down := poller.New([]poller.Entry{{Source: src}}, poller.Options{Clock: clock})
	downH := newTestServer(t, down, opts(down)).Handler()
	upH := upSrv.Handler()

	ctx := context.Background()
	up.PollOnce(ctx)
	if v := down.PollOnce(ctx); !v.Sources[0].OK || v.Sources[0].Rejected != 0 {
		t.Fatalf("downstream poll: %+v", v.Sources[0])
	}
	queries := []string{
		"", "window=7d", "window=1d", "window=90d", "window=366d",
		"now=2026-11-19T10:30:00Z", "now=2026-11-19T10:04:30.5Z&window=2d",
		"service=checkout", "service=ledger&environment=staging", "environment=production&environment=STAGING",
		"environment=", "service=", "team=unassigned",
	}
	agree := func(step string) {
		t.Helper()
		for _, q := range queries {
			if a, b := comparable(t, upH, q), comparable(t, downH, q); a != b {
				t.Fatalf("%s: query %q differs:\nupstream   %s\ndownstream %s", step, q, a, b)
			}
		}
	}
	agree("first poll")
	if n := len(down.Latest().Data.Deployments); n != len(up.Latest().Data.Deployments) || n < 100 {
		t.Fatalf("downstream has %d deployments, upstream %d", n, len(up.Latest().Data.Deployments))
	}

	// Nothing changed: the downstream's next poll is a 304.
	before := rec.count(http.StatusNotModified)
	up.PollOnce(ctx)
	down.PollOnce(ctx)
	if rec.count(http.StatusNotModified) != before+1 {
		t.Errorf("an unchanged upstream answered %d 304s, want 1", rec.count(http.StatusNotModified)-before)
	}

	// A change upstream reaches the downstream after one poll of each.
	f, _ := os.OpenFile(deploys, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"kind":"deployment","id":"d-new","service":"ledger","finished_at":"2026-11-20T11:59:59.999999999Z","commits":[{"sha":"c","committed_at":"2026-11-20T11:00:00Z"}]}` + "\n")
	f.Close()
	up.PollOnce(ctx)
	down.PollOnce(ctx)
	if _, ok := down.Latest().Data.DeploymentByID("d-new"); !ok {
		t.Fatal("the new deployment did not reach the downstream")
	}
	agree("after a change")
	if a := comparable(t, downH, "service=ledger&window=1d"); !bytes.Contains([]byte(a), []byte(`"count": 1`)) {
		t.Errorf("the new deployment is not counted downstream: %s", a)
	}

	// Without the token the upstream refuses, and the downstream keeps its
	// last good data.
	anon, _ := httpsrc.New(httpsrc.Options{Name: "anon", URL: ts.URL + "/api/v1/events", Format: sources.FormatNDJSON})
	defer anon.CloseIdleConnections()
	if _, err := anon.Fetch(ctx); err == nil || !bytes.Contains([]byte(err.Error()), []byte("401")) {
		t.Errorf("a fetch without the token: %v, want HTTP 401", err)
	}
}
