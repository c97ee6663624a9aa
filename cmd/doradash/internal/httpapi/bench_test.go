package httpapi

import (
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"doradash/model"
)

// benchDataset is n deployments of 2 commits each over 20 services and
// n/10 incidents, spread over a year.
func benchDataset(n int) *model.Dataset {
	b := &model.Batch{}
	start := model.StampOf(t0.Add(-365 * 24 * time.Hour))
	step := int64(365*24*time.Hour) / int64(n)
	for i := range n {
		at := start + model.Stamp(int64(i)*step)
		svc := "service-" + strconv.Itoa(i%20)
		b.Deployments = append(b.Deployments, model.Deployment{
			ID: "d-" + strconv.Itoa(i), Service: svc, Environment: "production", FinishedAt: at,
			Commits: []model.Commit{{SHA: "a" + strconv.Itoa(i), CommittedAt: at - 3600e9}, {SHA: "b" + strconv.Itoa(i), CommittedAt: at - 7200e9}},
		})
		if i%10 == 0 {
			b.Incidents = append(b.Incidents, model.Incident{ID: "i-" + strconv.Itoa(i), Service: svc, Title: "something broke",
				Severity: model.Severity(1 + i%5), StartedAt: at + 60e9, DetectedAt: at + 120e9, ResolvedAt: at + 3600e9, DeploymentID: "d-" + strconv.Itoa(i)})
		}
	}
	return model.Merge(b)
}

// BenchmarkWriteNDJSON is the cost of one full /api/v1/events body (and
// of the ETag's hash, which encodes the same bytes once per dataset).
func BenchmarkWriteNDJSON(b *testing.B) {
	ds := benchDataset(100_000)
	cw := &countWriter{}
	b.ReportAllocs()
	for b.Loop() {
		WriteNDJSON(cw, ds)
	}
	b.ReportMetric(float64(cw.n)/float64(b.N), "bytes/op")
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkEventsNotModified is a downstream poll of unchanged data: the
// 304 costs a header, not the dataset.
func BenchmarkEventsNotModified(b *testing.B) {
	feed := &fakeFeed{}
	feed.set(benchDataset(100_000))
	s, _ := New(Options{Feed: feed, WriteJSON: jsonWriter})
	h := s.Handler()
	etag := get(h, "/api/v1/events").Header().Get("ETag")
	b.ReportAllocs()
	for b.Loop() {
		if rec := get(h, "/api/v1/events", "If-None-Match", etag); rec.Code != http.StatusNotModified {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkMetricsScrape is one /metrics scrape within a minute whose
// reports are cached (the steady state of a 15 s scrape interval).
func BenchmarkMetricsScrape(b *testing.B) {
	feed := &fakeFeed{}
	feed.set(benchDataset(100_000))
	s, _ := New(Options{Feed: feed, WriteJSON: jsonWriter, Clock: func() time.Time { return t0 }})
	h := s.Handler()
	get(h, "/metrics")
	b.ReportAllocs()
	for b.Loop() {
		rec := get(h, "/metrics")
		io.Copy(io.Discard, rec.Body)
	}
}

// BenchmarkMetricsScrapeCold is the first scrape of a minute: every
// (service, environment, window) report is computed (20 × 1 × 2 here).
func BenchmarkMetricsScrapeCold(b *testing.B) {
	feed := &fakeFeed{}
	feed.set(benchDataset(100_000))
	now := t0
	s, _ := New(Options{Feed: feed, WriteJSON: jsonWriter, Clock: func() time.Time { return now }})
	h := s.Handler()
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Minute)
		io.Copy(io.Discard, get(h, "/metrics").Body)
	}
}
