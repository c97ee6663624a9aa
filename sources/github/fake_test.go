package github

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock whose Sleep advances it at once.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return nil
}

func (c *fakeClock) Advance(d time.Duration) { _ = c.Sleep(context.Background(), d) }

// fakeCommit is a commit of the fake repository's linear history.
type fakeCommit struct {
	sha               string
	author, committer time.Time
}

// fakeDeployment is a deployment with its statuses (oldest first).
type fakeDeployment struct {
	id       int64
	sha, env string
	created  time.Time
	statuses []fakeStatus
}

type fakeStatus struct {
	id      int64
	state   string
	created time.Time
}

type fakeRun struct {
	id               int64
	sha, conclusion  string
	created, updated time.Time
}

type fakeIssue struct {
	number          int64
	title, state    string
	created, closed time.Time
	labels          []string
	pr              bool
}

// fakeGitHub serves a repository the way api.github.com does, for the
// endpoints the source uses: Link pagination, ETags and 304s (which do
// not count against the limit), x-ratelimit-* headers that count down to a
// 403 with remaining 0, and injectable 500s, hangs and secondary limits.
type fakeGitHub struct {
	t     *testing.T
	clock *fakeClock
	token string
	srv   *httptest.Server

	mu          sync.Mutex
	repo        string
	commits     []fakeCommit // oldest first
	deployments []*fakeDeployment
	runs        []fakeRun
	issues      []fakeIssue
	limit       int
	remaining   int
	reset       time.Time
	// per path prefix: how many of the next requests fail this way
	fail500   map[string]int
	hang      map[string]int
	secondary map[string]int
	// counters
	requests     int
	notModified  int
	byKind       map[string]int
	duringLimit  int // requests received while the limit was exhausted
	limitedUntil time.Time
	badAuth      int
}

func newFakeGitHub(t *testing.T, clock *fakeClock, token string) *fakeGitHub {
	f := &fakeGitHub{t: t, clock: clock, token: token, repo: "acme/checkout", limit: 5000, remaining: 5000,
		fail500: map[string]int{}, hang: map[string]int{}, secondary: map[string]int{}, byKind: map[string]int{}}
	f.reset = clock.Now().Add(time.Hour)
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGitHub) counts() (requests, notModified int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests, f.notModified
}

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	now := f.clock.Now()
	if !f.limitedUntil.IsZero() && now.Before(f.limitedUntil) {
		f.duringLimit++
	}
	if !now.Before(f.reset) {
		f.remaining = f.limit
		f.reset = now.Add(time.Hour)
	}
	if r.Header.Get("Authorization") != "Bearer "+f.token || !strings.HasPrefix(r.Header.Get("User-Agent"), "doradash/") ||
		r.Header.Get("Accept") != "application/vnd.github+json" || r.Header.Get("X-GitHub-Api-Version") != "2022-11-28" {
		f.badAuth++
		f.mu.Unlock()
		http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
		return
	}
	path := r.URL.Path
	for prefix, n := range f.hang {
		if n > 0 && strings.Contains(path, prefix) {
			f.hang[prefix]--
			f.mu.Unlock()
			<-r.Context().Done()
			return
		}
	}
	for prefix, n := range f.fail500 {
		if n > 0 && strings.Contains(path, prefix) {
			f.fail500[prefix]--
			f.mu.Unlock()
			http.Error(w, `{"message":"Server Error"}`, http.StatusInternalServerError)
			return
		}
	}
	for prefix, n := range f.secondary {
		if n > 0 && strings.Contains(path, prefix) {
			f.secondary[prefix]--
			f.limitedUntil = now.Add(60 * time.Second)
			f.mu.Unlock()
			w.Header().Set("Retry-After", "60")
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits","status":"403"}`)
			return
		}
	}
	setRate := func() {
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(f.limit))
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(f.remaining))
		w.Header().Set("X-RateLimit-Used", strconv.Itoa(f.limit-f.remaining))
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(f.reset.Unix(), 10))
		w.Header().Set("X-RateLimit-Resource", "core")
	}
	if f.remaining <= 0 {
		f.limitedUntil = f.reset
		setRate()
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"message":"API rate limit exceeded for user ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}`)
		return
	}
	body, link, status, kind := f.route(r)
	f.byKind[kind]++
	etag := `W/"` + hexSum(body) + `"`
	if status == http.StatusOK && r.Header.Get("If-None-Match") == etag {
		f.notModified++
		setRate()
		f.mu.Unlock()
		w.Header().Set("ETag", etag)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	f.remaining--
	setRate()
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if status == http.StatusOK {
		w.Header().Set("ETag", etag)
	}
	if link != "" {
		w.Header().Set("Link", link)
	}
	w.WriteHeader(status)
	w.Write(body)
}

func hexSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:8])
}

// page cuts items to the page the query asks for and writes the Link
// header as GitHub does (next, last, first, prev).
func (f *fakeGitHub) page(r *http.Request, n int) (from, to int, link string) {
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if per <= 0 {
		per = 30
	}
	per = min(per, 100)
	p, _ := strconv.Atoi(r.URL.Query().Get("page"))
	p = max(p, 1)
	last := max(1, (n+per-1)/per)
	from, to = min((p-1)*per, n), min(p*per, n)
	u := func(page int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(page))
		return fmt.Sprintf("<%s%s?%s>", f.srv.URL, r.URL.Path, q.Encode())
	}
	var parts []string
	if p < last {
		parts = append(parts, u(p+1)+`; rel="next"`, u(last)+`; rel="last"`)
	}
	if p > 1 {
		parts = append(parts, u(1)+`; rel="first"`, u(p-1)+`; rel="prev"`)
	}
	return from, to, strings.Join(parts, ", ")
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func user() map[string]any {
	return map[string]any{"login": "octocat", "id": 1, "node_id": "MDQ6VXNlcjE=", "type": "User", "site_admin": false,
		"avatar_url": "https://github.com/images/error/octocat_happy.gif", "url": "https://api.github.com/users/octocat"}
}

func (f *fakeGitHub) route(r *http.Request) (body []byte, link string, status int, kind string) {
	prefix := "/repos/" + f.repo
	path := r.URL.Path
	if !strings.HasPrefix(path, prefix+"/") {
		return []byte(`{"message":"Not Found"}`), "", 404, "404"
	}
	rest := strings.TrimPrefix(path, prefix+"/")
	mustJSON := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			f.t.Error(err)
		}
		return b
	}
	switch {
	case rest == "deployments":
		from, to, link := f.page(r, len(f.deployments))
		var out []map[string]any
		for _, d := range f.sortedDeployments()[from:to] {
			out = append(out, map[string]any{
				"url": "https://api.github.com/repos/" + f.repo + "/deployments/" + strconv.FormatInt(d.id, 10),
				"id":  d.id, "node_id": "MDEwOkRlcGxveW1lbnQx", "sha": d.sha, "ref": "topic-branch", "task": "deploy",
				"payload": map[string]any{}, "original_environment": d.env, "environment": d.env,
				"description": "Deploy request from hubot", "creator": user(),
				"created_at": ts(d.created), "updated_at": ts(d.created.Add(time.Hour)),
				"statuses_url":          "https://api.github.com/repos/" + f.repo + "/deployments/1/statuses",
				"repository_url":        "https://api.github.com/repos/" + f.repo,
				"transient_environment": false, "production_environment": d.env == "production",
			})
		}
		if out == nil {
			out = []map[string]any{}
		}
		return mustJSON(out), link, 200, "deployments"
	case strings.HasPrefix(rest, "deployments/") && strings.HasSuffix(rest, "/statuses"):
		id, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(rest, "deployments/"), "/statuses"), 10, 64)
		var d *fakeDeployment
		for _, x := range f.deployments {
			if x.id == id {
				d = x
			}
		}
		if d == nil {
			return []byte(`{"message":"Not Found"}`), "", 404, "404"
		}
		// newest first
		sts := append([]fakeStatus(nil), d.statuses...)
		sort.Slice(sts, func(a, b int) bool { return sts[a].created.After(sts[b].created) })
		from, to, link := f.page(r, len(sts))
		out := []map[string]any{}
		for _, s := range sts[from:to] {
			out = append(out, map[string]any{
				"url": "https://api.github.com/repos/" + f.repo + "/deployments/42/statuses/1", "id": s.id,
				"node_id": "MDE2OkRlcGxveW1lbnRTdGF0dXMx", "state": s.state, "creator": user(),
				"description": "Deployment finished successfully.", "environment": d.env,
				"target_url": "https://example.com/deployment/42/output", "log_url": "https://example.com/deployment/42/output",
				"created_at": ts(s.created), "updated_at": ts(s.created),
				"deployment_url": "https://api.github.com/repos/" + f.repo + "/deployments/42",
				"repository_url": "https://api.github.com/repos/" + f.repo, "environment_url": "https://test-branch.lab.acme.com",
			})
		}
		return mustJSON(out), link, 200, "statuses"
	case strings.HasPrefix(rest, "compare/"):
		base, head, ok := strings.Cut(strings.TrimPrefix(rest, "compare/"), "...")
		bi, hi := f.commitIndex(base), f.commitIndex(head)
		if !ok || bi < 0 || hi < 0 {
			return []byte(`{"message":"Not Found"}`), "", 404, "404"
		}
		statusWord := "ahead"
		var cs []fakeCommit
		switch {
		case hi == bi:
			statusWord = "identical"
		case hi < bi:
			statusWord = "behind"
		default:
			cs = f.commits[bi+1 : hi+1]
		}
		var link string
		from, to := 0, min(len(cs), 250) // GitHub's cap without page parameters
		if r.URL.Query().Get("per_page") != "" || r.URL.Query().Get("page") != "" {
			from, to, link = f.page(r, len(cs))
		}
		commits := []map[string]any{}
		for _, c := range cs[from:to] {
			commits = append(commits, commitJSON(c))
		}
		out := map[string]any{
			"url": "https://api.github.com/repos/" + f.repo + "/compare/" + base + "..." + head, "status": statusWord,
			"ahead_by": max(0, hi-bi), "behind_by": max(0, bi-hi), "total_commits": len(cs),
			"base_commit": commitJSON(f.commits[bi]), "merge_base_commit": commitJSON(f.commits[min(bi, hi)]),
			"commits": commits, "files": []map[string]any{{"sha": "bbcd538c8e72b8c175046e27cc8f907076331401", "filename": "file1.txt", "status": "added", "additions": 103, "deletions": 21, "changes": 124}},
		}
		return mustJSON(out), link, 200, "compare"
	case strings.HasPrefix(rest, "commits/"):
		i := f.commitIndex(strings.TrimPrefix(rest, "commits/"))
		if i < 0 {
			return []byte(`{"message":"No commit found for SHA"}`), "", 422, "422"
		}
		return mustJSON(commitJSON(f.commits[i])), "", 200, "commit"
	case strings.HasPrefix(rest, "actions/workflows/") && strings.HasSuffix(rest, "/runs"):
		return f.serveRuns(r)
	case rest == "issues":
		var sel []fakeIssue
		label := r.URL.Query().Get("labels")
		for _, is := range f.issues {
			for _, l := range is.labels {
				if l == label {
					sel = append(sel, is)
					break
				}
			}
		}
		sort.Slice(sel, func(a, b int) bool { return sel[a].created.After(sel[b].created) })
		from, to, link := f.page(r, len(sel))
		out := []map[string]any{}
		for _, is := range sel[from:to] {
			var labels []map[string]any
			for i, l := range is.labels {
				labels = append(labels, map[string]any{"id": 208045946 + i, "node_id": "MDU6TGFiZWwyMDgwNDU5NDY=", "name": l, "color": "f29513", "default": false, "description": ""})
			}
			m := map[string]any{"id": 1000 + is.number, "number": is.number, "title": is.title, "state": is.state,
				"user": user(), "labels": labels, "created_at": ts(is.created), "updated_at": ts(is.created), "closed_at": nil,
				"body": "It looks like the new widget form is broken.", "locked": false, "comments": 0}
			if is.state == "closed" {
				m["closed_at"] = ts(is.closed)
			}
			if is.pr {
				m["pull_request"] = map[string]any{"url": "https://api.github.com/repos/" + f.repo + "/pulls/1347", "html_url": "https://github.com/" + f.repo + "/pull/1347"}
			}
			out = append(out, m)
		}
		return mustJSON(out), link, 200, "issues"
	}
	return []byte(`{"message":"Not Found"}`), "", 404, "404"
}

func commitJSON(c fakeCommit) map[string]any {
	return map[string]any{
		"url": "https://api.github.com/repos/acme/checkout/commits/" + c.sha, "sha": c.sha, "node_id": "MDY6Q29tbWl0",
		"commit": map[string]any{
			"author":    map[string]any{"name": "Monalisa Octocat", "email": "support@github.com", "date": ts(c.author)},
			"committer": map[string]any{"name": "Monalisa Octocat", "email": "support@github.com", "date": ts(c.committer)},
			"message":   "Fix all the bugs", "tree": map[string]any{"url": "https://api.github.com/repos/acme/checkout/tree/6dcb09b", "sha": "6dcb09b"},
			"comment_count": 0,
		},
		"author": user(), "committer": user(), "parents": []map[string]any{},
	}
}

func (f *fakeGitHub) serveRuns(r *http.Request) ([]byte, string, int, string) {
	created := r.URL.Query().Get("created")
	lo, hi, ok := strings.Cut(created, "..")
	var from, to time.Time
	if ok {
		from, _ = time.Parse(time.RFC3339, lo)
		if hi != "*" {
			to, _ = time.Parse(time.RFC3339, hi)
		}
	}
	var sel []fakeRun
	for _, run := range f.runs {
		if ok && (run.created.Before(from) || (!to.IsZero() && run.created.After(to))) {
			continue
		}
		sel = append(sel, run)
	}
	sort.Slice(sel, func(a, b int) bool { return sel[a].created.After(sel[b].created) })
	total := len(sel)
	capped := sel[:min(len(sel), 1000)] // GitHub's cap per filtered query
	from2, to2, link := f.page(r, len(capped))
	runs := []map[string]any{}
	for _, run := range capped[from2:to2] {
		runs = append(runs, map[string]any{"id": run.id, "name": "Deploy", "head_branch": "main", "head_sha": run.sha,
			"run_number": run.id, "event": "push", "status": "completed", "conclusion": run.conclusion, "workflow_id": 159038,
			"created_at": ts(run.created), "updated_at": ts(run.updated), "run_started_at": ts(run.created), "run_attempt": 1})
	}
	b, _ := json.Marshal(map[string]any{"total_count": total, "workflow_runs": runs})
	return b, link, 200, "runs"
}

func (f *fakeGitHub) commitIndex(sha string) int {
	for i, c := range f.commits {
		if c.sha == sha {
			return i
		}
	}
	return -1
}

func (f *fakeGitHub) sortedDeployments() []*fakeDeployment {
	out := append([]*fakeDeployment(nil), f.deployments...)
	sort.Slice(out, func(a, b int) bool { return out[a].id > out[b].id })
	return out
}
