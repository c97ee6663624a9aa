package incidentio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"doradash/model"
	"doradash/sources"
	"doradash/sources/apisrc"
	"doradash/sources/apisrc/apitest"
	"doradash/sources/incidentio/incidentiotest"
)

const testToken = "inc_test_TOKEN_0123456789SECRET"

var epoch = apitest.Epoch

func newFake(t *testing.T) *incidentiotest.Server {
	return apitest.Fake(t, incidentiotest.NewServer(apisrc.NewStepClock(epoch), testToken))
}

func newTestSource(t *testing.T, f *incidentiotest.Server, cache *apisrc.Cache, mod func(*Options)) *Source {
	t.Helper()
	return apitest.NewSource(t, New, Options{ServiceField: "Affected service", Access: f.Access("inc", testToken, epoch, cache)}, mod)
}

var fetch = apitest.Fetch

// expectedBatch writes the fake organisation as native records by the
// rules of SPEC §8.5, independently of the source's code.
func expectedBatch(t *testing.T, f *incidentiotest.Server, cutoff time.Time, serviceField bool) *model.Batch {
	t.Helper()
	f.Lock()
	defer f.Unlock()
	ts := func(x time.Time) string { return x.UTC().Format(time.RFC3339Nano) }
	var recs []map[string]any
	for _, in := range f.Incidents {
		if in.Created.Before(cutoff) || in.Mode == "test" || in.Mode == "tutorial" ||
			in.Status == "declined" || in.Status == "merged" || in.Status == "canceled" {
			continue
		}
		r := map[string]any{"id": "incidentio:" + in.ID, "title": in.Name, "started_at": ts(in.Created), "detected_at": ts(in.Created)}
		if in.Severity != "" {
			r["severity"] = in.Severity
		}
		for name, key := range map[string]string{"Impact started at": "started_at", "Reported at": "detected_at", "Accepted at": "acknowledged_at", "Resolved at": "resolved_at"} {
			if v, ok := in.Timestamps[name]; ok && !v.IsZero() {
				r[key] = ts(v)
			}
		}
		if serviceField {
			r["service"] = in.Catalog + in.Option + in.Text
		}
		recs = append(recs, r)
	}
	doc, _ := json.Marshal(map[string]any{"incidents": recs})
	return apitest.Decode(t, string(doc))
}

// checkBatch fails the test when got and want differ, or their metrics.
func checkBatch(t *testing.T, got, want *model.Batch) {
	t.Helper()
	apitest.SameBatch(t, got, want, model.Query{End: epoch, Days: 30}, model.Query{End: epoch, Days: 90, Services: []string{"checkout"}})
}

func TestFirstSyncMatchesNativeRecordsAndSecondPoll(t *testing.T) {
	f := newFake(t)
	f.Generate(600, epoch) // 50 days, 3 pages
	s := newTestSource(t, f, nil, nil)
	res := fetch(t, s)
	if res.Rejected != 0 {
		t.Fatalf("rejected %d: %s", res.Rejected, res.FirstRejection)
	}
	checkBatch(t, res.Batch, expectedBatch(t, f, epoch.Add(-MinHistory), true))
	rep := model.Compute(model.Merge(res.Batch), model.Query{End: epoch, Days: 30})
	if rep.Incidents.TimeToAcknowledge.Count == 0 || rep.Incidents.Open == 0 || rep.Incidents.BySeverity["unknown"] == 0 || rep.Incidents.TimeToDetect.Count == 0 {
		t.Fatalf("data does not exercise the fields: %+v", rep.Incidents)
	}
	if req, pages := f.Counts(); req != 3 || pages != 3 || f.BadAuth() != 0 {
		t.Errorf("%d requests, %d pages, want 3", req, pages)
	}
	if res := fetch(t, s); !res.Unchanged {
		t.Error("second poll of unchanged incidents is not Unchanged")
	}
	if req, _ := f.Counts(); req != 6 {
		t.Errorf("second poll: %d requests, want 3", req-3)
	}
}

func TestHistoryStopsTheWalk(t *testing.T) {
	f := newFake(t)
	f.Generate(2000, epoch) // 166 days
	s := newTestSource(t, f, nil, func(o *Options) { o.History = 20 * 24 * time.Hour })
	res := fetch(t, s)
	checkBatch(t, res.Batch, expectedBatch(t, f, epoch.Add(-20*24*time.Hour), true))
	// 240 incidents in 20 days: the first page reaches past history.
	if req, _ := f.Counts(); req != 1 {
		t.Errorf("%d pages read, want 1", req)
	}
}

func TestCustomNamesMissingAndNullFields(t *testing.T) {
	f := newFake(t)
	at := epoch.Add(-5 * time.Hour)
	f.Incidents = []*incidentiotest.Incident{
		{ID: "01HXA1", Name: "custom names", Mode: "retrospective", Created: at, Severity: "SEV1", Status: "closed",
			Timestamps: map[string]time.Time{"Began": at.Add(-time.Hour), "Noticed": at.Add(-30 * time.Minute), "Acked": at, "Fixed": at.Add(time.Hour)}, Option: "search"},
		{ID: "01HXA2", Name: "nothing at all", Created: at.Add(time.Minute), Status: "triage"},
		{ID: "01HXA3", Name: "timestamps without values", Created: at.Add(2 * time.Minute), Severity: "Spicy", Status: "paused",
			Timestamps: map[string]time.Time{"Began": {}, "Fixed": {}}},
		{ID: "01HXA4", Name: "merged", Created: at, Status: "merged"},
		{ID: "01HXA5", Name: "canceled", Created: at, Status: "canceled"},
		{ID: "01HXA6", Name: "tutorial", Created: at, Mode: "tutorial", Status: "live"},
	}
	s := newTestSource(t, f, nil, func(o *Options) {
		o.Started, o.Detected, o.Acknowledged, o.Resolved = "Began", "Noticed", "Acked", "Fixed"
	})
	res := fetch(t, s)
	if len(res.Batch.Incidents) != 3 || res.Rejected != 0 {
		t.Fatalf("incidents %+v, rejected %d", res.Batch.Incidents, res.Rejected)
	}
	got := map[string]model.Incident{}
	for _, in := range res.Batch.Incidents {
		got[in.ID] = in
	}
	st := model.StampOf
	a1, a2, a3 := got["incidentio:01HXA1"], got["incidentio:01HXA2"], got["incidentio:01HXA3"]
	if a1.StartedAt != st(at.Add(-time.Hour)) || a1.DetectedAt != st(at.Add(-30*time.Minute)) || a1.AcknowledgedAt != st(at) ||
		a1.ResolvedAt != st(at.Add(time.Hour)) || a1.Severity != 1 || a1.Service != "search" {
		t.Errorf("custom names: %+v", a1)
	}
	if a2.StartedAt != st(at.Add(time.Minute)) || a2.DetectedAt != a2.StartedAt || a2.AcknowledgedAt.IsSet() || a2.ResolvedAt.IsSet() ||
		a2.Severity != model.SeverityUnknown || a2.Service != "" {
		t.Errorf("nothing at all: %+v", a2)
	}
	if a3.StartedAt != st(at.Add(2*time.Minute)) || a3.ResolvedAt.IsSet() || a3.Severity != model.SeverityUnknown {
		t.Errorf("null values: %+v", a3)
	}
}

func TestRateLimits(t *testing.T) {
	f := newFake(t)
	f.Generate(1000, epoch)
	f.Limit, f.Remaining = 100, 3 // the 2nd answer leaves 1 of 100: wait for the reset
	f.Reset = epoch.Add(25 * time.Second)
	s := newTestSource(t, f, nil, nil)
	checkBatch(t, fetch(t, s).Batch, expectedBatch(t, f, epoch.Add(-MinHistory), true))
	apitest.Waited(t, &f.Core, epoch, 25*time.Second)

	f2 := newFake(t)
	f2.Generate(1000, epoch)
	f2.TooMany["/v2/incidents"] = 1
	f2.RetryAfter = 600
	s2 := newTestSource(t, f2, nil, nil)
	_, err := s2.Fetch(context.Background())
	var rl *sources.RateLimitedError
	if !errors.As(err, &rl) || !rl.Until.Equal(epoch.Add(600*time.Second)) {
		t.Fatalf("429: %v", err)
	}
	if p := s2.Progress(); !p.RateLimitedUntil.Equal(rl.Until) {
		t.Errorf("progress %+v", p)
	}
	f2.Clock.Advance(601 * time.Second)
	checkBatch(t, fetch(t, s2).Batch, expectedBatch(t, f2, epoch.Add(-MinHistory), true))
	apitest.Waited(t, &f2.Core, epoch, 0)
}

func TestServerErrorsMidWalk(t *testing.T) {
	f := newFake(t)
	f.Generate(1000, epoch)
	f.Fail500["/v2/incidents"] = 3
	s := newTestSource(t, f, nil, nil)
	checkBatch(t, fetch(t, s).Batch, expectedBatch(t, f, epoch.Add(-MinHistory), true))
	apitest.Fails500(t, &f.Core, s, "/v2/incidents", 4)
}

func TestTokenAppearsNowhere(t *testing.T) {
	f := newFake(t)
	f.Generate(300, epoch)
	f.Fail500["/v2"] = 4
	dir := t.TempDir()
	s := newTestSource(t, f, apisrc.OpenCache(dir, nil), nil)
	texts := apitest.FailingTexts(t, s)
	fetch(t, s)
	texts = append(texts, fmt.Sprintf("%+v", s.Progress()))
	apitest.NoToken(t, testToken, texts, dir)
}

func TestValidate(t *testing.T) {
	o := Options{}
	if err := o.Validate(); err == nil || !strings.HasPrefix(err.Error(), "token_env:") {
		t.Errorf("no token: %v", err)
	}
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Access: apisrc.Access{Token: "x", Headers: map[string]string{"A B": "1"}}}, `headers: "A B" is not a valid header name`},
		{Options{Access: apisrc.Access{Token: "x", CAFile: "/nonexistent/ca.pem"}}, "ca_file: cannot read"},
		{Options{Access: apisrc.Access{Token: "x", APIURL: "ftp://api.incident.io"}}, "api_url: "},
		{Options{Access: apisrc.Access{Token: "x", MaxBytes: -1}}, "max_bytes: "},
	} {
		if err := c.o.Validate(); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
	o = Options{Access: apisrc.Access{Token: "x"}}
	if err := o.Validate(); err != nil || o.Started != DefaultStarted || o.Detected != DefaultDetected ||
		o.Acknowledged != DefaultAcknowledged || o.Resolved != DefaultResolved || o.APIURL != DefaultAPIURL || o.History != MinHistory {
		t.Errorf("defaults: %v %+v", err, o)
	}
}

// TestPollCostOf2000Incidents measures a first and a second poll of 2,000
// incidents.
func TestPollCostOf2000Incidents(t *testing.T) {
	f := newFake(t)
	f.Generate(2000, epoch)
	s := newTestSource(t, f, nil, nil)
	fetch(t, s)
	first, _ := f.Counts()
	fetch(t, s)
	all, _ := f.Counts()
	if first != 8 || all-first != 8 {
		t.Errorf("first poll %d requests, second %d; want 8 each", first, all-first)
	}
	t.Logf("2,000 incidents: first poll %d requests, second poll %d", first, all-first)
}
