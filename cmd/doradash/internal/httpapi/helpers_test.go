package httpapi

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"doradash/model"
)

// t0 is the fixed "now" of most tests.
var t0 = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// fakeFeed is a Feed whose version the test sets.
type fakeFeed struct {
	mu  sync.Mutex
	v   *model.Version
	seq uint64
}

func (f *fakeFeed) Latest() *model.Version {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.v
}

// set publishes ds with statuses, like a poller whose data changed.
func (f *fakeFeed) set(ds *model.Dataset, st ...model.SourceStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	f.v = &model.Version{Seq: f.seq, Data: ds, Sources: st}
}

// touch publishes the same dataset with new statuses, like a poller whose
// sources were polled without new data.
func (f *fakeFeed) touch(st ...model.SourceStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	f.v = &model.Version{Seq: f.seq, Data: f.v.Data, Sources: st}
}

func stamp(s string) model.Stamp {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return model.StampOf(t)
}

// sampleBatch is a small dataset with two services, two environments,
// a rollback, a failure linked to an incident and open incidents.
func sampleBatch() *model.Batch {
	return &model.Batch{
		Deployments: []model.Deployment{
			{ID: "d1", Service: "checkout", Environment: "production", FinishedAt: stamp("2026-11-18T10:00:00Z"),
				Commits: []model.Commit{{SHA: "a1", CommittedAt: stamp("2026-11-17T10:00:00Z")}, {SHA: "a2", CommittedAt: stamp("2026-11-18T09:00:00.123456789Z")}}},
			{ID: "d2", Service: "checkout", Environment: "production", FinishedAt: stamp("2026-11-19T10:00:00Z"), Status: model.StatusRolledBack,
				Commits: []model.Commit{{SHA: "a3", CommittedAt: stamp("2026-11-19T08:00:00Z")}}},
			{ID: "d3", Service: "ledger", Environment: "production", FinishedAt: stamp("2026-11-01T10:00:00Z"),
				Commits: []model.Commit{{SHA: "b1", CommittedAt: stamp("2026-10-30T10:00:00Z")}}},
			{ID: "d4", Service: "ledger", Environment: "staging", FinishedAt: stamp("2026-11-19T11:00:00Z")},
			{ID: "d5", Service: "ledger", Environment: "production", FinishedAt: stamp("2026-11-19T12:00:00Z"), Status: model.StatusFailed},
		},
		Incidents: []model.Incident{
			{ID: "i1", Service: "checkout", Title: "5xx on /pay", Severity: 2, StartedAt: stamp("2026-11-18T10:30:00Z"),
				DetectedAt: stamp("2026-11-18T10:35:00Z"), ResolvedAt: stamp("2026-11-18T11:30:00Z"), DeploymentID: "d1"},
			{ID: "i2", Service: "ledger", Title: "slow", Severity: model.SeverityUnknown, StartedAt: stamp("2026-11-19T13:00:00Z")},
			{ID: "i3", Service: "checkout", Title: "down", Severity: 1, StartedAt: stamp("2026-11-20T11:00:00Z")},
		},
	}
}

// jsonWriter is the encoder of `snapshot --format json` (cmd's
// writeReport), which cmd hands to the server.
func jsonWriter(w io.Writer, r *model.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// countingCompute wraps model.Compute and counts its calls.
type countingCompute struct{ n atomic.Int64 }

func (c *countingCompute) compute(ds *model.Dataset, q model.Query) *model.Report {
	c.n.Add(1)
	return model.Compute(ds, q)
}

// newTestServer returns a server over feed with a fixed clock at t0 (not
// Fixed: reports are as of the minute) and options changed by opt.
func newTestServer(t *testing.T, feed Feed, opt func(*Options)) *Server {
	t.Helper()
	o := Options{
		Feed: feed, WriteJSON: jsonWriter,
		Base:  model.Query{Days: 30, Environments: []string{"production"}},
		Clock: func() time.Time { return t0 }, Version: "test",
	}
	if opt != nil {
		opt(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// get performs a request against h and returns the recorded response.
func get(h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// errorOf decodes a JSON error body, failing t when it is not one.
func errorOf(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("error Content-Type = %q, want application/json", ct)
	}
	var e struct{ Error string }
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
		t.Fatalf("error body %q is not {\"error\": ...}: %v", rec.Body.String(), err)
	}
	return e.Error
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func listenLocal() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }
