package github

import (
	"testing"
	"time"

	"doradash/model"
	"doradash/sources/apisrc"
	"doradash/sources/apisrc/apitest"
	"doradash/sources/github/githubtest"
)

const testToken = "ghp_TESTtoken0123456789abcdefSECRET"

// epoch is "now" of the tests.
var epoch = apitest.Epoch

func newFake(t *testing.T) *githubtest.Server {
	return apitest.Fake(t, githubtest.NewServer(githubtest.NewClock(epoch), testToken))
}

// expectedBatch writes the fake repository as native records by the rules
// of SPEC §8.2, independently of the source's code.
func expectedBatch(t *testing.T, f *githubtest.Server, cutoff time.Time, commitTime string) *model.Batch {
	t.Helper()
	f.Lock()
	defer f.Unlock()
	var recs []apitest.Shipped
	for _, d := range f.Deployments {
		if d.Created.Before(cutoff) {
			continue
		}
		var succ, fail time.Time
		for _, s := range d.Statuses {
			switch s.State {
			case "success":
				if succ.IsZero() || s.Created.Before(succ) {
					succ = s.Created
				}
			case "failure", "error":
				if fail.IsZero() || s.Created.Before(fail) {
					fail = s.Created
				}
			}
		}
		switch {
		case !succ.IsZero():
			recs = append(recs, apitest.Shipped{ID: d.ID, Env: d.Env, SHA: d.SHA, Status: "success", Finished: succ})
		case !fail.IsZero():
			recs = append(recs, apitest.Shipped{ID: d.ID, Env: d.Env, SHA: d.SHA, Status: "failed", Finished: fail})
		}
	}
	return apitest.Decode(t, `{"deployments":[`+
		apitest.DeploymentsJSON(recs, f.Commits, "github:acme/checkout:", "checkout", commitTime)+`],"incidents":[]}`)
}

// newTestSource builds a source against f with a fake clock.
func newTestSource(t *testing.T, f *githubtest.Server, cache *apisrc.Cache, mod func(*Options)) *Source {
	t.Helper()
	return apitest.NewSource(t, New, Options{Repo: "acme/checkout", Access: f.Access("checkout", testToken, epoch, cache)}, mod)
}

var fetch = apitest.Fetch

// queries are the reports tests compare: over a 30-day window ending at
// epoch (production, then every environment).
var queries = []model.Query{{End: epoch, Days: 30}, {End: epoch, Days: 90, Environments: []string{"production", "staging"}}}

// metrics computes the reports of queries of a batch.
func metrics(b *model.Batch) []*model.Report { return apitest.Reports(b, queries...) }

// sortBatch orders records by id so batches compare regardless of order.
var sortBatch = apitest.SortBatch
