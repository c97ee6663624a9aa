package github

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"doradash/model"
	"doradash/sources"
	"doradash/sources/apisrc"
	"doradash/sources/github/githubtest"
)

const testToken = "ghp_TESTtoken0123456789abcdefSECRET"

// epoch is "now" of the tests.
var epoch = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// expectedBatch writes the fake repository as native records by the rules
// of SPEC §8.2, independently of the source's code.
func expectedBatch(t *testing.T, f *githubtest.Server, cutoff time.Time, commitTime string) *model.Batch {
	t.Helper()
	f.Lock()
	defer f.Unlock()
	type rec struct {
		d        *githubtest.Deployment
		status   string
		finished time.Time
	}
	var recs []rec
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
			recs = append(recs, rec{d, "success", succ})
		case !fail.IsZero():
			recs = append(recs, rec{d, "failed", fail})
		}
	}
	var doc strings.Builder
	doc.WriteString(`{"deployments":[`)
	for i, r := range recs {
		if i > 0 {
			doc.WriteString(",")
		}
		fmt.Fprintf(&doc, `{"id":"github:acme/checkout:%d","service":"checkout","environment":%q,"finished_at":%q,"status":%q,"commits":[`,
			r.d.ID, r.d.Env, ts(r.finished), r.status)
		if r.status == "success" {
			// previous success of the same environment
			var prev *rec
			for j := range recs {
				p := &recs[j]
				if p.status != "success" || p.d.Env != r.d.Env {
					continue
				}
				if p.finished.Before(r.finished) || (p.finished.Equal(r.finished) && p.d.ID < r.d.ID) {
					if prev == nil || p.finished.After(prev.finished) || (p.finished.Equal(prev.finished) && p.d.ID > prev.d.ID) {
						prev = p
					}
				}
			}
			hi := f.CommitIndex(r.d.SHA)
			lo := hi - 1
			if prev != nil {
				lo = f.CommitIndex(prev.d.SHA)
			}
			for k := lo + 1; k <= hi; k++ {
				c := f.Commits[k]
				at := c.Author
				if commitTime == "committer" {
					at = c.Committer
				}
				if k > lo+1 {
					doc.WriteString(",")
				}
				fmt.Fprintf(&doc, `{"sha":%q,"committed_at":%q}`, c.SHA, ts(at))
			}
		}
		doc.WriteString("]}")
	}
	doc.WriteString(`],"incidents":[]}`)
	b, rej, err := sources.Decode(strings.NewReader(doc.String()), sources.FormatJSON)
	if err != nil || rej.Count > 0 {
		t.Fatalf("expected doc: %v %v", err, rej)
	}
	return b
}

// newTestSource builds a source against f with a fake clock.
func newTestSource(t *testing.T, f *githubtest.Server, cache *apisrc.Cache, mod func(*Options)) *Source {
	t.Helper()
	o := Options{Repo: "acme/checkout",
		Access: apisrc.Access{
			Name: "checkout", APIURL: f.URL, Token: testToken, UserAgent: "doradash/test",
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

// metrics computes the report of a batch over a 30-day window ending at
// epoch (production, then every environment).
func metrics(b *model.Batch) []*model.Report {
	ds := model.Merge(b)
	return []*model.Report{
		model.Compute(ds, model.Query{End: epoch, Days: 30}),
		model.Compute(ds, model.Query{End: epoch, Days: 90, Environments: []string{"production", "staging"}}),
	}
}

// sortBatch orders records by id so batches compare regardless of order.
func sortBatch(b *model.Batch) {
	sort.Slice(b.Deployments, func(i, j int) bool { return b.Deployments[i].ID < b.Deployments[j].ID })
	sort.Slice(b.Incidents, func(i, j int) bool { return b.Incidents[i].ID < b.Incidents[j].ID })
}

var _ = http.StatusOK

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }
