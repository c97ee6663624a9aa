package apisrc

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"doradash/model"
	"doradash/sources"
)

func TestIncidentDocumentPassesTheNativeDecoder(t *testing.T) {
	doc := IncidentDocument([]NativeIncident{
		{ID: "x:1", Service: "s", Title: "t", Severity: 2, StartedAt: "2026-11-20T10:00:00Z", DetectedAt: StringPtr("2026-11-20T10:01:00Z"),
			AcknowledgedAt: StringPtr("2026-11-20T10:02:00Z"), ResolvedAt: StringPtr("")},
		{ID: "x:2", Severity: "P3", StartedAt: "2026-11-20T11:00:00Z"},
		{ID: "", StartedAt: "2026-11-20T11:00:00Z"},
	})
	b, rej, err := sources.Decode(strings.NewReader(string(doc)), sources.FormatJSON)
	if err != nil || rej.Count != 1 || len(b.Incidents) != 2 {
		t.Fatalf("%s: %v %+v %+v", doc, err, rej, b)
	}
	if in := b.Incidents[0]; in.Severity != 2 || !in.AcknowledgedAt.IsSet() || in.ResolvedAt.IsSet() {
		t.Errorf("first: %+v", in)
	}
	if b.Incidents[1].Severity != 3 || b.Incidents[1].DetectedAt.IsSet() {
		t.Errorf("second: %+v", b.Incidents[1])
	}
	if string(IncidentDocument(nil)) != `{"deployments":[],"incidents":[]}` {
		t.Errorf("empty: %s", IncidentDocument(nil))
	}
}

func TestStateFetchUnchangedRateLimitedAndProgress(t *testing.T) {
	clock := NewStepClock(time.Unix(1_700_000_000, 0))
	retry := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if retry {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, IncidentIORateHeaders, clock)
	st := NewState(c)
	var partials []int
	st.Observe(func(p sources.Progress, b *model.Batch) {
		if b != nil {
			partials = append(partials, len(b.Incidents))
		}
	})
	recs := []NativeIncident{{ID: "a", StartedAt: "2026-11-20T10:00:00Z"}}
	doc := func() []byte { return IncidentDocument(recs) }
	read := func(ctx context.Context) error {
		st.SetDetail("1 incident, page 1")
		st.Partial(doc)
		_, err := c.Get(ctx, Request{URL: "/x"})
		return err
	}
	_, err := st.Fetch(context.Background(), "vendor", read, doc)
	var rl *sources.RateLimitedError
	if !errors.As(err, &rl) || rl.Partial == nil || len(rl.Partial.Incidents) != 1 {
		t.Fatalf("rate limited: %v", err)
	}
	if p := st.Progress(); !p.Syncing || p.Detail != "1 incident, page 1" || !p.RateLimitedUntil.Equal(rl.Until) {
		t.Errorf("progress while limited: %+v", p)
	}
	retry = false
	clock.Advance(3 * time.Minute)
	res, err := st.Fetch(context.Background(), "vendor", read, doc)
	if err != nil || res.Batch == nil || len(res.Batch.Incidents) != 1 {
		t.Fatalf("after the reset: %v %+v", err, res)
	}
	if p := st.Progress(); p.Syncing || p.Detail != "" || !p.RateLimitedUntil.IsZero() {
		t.Errorf("progress after sync: %+v", p)
	}
	if res, err := st.Fetch(context.Background(), "vendor", read, doc); err != nil || !res.Unchanged {
		t.Errorf("same document: %v %+v", err, res)
	}
	if len(partials) != 2 {
		t.Errorf("partial batches %v: only while syncing", partials)
	}
	boom := errors.New("boom")
	if _, err := st.Fetch(context.Background(), "vendor", func(context.Context) error { return boom }, doc); !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "vendor: ") {
		t.Errorf("failure: %v", err)
	}
}

func TestErrorsNameTheAbsolutePath(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, PagerDutyRateHeaders, NewStepClock(time.Unix(1_700_000_000, 0)))
	_, err := c.Get(context.Background(), Request{URL: "/incidents?limit=100"})
	if err == nil || !strings.HasPrefix(err.Error(), "GET /incidents?limit=100: HTTP 404") {
		t.Fatalf("error %v", err)
	}
}
