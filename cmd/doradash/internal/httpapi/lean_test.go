package httpapi

import (
	"context"
	"testing"

	"doradash/model"
)

// TestCachedReportsKeepNoPopulations: the endpoints never show the
// records behind a number, so the reports their cache holds (up to its
// bound, each possibly megabytes of populations) do not keep them.
func TestCachedReportsKeepNoPopulations(t *testing.T) {
	feed := &fakeFeed{}
	feed.set(model.Merge(sampleBatch()))
	s := newTestServer(t, feed, nil)
	q := model.Query{End: t0, Days: 30}
	r := s.cachedReport(context.Background(), feed.Latest().Data, q)
	if r == nil {
		t.Fatal("no report")
	}
	if r.Populations() != nil {
		t.Fatal("the cached report keeps its populations")
	}
	if full := model.Compute(feed.Latest().Data, q); full.Populations() == nil || full.Metrics.DeploymentFrequency.Count != r.Metrics.DeploymentFrequency.Count {
		t.Fatalf("the cached report's figures differ from Compute's")
	}
}
