// Package githubtest is a server that behaves like api.github.com for the
// endpoints the github source reads, for tests and benchmarks: Link
// pagination, ETags and 304s (which do not count against the limit),
// x-ratelimit-* headers counting down to a 403 with remaining 0, secondary
// limits with retry-after, and injectable 500s and hangs. Response shapes
// follow GitHub's REST documentation (API version 2022-11-28).
package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"doradash/sources/apisrc"
	"doradash/sources/apisrc/apitest"
)

// Clock is the clock the server and the source under test share: its
// Sleep advances it at once.
type Clock = apisrc.StepClock

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return apisrc.NewStepClock(t) }

// Commit is a commit of the fake repository's linear history.
type Commit = apitest.Commit

// Deployment is a deployment with its statuses (oldest first).
type Deployment struct {
	ID       int64
	SHA, Env string
	Created  time.Time
	Statuses []Status
}

type Status struct {
	ID      int64
	State   string
	Created time.Time
}

type Run struct {
	ID               int64
	SHA, Conclusion  string
	Created, Updated time.Time
}

type Issue struct {
	Number          int64
	Title, State    string
	Created, Closed time.Time
	Labels          []string
	PR              bool
}

// Server serves a repository the way api.github.com does, for the
// endpoints the source uses: Link pagination, ETags and 304s (which do
// not count against the limit), x-ratelimit-* headers that count down to a
// 403 with remaining 0 (Limit a window of an hour), and injectable 500s,
// hangs and secondary limits. Kind counts deployments, statuses, compare,
// commit, runs and issues requests answered with 200 or 304; BadAuth
// those without the token or GitHub's headers.
type Server struct {
	apitest.Core // its lock guards the fields below too
	token        string

	// Repo is "owner/name".
	Repo        string
	Commits     []Commit // oldest first: a linear history
	Deployments []*Deployment
	Runs        []Run
	Issues      []Issue
	// Per path substring: how many of the next requests meet a
	// secondary rate limit.
	Secondary map[string]int
}

// NewServer starts a server for repository "acme/checkout" that accepts
// token as a Bearer token.
func NewServer(clock *Clock, token string) *Server {
	f := &Server{token: token, Repo: "acme/checkout", Secondary: map[string]int{}}
	f.Start(clock, 5000, time.Hour, f.serve)
	return f
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	now := f.Begin()
	if r.Header.Get("Authorization") != "Bearer "+f.token || !strings.HasPrefix(r.Header.Get("User-Agent"), "doradash/") ||
		r.Header.Get("Accept") != "application/vnd.github+json" || r.Header.Get("X-GitHub-Api-Version") != "2022-11-28" {
		f.CountBadAuth()
		f.Unlock()
		http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
		return
	}
	path := r.URL.Path
	if f.Inject(w, r, path, func(w http.ResponseWriter) {
		http.Error(w, `{"message":"Server Error"}`, http.StatusInternalServerError)
	}) {
		return
	}
	if apitest.Take(f.Secondary, path) {
		f.LimitUntil(now.Add(60 * time.Second))
		f.Unlock()
		w.Header().Set("Retry-After", "60")
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits","status":"403"}`)
		return
	}
	setRate := func() {
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(f.Limit))
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(f.Remaining))
		w.Header().Set("X-RateLimit-Used", strconv.Itoa(f.Limit-f.Remaining))
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(f.Reset.Unix(), 10))
		w.Header().Set("X-RateLimit-Resource", "core")
	}
	if f.Remaining <= 0 {
		f.LimitUntil(f.Reset)
		setRate()
		f.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"message":"API rate limit exceeded for user ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}`)
		return
	}
	body, link, status, kind := f.route(r)
	f.CountKind(kind)
	etag := apitest.ETag(body)
	if status == http.StatusOK && f.NotModified(r, etag) {
		setRate()
		f.Unlock()
		w.Header().Set("ETag", etag)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	f.Remaining--
	setRate()
	f.Unlock()
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

// page cuts items to the page the query asks for and writes the Link
// header as GitHub does (next, last, first, prev).
func (f *Server) page(r *http.Request, n int) (from, to int, link string) {
	pg := apitest.PageOf(r, n, 30, 100)
	u := func(page int) string { return "<" + apitest.PageURL(f.URL, r, r.URL.Path, page) + ">" }
	var parts []string
	if pg.Page < pg.Last {
		parts = append(parts, u(pg.Page+1)+`; rel="next"`, u(pg.Last)+`; rel="last"`)
	}
	if pg.Page > 1 {
		parts = append(parts, u(1)+`; rel="first"`, u(pg.Page-1)+`; rel="prev"`)
	}
	return pg.From, pg.To, strings.Join(parts, ", ")
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func user() map[string]any {
	return map[string]any{"login": "octocat", "id": 1, "node_id": "MDQ6VXNlcjE=", "type": "User", "site_admin": false,
		"avatar_url": "https://github.com/images/error/octocat_happy.gif", "url": "https://api.github.com/users/octocat"}
}

func (f *Server) route(r *http.Request) (body []byte, link string, status int, kind string) {
	prefix := "/repos/" + f.Repo
	path := r.URL.Path
	if !strings.HasPrefix(path, prefix+"/") {
		return []byte(`{"message":"Not Found"}`), "", 404, "404"
	}
	rest := strings.TrimPrefix(path, prefix+"/")
	mustJSON := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		return b
	}
	switch {
	case rest == "deployments":
		from, to, link := f.page(r, len(f.Deployments))
		var out []map[string]any
		for _, d := range f.sortedDeployments()[from:to] {
			out = append(out, map[string]any{
				"url": "https://api.github.com/repos/" + f.Repo + "/deployments/" + strconv.FormatInt(d.ID, 10),
				"id":  d.ID, "node_id": "MDEwOkRlcGxveW1lbnQx", "sha": d.SHA, "ref": "topic-branch", "task": "deploy",
				"payload": map[string]any{}, "original_environment": d.Env, "environment": d.Env,
				"description": "Deploy request from hubot", "creator": user(),
				"created_at": ts(d.Created), "updated_at": ts(d.Created.Add(time.Hour)),
				"statuses_url":          "https://api.github.com/repos/" + f.Repo + "/deployments/1/statuses",
				"repository_url":        "https://api.github.com/repos/" + f.Repo,
				"transient_environment": false, "production_environment": d.Env == "production",
			})
		}
		if out == nil {
			out = []map[string]any{}
		}
		return mustJSON(out), link, 200, "deployments"
	case strings.HasPrefix(rest, "deployments/") && strings.HasSuffix(rest, "/statuses"):
		id, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(rest, "deployments/"), "/statuses"), 10, 64)
		var d *Deployment
		for _, x := range f.Deployments {
			if x.ID == id {
				d = x
			}
		}
		if d == nil {
			return []byte(`{"message":"Not Found"}`), "", 404, "404"
		}
		// newest first
		sts := append([]Status(nil), d.Statuses...)
		sort.Slice(sts, func(a, b int) bool { return sts[a].Created.After(sts[b].Created) })
		from, to, link := f.page(r, len(sts))
		out := []map[string]any{}
		for _, s := range sts[from:to] {
			out = append(out, map[string]any{
				"url": "https://api.github.com/repos/" + f.Repo + "/deployments/42/statuses/1", "id": s.ID,
				"node_id": "MDE2OkRlcGxveW1lbnRTdGF0dXMx", "state": s.State, "creator": user(),
				"description": "Deployment finished successfully.", "environment": d.Env,
				"target_url": "https://example.com/deployment/42/output", "log_url": "https://example.com/deployment/42/output",
				"created_at": ts(s.Created), "updated_at": ts(s.Created),
				"deployment_url": "https://api.github.com/repos/" + f.Repo + "/deployments/42",
				"repository_url": "https://api.github.com/repos/" + f.Repo, "environment_url": "https://test-branch.lab.acme.com",
			})
		}
		return mustJSON(out), link, 200, "statuses"
	case strings.HasPrefix(rest, "compare/"):
		base, head, ok := strings.Cut(strings.TrimPrefix(rest, "compare/"), "...")
		bi, hi := f.CommitIndex(base), f.CommitIndex(head)
		if !ok || bi < 0 || hi < 0 {
			return []byte(`{"message":"Not Found"}`), "", 404, "404"
		}
		statusWord := "ahead"
		var cs []Commit
		switch {
		case hi == bi:
			statusWord = "identical"
		case hi < bi:
			statusWord = "behind"
		default:
			cs = f.Commits[bi+1 : hi+1]
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
			"url": "https://api.github.com/repos/" + f.Repo + "/compare/" + base + "..." + head, "status": statusWord,
			"ahead_by": max(0, hi-bi), "behind_by": max(0, bi-hi), "total_commits": len(cs),
			"base_commit": commitJSON(f.Commits[bi]), "merge_base_commit": commitJSON(f.Commits[min(bi, hi)]),
			"commits": commits, "files": []map[string]any{{"sha": "bbcd538c8e72b8c175046e27cc8f907076331401", "filename": "file1.txt", "status": "added", "additions": 103, "deletions": 21, "changes": 124}},
		}
		return mustJSON(out), link, 200, "compare"
	case strings.HasPrefix(rest, "commits/"):
		i := f.CommitIndex(strings.TrimPrefix(rest, "commits/"))
		if i < 0 {
			return []byte(`{"message":"No commit found for SHA"}`), "", 422, "422"
		}
		return mustJSON(commitJSON(f.Commits[i])), "", 200, "commit"
	case strings.HasPrefix(rest, "actions/workflows/") && strings.HasSuffix(rest, "/runs"):
		return f.serveRuns(r)
	case rest == "issues":
		var sel []Issue
		label := r.URL.Query().Get("labels")
		for _, is := range f.Issues {
			for _, l := range is.Labels {
				if l == label {
					sel = append(sel, is)
					break
				}
			}
		}
		sort.Slice(sel, func(a, b int) bool { return sel[a].Created.After(sel[b].Created) })
		from, to, link := f.page(r, len(sel))
		out := []map[string]any{}
		for _, is := range sel[from:to] {
			var labels []map[string]any
			for i, l := range is.Labels {
				labels = append(labels, map[string]any{"id": 208045946 + i, "node_id": "MDU6TGFiZWwyMDgwNDU5NDY=", "name": l, "color": "f29513", "default": false, "description": ""})
			}
			m := map[string]any{"id": 1000 + is.Number, "number": is.Number, "title": is.Title, "state": is.State,
				"user": user(), "labels": labels, "created_at": ts(is.Created), "updated_at": ts(is.Created), "closed_at": nil,
				"body": "It looks like the new widget form is broken.", "locked": false, "comments": 0}
			if is.State == "closed" {
				m["closed_at"] = ts(is.Closed)
			}
			if is.PR {
				m["pull_request"] = map[string]any{"url": "https://api.github.com/repos/" + f.Repo + "/pulls/1347", "html_url": "https://github.com/" + f.Repo + "/pull/1347"}
			}
			out = append(out, m)
		}
		return mustJSON(out), link, 200, "issues"
	}
	return []byte(`{"message":"Not Found"}`), "", 404, "404"
}

func commitJSON(c Commit) map[string]any {
	return map[string]any{
		"url": "https://api.github.com/repos/acme/checkout/commits/" + c.SHA, "sha": c.SHA, "node_id": "MDY6Q29tbWl0",
		"commit": map[string]any{
			"author":    map[string]any{"name": "Monalisa Octocat", "email": "support@github.com", "date": ts(c.Author)},
			"committer": map[string]any{"name": "Monalisa Octocat", "email": "support@github.com", "date": ts(c.Committer)},
			"message":   "Fix all the bugs", "tree": map[string]any{"url": "https://api.github.com/repos/acme/checkout/tree/6dcb09b", "sha": "6dcb09b"},
			"comment_count": 0,
		},
		"author": user(), "committer": user(), "parents": []map[string]any{},
	}
}

func (f *Server) serveRuns(r *http.Request) ([]byte, string, int, string) {
	created := r.URL.Query().Get("created")
	lo, hi, ok := strings.Cut(created, "..")
	var from, to time.Time
	if ok {
		from, _ = time.Parse(time.RFC3339, lo)
		if hi != "*" {
			to, _ = time.Parse(time.RFC3339, hi)
		}
	}
	var sel []Run
	for _, run := range f.Runs {
		if ok && (run.Created.Before(from) || (!to.IsZero() && run.Created.After(to))) {
			continue
		}
		sel = append(sel, run)
	}
	sort.Slice(sel, func(a, b int) bool { return sel[a].Created.After(sel[b].Created) })
	total := len(sel)
	capped := sel[:min(len(sel), 1000)] // GitHub's cap per filtered query
	from2, to2, link := f.page(r, len(capped))
	runs := []map[string]any{}
	for _, run := range capped[from2:to2] {
		runs = append(runs, map[string]any{"id": run.ID, "name": "Deploy", "head_branch": "main", "head_sha": run.SHA,
			"run_number": run.ID, "event": "push", "status": "completed", "conclusion": run.Conclusion, "workflow_id": 159038,
			"created_at": ts(run.Created), "updated_at": ts(run.Updated), "run_started_at": ts(run.Created), "run_attempt": 1})
	}
	b, _ := json.Marshal(map[string]any{"total_count": total, "workflow_runs": runs})
	return b, link, 200, "runs"
}

// CommitIndex is the index of sha in Commits, -1 when unknown.
func (f *Server) CommitIndex(sha string) int { return apitest.CommitIndex(f.Commits, sha) }

func (f *Server) sortedDeployments() []*Deployment {
	out := append([]*Deployment(nil), f.Deployments...)
	sort.Slice(out, func(a, b int) bool { return out[a].ID > out[b].ID })
	return out
}
