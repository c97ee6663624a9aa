// Package gitlabtest is a server that behaves like GitLab's REST API (v4)
// for the endpoints the gitlab source reads, for tests and benchmarks:
// projects addressed by numeric id or URL-encoded path, offset pagination
// with x-next-page, x-total and Link headers (x-total and the last link
// left out above 10,000 records, as GitLab does), ETags and 304s,
// RateLimit-* headers counting down to a 429 with Retry-After, and
// injectable 500s, hangs and throttling. Response shapes follow GitLab's
// documented examples.
package gitlabtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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

// Deployment is a deployment of the project.
type Deployment struct {
	ID, IID          int64
	SHA, Env, Status string
	Created, Updated time.Time
	// Finished is the deployment's own finished_at (nil: null); JobFinished
	// its deployable's (nil: null); NoJob makes deployable null.
	Finished, JobFinished *time.Time
	NoJob                 bool
	// Raw replaces members of the JSON object as written (nil: null).
	Raw map[string]any
}

// Issue is an issue of the project; Type "" is "incident".
type Issue struct {
	IID                    int64
	Title, State, Severity string
	Type                   string
	Created, Updated       time.Time
	Closed                 *time.Time
	Raw                    map[string]any
}

// Server serves one project the way GitLab does: Limit is a window of a
// minute, as on GitLab.com, and a 304 costs a request of it. Kind counts
// deployments, compare, commit and issues requests answered with 200 or
// 304; BadAuth those without the token or the User-Agent. Hold Lock to
// change its fields while it runs.
type Server struct {
	apitest.Core // its lock guards the fields below too
	token        string

	// Project is the project's full path; ID its numeric id.
	Project     string
	ID          int64
	Commits     []Commit // oldest first: a linear history
	Deployments []*Deployment
	Issues      []*Issue
	// LinkOnly leaves out the x-* pagination headers (Link alone).
	LinkOnly bool
	// Per path substring: how many of the next requests are throttled,
	// a 429 with Retry-After: 30.
	Throttle map[string]int

	badQuery []string
}

// NewServer starts a server for project "group/app" (id 412) that accepts
// token as PRIVATE-TOKEN.
func NewServer(clock *Clock, token string) *Server {
	f := &Server{token: token, Project: "group/app", ID: 412, Throttle: map[string]int{}}
	f.Start(clock, 2000, time.Minute, f.serve)
	return f
}

// BadQueries lists list requests that did not ask for what the source
// needs (order, page size, issue type).
func (f *Server) BadQueries() []string {
	f.Lock()
	defer f.Unlock()
	return append([]string(nil), f.badQuery...)
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	now := f.Begin()
	if r.Header.Get("PRIVATE-TOKEN") != f.token || !strings.HasPrefix(r.Header.Get("User-Agent"), "doradash/") {
		f.CountBadAuth()
		f.Unlock()
		writeJSON(w, http.StatusUnauthorized, `{"message":"401 Unauthorized"}`)
		return
	}
	path := r.URL.EscapedPath()
	if f.Inject(w, r, path, func(w http.ResponseWriter) {
		writeJSON(w, http.StatusInternalServerError, `{"message":"500 Internal Server Error"}`)
	}) {
		return
	}
	if apitest.Take(f.Throttle, path) {
		f.LimitUntil(now.Add(30 * time.Second))
		f.Unlock()
		w.Header().Set("Retry-After", "30")
		writeJSON(w, http.StatusTooManyRequests, `Retry later`)
		return
	}
	setRate := func() {
		h := w.Header()
		h.Set("RateLimit-Limit", strconv.Itoa(f.Limit))
		h.Set("RateLimit-Observed", strconv.Itoa(f.Limit-f.Remaining))
		h.Set("RateLimit-Remaining", strconv.Itoa(f.Remaining))
		h.Set("RateLimit-Reset", strconv.FormatInt(f.Reset.Unix(), 10))
		h.Set("RateLimit-ResetTime", f.Reset.UTC().Format(http.TimeFormat))
	}
	if f.Remaining <= 0 {
		f.LimitUntil(f.Reset)
		setRate()
		w.Header().Set("Retry-After", strconv.Itoa(int(f.Reset.Sub(now).Seconds()+0.999)))
		f.Unlock()
		writeJSON(w, http.StatusTooManyRequests, `Retry later`)
		return
	}
	f.Remaining--
	body, hdr, status, kind := f.route(r, path)
	etag := apitest.ETag(body)
	if status == http.StatusOK {
		f.CountKind(kind)
		if f.NotModified(r, etag) {
			setRate()
			f.Unlock()
			w.Header().Set("ETag", etag)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
	}
	setRate()
	f.Unlock()
	for k, v := range hdr {
		w.Header()[k] = v
	}
	writeJSON(w, status, string(body))
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func tsOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

var notFound = []byte(`{"message":"404 Project Not Found"}`)

// route answers one request under /api/v4.
func (f *Server) route(r *http.Request, path string) (body []byte, hdr http.Header, status int, kind string) {
	var rest string
	for _, p := range []string{"/api/v4/projects/" + url.PathEscape(f.Project) + "/", "/api/v4/projects/" + strconv.FormatInt(f.ID, 10) + "/"} {
		if strings.HasPrefix(path, p) {
			rest = strings.TrimPrefix(path, p)
		}
	}
	q := r.URL.Query()
	switch {
	case rest == "deployments":
		if q.Get("order_by") != "updated_at" || q.Get("sort") != "desc" || q.Get("per_page") != "100" {
			f.badQuery = append(f.badQuery, r.URL.RawQuery)
		}
		return f.deployments(r)
	case rest == "issues":
		if q.Get("issue_type") != "incident" || q.Get("order_by") != "updated_at" || q.Get("sort") != "desc" || q.Get("per_page") != "100" {
			f.badQuery = append(f.badQuery, r.URL.RawQuery)
		}
		return f.issues(r)
	case rest == "repository/compare":
		return f.compare(q.Get("from"), q.Get("to"))
	case strings.HasPrefix(rest, "repository/commits/"):
		sha, _ := url.PathUnescape(strings.TrimPrefix(rest, "repository/commits/"))
		i := f.CommitIndex(sha)
		if i < 0 {
			return []byte(`{"message":"404 Commit Not Found"}`), nil, 404, "404"
		}
		return mustJSON(f.commitJSON(f.Commits[i])), nil, 200, "commit"
	}
	return notFound, nil, 404, "404"
}

// page cuts n items to the page the query asks for and writes GitLab's
// pagination headers.
func (f *Server) page(r *http.Request, n int) (from, to int, hdr http.Header) {
	pg := apitest.PageOf(r, n, 20, 100)
	p, per, last := pg.Page, pg.Per, pg.Last
	hdr = http.Header{}
	link := func(page int, rel string) string {
		return fmt.Sprintf(`<%s>; rel="%s"`, apitest.PageURL(f.URL, r, r.URL.EscapedPath(), page), rel)
	}
	var links []string
	if p > 1 {
		links = append(links, link(p-1, "prev"))
	}
	if p < last {
		links = append(links, link(p+1, "next"))
	}
	links = append(links, link(1, "first"))
	big := n > 10000 // GitLab leaves totals out then
	if !big {
		links = append(links, link(last, "last"))
	}
	hdr.Set("Link", strings.Join(links, ", "))
	if f.LinkOnly {
		return pg.From, pg.To, hdr
	}
	hdr.Set("X-Page", strconv.Itoa(p))
	hdr.Set("X-Per-Page", strconv.Itoa(per))
	hdr.Set("X-Next-Page", "")
	if p < last {
		hdr.Set("X-Next-Page", strconv.Itoa(p+1))
	}
	hdr.Set("X-Prev-Page", "")
	if p > 1 {
		hdr.Set("X-Prev-Page", strconv.Itoa(p-1))
	}
	if !big {
		hdr.Set("X-Total", strconv.Itoa(n))
		hdr.Set("X-Total-Pages", strconv.Itoa(last))
	}
	return pg.From, pg.To, hdr
}

func user() map[string]any {
	return map[string]any{"id": 1, "name": "Administrator", "username": "root", "state": "active",
		"avatar_url": "https://www.gravatar.com/avatar/e64c7d89f26bd1972efa854d13d7dd61?s=80&d=identicon",
		"web_url":    "https://gitlab.example.com/root"}
}

func (f *Server) deployments(r *http.Request) ([]byte, http.Header, int, string) {
	sel := append([]*Deployment(nil), f.Deployments...)
	if r.URL.Query().Get("order_by") == "updated_at" && r.URL.Query().Get("sort") == "desc" {
		sort.Slice(sel, func(a, b int) bool {
			if !sel[a].Updated.Equal(sel[b].Updated) {
				return sel[a].Updated.After(sel[b].Updated)
			}
			return sel[a].ID > sel[b].ID
		})
	} else { // GitLab's default: id ascending
		sort.Slice(sel, func(a, b int) bool { return sel[a].ID < sel[b].ID })
	}
	from, to, hdr := f.page(r, len(sel))
	out := []map[string]any{}
	for _, d := range sel[from:to] {
		m := map[string]any{
			"id": d.ID, "iid": d.IID, "ref": "main", "sha": d.SHA, "status": d.Status,
			"created_at": ts(d.Created), "updated_at": ts(d.Updated), "finished_at": tsOrNil(d.Finished),
			"user":        user(),
			"environment": map[string]any{"id": 9, "name": d.Env, "external_url": "https://about.gitlab.com", "state": "available", "tier": "production"},
			"deployable":  nil,
		}
		if !d.NoJob {
			m["deployable"] = map[string]any{
				"id": 600 + d.ID, "name": "deploy", "ref": "main", "stage": "deploy", "status": d.Status, "tag": false,
				"coverage": nil, "allow_failure": false, "created_at": ts(d.Created), "started_at": ts(d.Created),
				"finished_at": tsOrNil(d.JobFinished), "duration": 8.2, "queued_duration": 0.01, "user": user(),
				"commit": map[string]any{"id": d.SHA, "short_id": short(d.SHA), "title": "Update README", "created_at": ts(d.Created),
					"author_name": "Administrator", "author_email": "admin@example.com", "message": "Update README"},
				"pipeline": map[string]any{"id": 4000 + d.ID, "sha": d.SHA, "ref": "main", "status": d.Status},
				"runner":   nil, "artifacts_expire_at": nil, "web_url": "https://gitlab.example.com/" + f.Project + "/-/jobs/1",
			}
		}
		for k, v := range d.Raw {
			m[k] = v
		}
		out = append(out, m)
	}
	return mustJSON(out), hdr, 200, "deployments"
}

func short(sha string) string { return sha[:min(len(sha), 8)] }

func (f *Server) issues(r *http.Request) ([]byte, http.Header, int, string) {
	want := r.URL.Query().Get("issue_type")
	var sel []*Issue
	for _, is := range f.Issues {
		typ := is.Type
		if typ == "" {
			typ = "incident"
		}
		if want == "" || want == typ {
			sel = append(sel, is)
		}
	}
	if r.URL.Query().Get("order_by") == "updated_at" && r.URL.Query().Get("sort") != "asc" {
		sort.Slice(sel, func(a, b int) bool {
			if !sel[a].Updated.Equal(sel[b].Updated) {
				return sel[a].Updated.After(sel[b].Updated)
			}
			return sel[a].IID > sel[b].IID
		})
	} else { // created_at, newest first: GitLab's default
		sort.Slice(sel, func(a, b int) bool { return sel[a].Created.After(sel[b].Created) })
	}
	from, to, hdr := f.page(r, len(sel))
	out := []map[string]any{}
	for _, is := range sel[from:to] {
		typ := is.Type
		if typ == "" {
			typ = "incident"
		}
		m := map[string]any{
			"id": 7000 + is.IID, "iid": is.IID, "project_id": f.ID, "title": is.Title, "description": "Alert fired",
			"state": is.State, "created_at": ts(is.Created), "updated_at": ts(is.Updated), "closed_at": tsOrNil(is.Closed),
			"closed_by": nil, "labels": []string{}, "milestone": nil, "assignees": []any{}, "author": user(), "assignee": nil,
			"type": strings.ToUpper(typ), "issue_type": typ, "severity": is.Severity, "user_notes_count": 0,
			"merge_requests_count": 0, "upvotes": 0, "downvotes": 0, "due_date": nil, "confidential": false,
			"discussion_locked": nil, "web_url": fmt.Sprintf("https://gitlab.example.com/%s/-/issues/%d", f.Project, is.IID),
			"time_stats": map[string]any{"time_estimate": 0, "total_time_spent": 0},
		}
		if is.State == "closed" {
			m["closed_by"] = user()
		}
		for k, v := range is.Raw {
			m[k] = v
		}
		out = append(out, m)
	}
	return mustJSON(out), hdr, 200, "issues"
}

func (f *Server) compare(from, to string) ([]byte, http.Header, int, string) {
	fi, ti := f.CommitIndex(from), f.CommitIndex(to)
	if fi < 0 || ti < 0 {
		return []byte(`{"message":"404 Ref Not Found"}`), nil, 404, "404"
	}
	commits := []map[string]any{}
	if ti > fi {
		for _, c := range f.Commits[fi+1 : ti+1] {
			commits = append(commits, f.commitJSON(c))
		}
	}
	out := map[string]any{
		"commit": f.commitJSON(f.Commits[ti]), "commits": commits,
		"diffs": []map[string]any{{"old_path": "files/js/application.js", "new_path": "files/js/application.js",
			"a_mode": nil, "b_mode": "100644", "diff": "@@ -24,8 +24,39 @@", "new_file": false, "renamed_file": false, "deleted_file": false}},
		"compare_timeout": false, "compare_same_ref": fi == ti,
		"web_url": "https://gitlab.example.com/" + f.Project + "/-/compare/" + from + "..." + to,
	}
	return mustJSON(out), nil, 200, "compare"
}

// commitZone is the offset commit dates are written in, as GitLab writes
// them in the committer's zone.
var commitZone = time.FixedZone("CEST", 2*3600)

func (f *Server) commitJSON(c Commit) map[string]any {
	const layout = "2006-01-02T15:04:05.000-07:00"
	return map[string]any{
		"id": c.SHA, "short_id": short(c.SHA), "title": "Sanitize for network graph", "message": "Sanitize for network graph",
		"author_name": "randx", "author_email": "user@example.com", "authored_date": c.Author.In(commitZone).Format(layout),
		"committer_name": "Administrator", "committer_email": "admin@example.com", "committed_date": c.Committer.In(commitZone).Format(layout),
		"created_at": c.Committer.In(commitZone).Format(layout), "parent_ids": []string{},
		"web_url": "https://gitlab.example.com/" + f.Project + "/-/commit/" + c.SHA, "trailers": map[string]any{},
	}
}

// CommitIndex is the index of sha in Commits, -1 when unknown.
func (f *Server) CommitIndex(sha string) int { return apitest.CommitIndex(f.Commits, sha) }
