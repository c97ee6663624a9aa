package gitlab

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"doradash/model"
	"doradash/sources/apisrc"
	"doradash/sources/apisrc/apitest"
	"doradash/sources/gitlab/gitlabtest"
)

const testToken = "glpat-TESTtoken0123456789SECRET"

// epoch is "now" of the tests.
var epoch = apitest.Epoch

func newFake(t *testing.T) *gitlabtest.Server {
	return apitest.Fake(t, gitlabtest.NewServer(gitlabtest.NewClock(epoch), testToken))
}

// expectedBatch writes the fake project as native records by the rules of
// SPEC §8.3, independently of the source's code.
func expectedBatch(t *testing.T, f *gitlabtest.Server, cutoff time.Time, commitTime, prefix string) *model.Batch {
	t.Helper()
	f.Lock()
	defer f.Unlock()
	var recs []apitest.Shipped
	for _, d := range f.Deployments {
		if d.Created.Before(cutoff) || (d.Status != "success" && d.Status != "failed") {
			continue
		}
		fin := d.Updated
		switch {
		case d.Finished != nil:
			fin = *d.Finished
		case !d.NoJob && d.JobFinished != nil:
			fin = *d.JobFinished
		}
		recs = append(recs, apitest.Shipped{ID: d.ID, Env: d.Env, SHA: d.SHA, Status: d.Status, Finished: fin})
	}
	var doc strings.Builder
	doc.WriteString(`{"deployments":[` + apitest.DeploymentsJSON(recs, f.Commits, prefix, "app", commitTime))
	doc.WriteString(`],"incidents":[`)
	n := 0
	for _, is := range f.Issues {
		if (is.Type != "" && is.Type != "incident") || is.Created.Before(cutoff) {
			continue
		}
		if n++; n > 1 {
			doc.WriteString(",")
		}
		sev := map[string]string{"CRITICAL": "1", "HIGH": "2", "MEDIUM": "3", "LOW": "4"}[is.Severity]
		if sev == "" {
			sev = "null"
		}
		resolved := "null"
		if is.State == "closed" && is.Closed != nil {
			resolved = fmt.Sprintf("%q", ts(*is.Closed))
		}
		fmt.Fprintf(&doc, `{"id":"%sissue/%d","service":"app","title":%q,"severity":%s,"started_at":%q,"detected_at":%q,"resolved_at":%s}`,
			prefix, is.IID, is.Title, sev, ts(is.Created), ts(is.Created), resolved)
	}
	doc.WriteString(`]}`)
	return apitest.Decode(t, doc.String())
}

// newTestSource builds a source against f with a fake clock.
func newTestSource(t *testing.T, f *gitlabtest.Server, cache *apisrc.Cache, mod func(*Options)) *Source {
	t.Helper()
	return apitest.NewSource(t, New, Options{Project: "group/app", Access: f.Access("app", testToken, epoch, cache)}, mod)
}

var fetch = apitest.Fetch

// queries are the reports tests compare: windows ending at epoch.
var queries = []model.Query{{End: epoch, Days: 30}, {End: epoch, Days: 90, Environments: []string{"production", "staging"}}}

// metrics computes the reports of queries of a batch.
func metrics(b *model.Batch) []*model.Report { return apitest.Reports(b, queries...) }

// sortBatch orders records by id so batches compare regardless of order.
var sortBatch = apitest.SortBatch

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
