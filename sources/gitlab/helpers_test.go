package gitlab

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"doradash/model"
	"doradash/sources"
	"doradash/sources/apisrc"
	"doradash/sources/gitlab/gitlabtest"
)

const testToken = "glpat-TESTtoken0123456789SECRET"

// epoch is "now" of the tests.
var epoch = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func newFake(t *testing.T) *gitlabtest.Server {
	t.Helper()
	f := gitlabtest.NewServer(gitlabtest.NewClock(epoch), testToken)
	t.Cleanup(f.Close)
	return f
}

// expectedBatch writes the fake project as native records by the rules of
// SPEC §8.3, independently of the source's code.
func expectedBatch(t *testing.T, f *gitlabtest.Server, cutoff time.Time, commitTime, prefix string) *model.Batch {
	t.Helper()
	f.Lock()
	defer f.Unlock()
	type rec struct {
		d        *gitlabtest.Deployment
		finished time.Time
	}
	var recs []rec
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
		recs = append(recs, rec{d, fin})
	}
	var doc strings.Builder
	doc.WriteString(`{"deployments":[`)
	for i, r := range recs {
		if i > 0 {
			doc.WriteString(",")
		}
		fmt.Fprintf(&doc, `{"id":"%s%d","service":"app","environment":%q,"finished_at":%q,"status":%q,"commits":[`,
			prefix, r.d.ID, r.d.Env, ts(r.finished), r.d.Status)
		if r.d.Status == "success" {
			var prev *rec
			for j := range recs {
				p := &recs[j]
				if p.d.Status != "success" || p.d.Env != r.d.Env {
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
	b, rej, err := sources.Decode(strings.NewReader(doc.String()), sources.FormatJSON)
	if err != nil || rej.Count > 0 {
		t.Fatalf("expected doc: %v %v", err, rej)
	}
	return b
}

// newTestSource builds a source against f with a fake clock.
func newTestSource(t *testing.T, f *gitlabtest.Server, cache *apisrc.Cache, mod func(*Options)) *Source {
	t.Helper()
	o := Options{Project: "group/app",
		Access: apisrc.Access{
			Name: "app", APIURL: f.URL, Token: testToken, UserAgent: "doradash/test",
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

// metrics computes reports of a batch over windows ending at epoch.
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

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
