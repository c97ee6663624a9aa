package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"doradash/model"
)

// want is what `snapshot --format json` prints for q over v.
func want(t *testing.T, v *model.Version, q model.Query) string {
	t.Helper()
	r := model.Compute(v.Data, q)
	r.Sources = model.SourceReports(v.Sources)
	var buf bytes.Buffer
	if err := jsonWriter(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestSnapshotIsTheSnapshotJSON(t *testing.T) {
	feed := &fakeFeed{}
	feed.set(model.Merge(sampleBatch()), model.SourceStatus{Name: "files", Type: "file", OK: true, State: model.SourceOK, Deployments: 5, Incidents: 3, LastSuccess: t0})
	s := newTestServer(t, feed, func(o *Options) {
		o.Teams = []Team{{Name: "payments", Services: []string{"checkout", "wallet"}}}
	})
	h := s.Handler()
	v := feed.Latest()
	base := model.Query{End: t0, Days: 30, Environments: []string{"production"}}
	at := func(mod func(*model.Query)) model.Query {
		q := base
		mod(&q)
		return q
	}
	for target, q := range map[string]model.Query{
		"/api/v1/snapshot":           base,
		"/api/v1/snapshot?window=7d": at(func(q *model.Query) { q.Days = 7 }),
		"/api/v1/snapshot?window=366d&now=2026-11-19T10:30:00.5Z":                      at(func(q *model.Query) { q.Days = 366; q.End = time.Date(2026, 11, 19, 10, 30, 0, 5e8, time.UTC) }),
		"/api/v1/snapshot?now=2026-11-19T11:30:00%2B01:00":                             at(func(q *model.Query) { q.End = time.Date(2026, 11, 19, 10, 30, 0, 0, time.UTC) }),
		"/api/v1/snapshot?service=ledger&service=checkout":                             at(func(q *model.Query) { q.Services = []string{"ledger", "checkout"} }),
		"/api/v1/snapshot?environment=staging&environment=Prod":                        at(func(q *model.Query) { q.Environments = []string{"staging", "Prod"} }),
		"/api/v1/snapshot?service=":                                                    at(func(q *model.Query) { q.Services = []string{""} }),
		"/api/v1/snapshot?team=payments":                                               at(func(q *model.Query) { q.Services = []string{"checkout", "wallet"} }),
		"/api/v1/snapshot?team=payments&service=checkout":                              at(func(q *model.Query) { q.Services = []string{"checkout"} }),
		"/api/v1/snapshot?team=payments&service=ledger":                                at(func(q *model.Query) { q.Services = []string{""} }),
		"/api/v1/snapshot?team=unassigned":                                             at(func(q *model.Query) { q.Services = []string{"ledger"} }),
		"/api/v1/snapshot?window=30d&service=a&environment=production&team=unassigned": at(func(q *model.Query) { q.Services = []string{""} }),
	} {
		rec := get(h, target)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: status %d: %s", target, rec.Code, rec.Body.String())
			continue
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", target, ct)
		}
		if w := want(t, v, q); rec.Body.String() != w {
			t.Errorf("%s: body differs from snapshot --format json:\n got %s\nwant %s", target, rec.Body.String(), w)
		}
	}
}

func TestSnapshotBadParameters(t *testing.T) {
	feed := &fakeFeed{}
	feed.set(model.Merge(sampleBatch()))
	h := newTestServer(t, feed, nil).Handler()
	for query, mention := range map[string]string{
		"window=0d":                    "window",
		"window=367d":                  "366d",
		"window=3650d":                 "366d",
		"window=99999999999999999999d": "window",
		"window=30":                    "window",
		"window=":                      "window",
		"window=7d&window=30d":         "window",
		"now=yesterday":                "now",
		"now=3000-01-01T00:00:00Z":     "1679",
		"now=2026-11-20":               "now",
		"now=2026-11-20T12:00:00Z&now=2026-11-20T12:00:00Z": "now",
		"team=nobody":       "unknown team",
		"team=a&team=b":     "team",
		"services=checkout": `unknown parameter "services"`,
		"format=text":       `unknown parameter "format"`,
	} {
		rec := get(h, "/api/v1/snapshot?"+query)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", query, rec.Code)
			continue
		}
		if msg := errorOf(t, rec); !contains(msg, mention) {
			t.Errorf("%s: error %q does not mention %q", query, msg, mention)
		}
	}
	many := url.Values{"service": make([]string, maxQueryValues+1)}
	if rec := get(h, "/api/v1/snapshot?"+many.Encode()); rec.Code != http.StatusBadRequest {
		t.Errorf("%d services: status %d, want 400", maxQueryValues+1, rec.Code)
	}
}

// TestReportsAreShared: repeated and concurrent queries in one minute over
// one data version compute once; a new minute, new data or another query
// computes again; new statuses alone do not, but show in the output.
func TestReportsAreShared(t *testing.T) {
	feed := &fakeFeed{}
	feed.set(model.Merge(sampleBatch()), model.SourceStatus{Name: "a", OK: true})
	var mu sync.Mutex
	now := t0.Add(5 * time.Second)
	cc := &countingCompute{}
	h := newTestServer(t, feed, func(o *Options) {
		o.Compute = cc.compute
		o.Clock = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	}).Handler()
	setNow := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	expect := func(step string, n int64) {
		t.Helper()
		if got := cc.n.Load(); got != n {
			t.Fatalf("%s: %d computations, want %d", step, got, n)
		}
	}

	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { get(h, "/api/v1/snapshot?window=7d") })
	}
	wg.Wait()
	expect("50 concurrent identical queries", 1)
	first := get(h, "/api/v1/snapshot?window=7d").Body.String()
	setNow(t0.Add(59 * time.Second))
	if get(h, "/api/v1/snapshot?window=7d").Body.String() != first {
		t.Error("the same minute gave a different report")
	}
	expect("the same minute", 1)

	get(h, "/api/v1/snapshot?window=30d")
	expect("another window", 2)

	feed.touch(model.SourceStatus{Name: "a", OK: false, Error: "boom"})
	body := get(h, "/api/v1/snapshot?window=7d").Body.String()
	expect("new statuses, same data", 2)
	if !contains(body, `"boom"`) {
		t.Error("the new status is not in the report")
	}

	setNow(t0.Add(time.Minute))
	rep := get(h, "/api/v1/snapshot?window=7d").Body.String()
	expect("the next minute", 3)
	var r struct {
		GeneratedAt time.Time `json:"generated_at"`
	}
	json.Unmarshal([]byte(rep), &r)
	if !r.GeneratedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("generated_at %v, want the minute %v", r.GeneratedAt, t0.Add(time.Minute))
	}

	feed.set(model.Merge(sampleBatch()))
	get(h, "/api/v1/snapshot?window=7d")
	expect("new data", 4)
}

func TestFixedClockIsExact(t *testing.T) {
	feed := &fakeFeed{}
	feed.set(model.Merge(sampleBatch()))
	at := t0.Add(17*time.Second + 3)
	h := newTestServer(t, feed, func(o *Options) {
		o.Clock = func() time.Time { return at }
		o.Fixed = true
	}).Handler()
	rec := get(h, "/api/v1/snapshot")
	if w := want(t, feed.Latest(), model.Query{End: at, Days: 30, Environments: []string{"production"}}); rec.Body.String() != w {
		t.Errorf("with a fixed clock the report is not as of its exact time:\n%s", rec.Body.String())
	}
}
