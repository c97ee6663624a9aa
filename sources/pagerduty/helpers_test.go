package pagerduty

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"doradash/model"
	"doradash/sources"
	"doradash/sources/apisrc"
	"doradash/sources/pagerduty/pagerdutytest"
)

const testToken = "u+PDtestTOKEN0123456789SECRET"

// epoch is "now" of the tests.
var epoch = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func newFake(t *testing.T) *pagerdutytest.Server {
	t.Helper()
	f := pagerdutytest.NewServer(apisrc.NewStepClock(epoch), testToken)
	t.Cleanup(f.Close)
	return f
}

// newTestSource builds a source against f with f's clock.
func newTestSource(t *testing.T, f *pagerdutytest.Server, cache *apisrc.Cache, mod func(*Options)) *Source {
	t.Helper()
	o := Options{
		Access: apisrc.Access{
			Name: "pd", APIURL: f.URL, Token: testToken, UserAgent: "doradash/test",
			Now: func() time.Time { return epoch }, Clock: f.Clock, Cache: cache, Timeout: 2 * time.Second,
			HTTPClient: f.Client(),
		}}
	if mod != nil {
		mod(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.CloseIdleConnections)
	return s
}

func fetch(t *testing.T, s *Source) sources.Result {
	t.Helper()
	res, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	return res
}

// expectedBatch writes the fake account's incidents created in
// [cutoff, epoch) as native records by the rules of SPEC §8.4,
// independently of the source's code.
func expectedBatch(t *testing.T, f *pagerdutytest.Server, cutoff time.Time, severityFrom string) *model.Batch {
	t.Helper()
	f.Lock()
	defer f.Unlock()
	ts := func(x time.Time) string { return x.UTC().Format(time.RFC3339) }
	var recs []map[string]any
	for _, in := range f.Incidents {
		if in.Created.Before(cutoff) || !in.Created.Before(epoch) {
			continue
		}
		r := map[string]any{"id": "pagerduty:" + in.ID, "title": in.Title, "service": in.Service,
			"started_at": ts(in.Created), "detected_at": ts(in.Created)}
		switch {
		case severityFrom != "urgency" && in.Priority != "":
			r["severity"] = in.Priority
		case in.Urgency == "high":
			r["severity"] = 2
		case in.Urgency == "low":
			r["severity"] = 4
		}
		var acks []time.Time
		if in.Status == "resolved" {
			acks = in.AckLog
			if !in.Resolved.IsZero() {
				r["resolved_at"] = ts(in.Resolved)
			} else {
				r["resolved_at"] = ts(in.LastChange)
			}
		} else {
			acks = in.Acks
		}
		if len(acks) > 0 {
			first := acks[0]
			for _, a := range acks {
				if a.Before(first) {
					first = a
				}
			}
			r["acknowledged_at"] = ts(first)
		}
		recs = append(recs, r)
	}
	doc, _ := json.Marshal(map[string]any{"incidents": recs})
	b, rej, err := sources.Decode(strings.NewReader(string(doc)), sources.FormatJSON)
	if err != nil || rej.Count > 0 {
		t.Fatalf("expected doc: %v %v", err, rej)
	}
	return b
}

// metrics computes reports of a batch over windows ending at epoch.
func metrics(b *model.Batch) []*model.Report {
	ds := model.Merge(b)
	return []*model.Report{
		model.Compute(ds, model.Query{End: epoch, Days: 30}),
		model.Compute(ds, model.Query{End: epoch, Days: 90, Services: []string{"checkout"}}),
	}
}

// sortBatch orders records by id so batches compare regardless of order.
func sortBatch(b *model.Batch) {
	sort.Slice(b.Incidents, func(i, j int) bool { return b.Incidents[i].ID < b.Incidents[j].ID })
}
