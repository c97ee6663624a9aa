package pagerduty

import (
	"encoding/json"
	"testing"
	"time"

	"doradash/model"
	"doradash/sources/apisrc"
	"doradash/sources/apisrc/apitest"
	"doradash/sources/pagerduty/pagerdutytest"
)

const testToken = "u+PDtestTOKEN0123456789SECRET"

// epoch is "now" of the tests.
var epoch = apitest.Epoch

func newFake(t *testing.T) *pagerdutytest.Server {
	return apitest.Fake(t, pagerdutytest.NewServer(apisrc.NewStepClock(epoch), testToken))
}

// newTestSource builds a source against f with f's clock.
func newTestSource(t *testing.T, f *pagerdutytest.Server, cache *apisrc.Cache, mod func(*Options)) *Source {
	t.Helper()
	return apitest.NewSource(t, New, Options{Access: f.Access("pd", testToken, epoch, cache)}, mod)
}

var fetch = apitest.Fetch

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
	return apitest.Decode(t, string(doc))
}

// queries are the reports tests compare: windows ending at epoch.
var queries = []model.Query{{End: epoch, Days: 30}, {End: epoch, Days: 90, Services: []string{"checkout"}}}

// metrics computes the reports of queries of a batch.
func metrics(b *model.Batch) []*model.Report { return apitest.Reports(b, queries...) }

// sortBatch orders records by id so batches compare regardless of order.
var sortBatch = apitest.SortBatch

// checkBatch fails the test when got and want differ, or their metrics.
func checkBatch(t *testing.T, got, want *model.Batch) {
	t.Helper()
	apitest.SameBatch(t, got, want, queries...)
}
