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
)

const testToken = "ghp_TESTtoken0123456789abcdefSECRET"

// epoch is "now" of the tests.
var epoch = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// genRepo fills f with n deployments to production, one every 3 hours
// back from now, each shipping 1–3 new commits; every 10th fails, every
// 25th goes to staging.
func genRepo(f *fakeGitHub, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	start := epoch.Add(-time.Duration(n) * 3 * time.Hour)
	f.commits = append(f.commits, fakeCommit{sha: "c0000", author: start.Add(-time.Hour), committer: start.Add(-time.Hour)})
	for i := range n {
		at := start.Add(time.Duration(i) * 3 * time.Hour)
		for k := range 1 + i%3 {
			c := at.Add(-time.Duration(30+k*10) * time.Minute)
			f.commits = append(f.commits, fakeCommit{sha: fmt.Sprintf("c%04d", len(f.commits)), author: c, committer: c.Add(5 * time.Minute)})
		}
		d := &fakeDeployment{id: int64(1000 + i), sha: f.commits[len(f.commits)-1].sha, env: "production", created: at}
		if i%25 == 24 {
			d.env = "staging"
		}
		d.statuses = append(d.statuses, fakeStatus{id: int64(i*10 + 1), state: "in_progress", created: at.Add(time.Minute)})
		final := "success"
		if i%10 == 9 {
			final = "failure"
		}
		d.statuses = append(d.statuses, fakeStatus{id: int64(i*10 + 2), state: final, created: at.Add(5 * time.Minute)})
		if final == "success" {
			d.statuses = append(d.statuses, fakeStatus{id: int64(i*10 + 3), state: "inactive", created: at.Add(4 * time.Hour)})
		}
		f.deployments = append(f.deployments, d)
	}
}

// expectedBatch writes the fake repository as native records by the rules
// of SPEC §8.2, independently of the source's code.
func expectedBatch(t *testing.T, f *fakeGitHub, cutoff time.Time, commitTime string) *model.Batch {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	type rec struct {
		d        *fakeDeployment
		status   string
		finished time.Time
	}
	var recs []rec
	for _, d := range f.deployments {
		if d.created.Before(cutoff) {
			continue
		}
		var succ, fail time.Time
		for _, s := range d.statuses {
			switch s.state {
			case "success":
				if succ.IsZero() || s.created.Before(succ) {
					succ = s.created
				}
			case "failure", "error":
				if fail.IsZero() || s.created.Before(fail) {
					fail = s.created
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
			r.d.id, r.d.env, ts(r.finished), r.status)
		if r.status == "success" {
			// previous success of the same environment
			var prev *rec
			for j := range recs {
				p := &recs[j]
				if p.status != "success" || p.d.env != r.d.env {
					continue
				}
				if p.finished.Before(r.finished) || (p.finished.Equal(r.finished) && p.d.id < r.d.id) {
					if prev == nil || p.finished.After(prev.finished) || (p.finished.Equal(prev.finished) && p.d.id > prev.d.id) {
						prev = p
					}
				}
			}
			hi := f.commitIndex(r.d.sha)
			lo := hi - 1
			if prev != nil {
				lo = f.commitIndex(prev.d.sha)
			}
			for k := lo + 1; k <= hi; k++ {
				c := f.commits[k]
				at := c.author
				if commitTime == "committer" {
					at = c.committer
				}
				if k > lo+1 {
					doc.WriteString(",")
				}
				fmt.Fprintf(&doc, `{"sha":%q,"committed_at":%q}`, c.sha, ts(at))
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
func newTestSource(t *testing.T, f *fakeGitHub, cache *apisrc.Cache, mod func(*Options)) *Source {
	t.Helper()
	o := Options{
		Name: "checkout", Repo: "acme/checkout", APIURL: f.srv.URL, Token: testToken,
		UserAgent: "doradash/test", Now: func() time.Time { return epoch }, Clock: f.clock, Cache: cache,
		Timeout: 2 * time.Second, HTTPClient: f.srv.Client(),
	}
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
