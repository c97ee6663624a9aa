// Package pagerdutytest is a server that behaves like api.pagerduty.com
// for the endpoints the pagerduty source reads, for tests and benchmarks:
// since/until filtering with PagerDuty's 6-month limit, classic offset
// pagination with `more` and its offset+limit cap of 10,000, overview log
// entries, ratelimit-* headers (reset in seconds from now) counting down
// to a 429, injectable 429s with Retry-After, 500s and hangs. Response
// shapes follow PagerDuty's REST API v2 reference (PagerDuty/api-schema).
package pagerdutytest

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

// Incident is an incident of the fake account.
type Incident struct {
	ID      string
	Number  int
	Title   string
	Service string // "": the incident has no service object (null)
	// ServiceID is the service's id, for service_ids[].
	ServiceID string
	Status    string // triggered, acknowledged, resolved (or anything)
	Urgency   string // high, low, or anything ("": null)
	// Priority is the priority's name; "": null. PriorityRef writes it
	// as a priority_reference (summary only, no name).
	Priority    string
	PriorityRef bool
	Created     time.Time
	// Resolved is resolved_at; zero: null. LastChange is
	// last_status_change_at.
	Resolved, LastChange time.Time
	// Acks are the acknowledgements the list shows (open incidents).
	Acks []time.Time
	// AckLog are the times of the acknowledge_log_entry items of the log.
	AckLog []time.Time
}

// Server serves an account the way api.pagerduty.com does: Limit
// requests a minute, ratelimit-reset in seconds from now. Kind counts
// "incidents" and "log_entries" requests answered with 200; BadAuth those
// without the token or PagerDuty's headers. Hold Lock to change its
// fields while it runs.
type Server struct {
	apitest.Core // its lock guards the fields below too
	token        string

	Incidents []*Incident
	// Per path substring: how many of the next requests get a 429 with
	// Retry-After: RetryAfter seconds.
	TooMany    map[string]int
	RetryAfter int
	// IgnoreSince returns incidents older than since as well, to test
	// that the source drops what lies before its history itself.
	IgnoreSince bool
	// Order is the list's order: "" creation order (PagerDuty's
	// default), "desc" newest first, "scrambled" neither.
	Order string

	logReads map[string]int
	badRange int
}

// NewServer starts a server whose account the token opens.
func NewServer(clock *apisrc.StepClock, token string) *Server {
	f := &Server{token: token, RetryAfter: 20, TooMany: map[string]int{}, logReads: map[string]int{}}
	f.Start(clock, 960, time.Minute, f.serve)
	return f
}

// LogReads is how often an incident's log entries were read.
func (f *Server) LogReads(id string) int {
	f.Lock()
	defer f.Unlock()
	return f.logReads[id]
}

// BadRequests is how many requests PagerDuty would refuse with a 400 (a
// range or offset it does not take).
func (f *Server) BadRequests() int {
	f.Lock()
	defer f.Unlock()
	return f.badRange
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	now := f.Begin()
	if r.Header.Get("Authorization") != "Token token="+f.token || !strings.HasPrefix(r.Header.Get("User-Agent"), "doradash/") ||
		r.Header.Get("Accept") != "application/vnd.pagerduty+json;version=2" {
		f.CountBadAuth()
		f.Unlock()
		writeJSON(w, http.StatusUnauthorized, `{"error":{"message":"Unauthorized","code":2006}}`)
		return
	}
	path := r.URL.Path
	if f.Inject(w, r, path, func(w http.ResponseWriter) {
		writeJSON(w, http.StatusInternalServerError, `{"error":{"message":"Internal Server Error"}}`)
	}) {
		return
	}
	setRate := func() {
		w.Header().Set("ratelimit-limit", strconv.Itoa(f.Limit))
		w.Header().Set("ratelimit-remaining", strconv.Itoa(max(f.Remaining, 0)))
		w.Header().Set("ratelimit-reset", strconv.Itoa(int(f.Reset.Sub(now).Seconds())))
	}
	if apitest.Take(f.TooMany, path) || f.Remaining <= 0 {
		until := f.Reset
		if f.Remaining > 0 {
			until = now.Add(time.Duration(f.RetryAfter) * time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		f.LimitUntil(until)
		setRate()
		f.Unlock()
		writeJSON(w, http.StatusTooManyRequests, `{"error":{"message":"Rate Limit Exceeded","code":2020}}`)
		return
	}
	f.Remaining--
	setRate()
	status, body := f.route(r)
	f.Unlock()
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

const invalidInput = `{"error":{"message":"Invalid Input Provided","code":2001,"errors":[%q]}}`

func (f *Server) route(r *http.Request) (int, string) {
	path := r.URL.Path
	switch {
	case path == "/incidents":
		return f.list(r)
	case strings.HasPrefix(path, "/incidents/") && strings.HasSuffix(path, "/log_entries"):
		return f.logEntries(r, strings.TrimSuffix(strings.TrimPrefix(path, "/incidents/"), "/log_entries"))
	}
	return http.StatusNotFound, `{"error":{"message":"Not Found","code":2100}}`
}

// paging reads limit and offset as PagerDuty does (limit at most 100,
// offset+limit at most 10,000).
func (f *Server) paging(r *http.Request) (limit, offset int, msg string) {
	q := r.URL.Query()
	limit, offset = 25, 0
	if v := q.Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	if v := q.Get("offset"); v != "" {
		offset, _ = strconv.Atoi(v)
	}
	limit = min(max(limit, 1), 100)
	if offset < 0 || offset+limit > 10000 {
		return 0, 0, "Offset must be less than 10000"
	}
	return limit, offset, ""
}

func (f *Server) list(r *http.Request) (int, string) {
	q := r.URL.Query()
	limit, offset, msg := f.paging(r)
	since, err1 := time.Parse(time.RFC3339, q.Get("since"))
	until, err2 := time.Parse(time.RFC3339, q.Get("until"))
	switch {
	case msg != "":
	case err1 != nil || err2 != nil:
		msg = "since and until must be ISO 8601 dates"
	case until.Sub(since) > 180*24*time.Hour+time.Second:
		msg = "Date range must be less than 6 months"
	case q.Get("time_zone") != "UTC":
		msg = "time_zone must be UTC in these tests"
	}
	if msg != "" {
		f.badRange++
		return http.StatusBadRequest, fmt.Sprintf(invalidInput, msg)
	}
	services := q["service_ids[]"]
	var sel []*Incident
	for _, in := range f.Incidents {
		if (in.Created.Before(since) && !f.IgnoreSince) || !in.Created.Before(until) {
			continue
		}
		if len(services) > 0 && !contains(services, in.ServiceID) {
			continue
		}
		sel = append(sel, in)
	}
	sort.Slice(sel, func(a, b int) bool {
		switch {
		case f.Order == "scrambled":
			return sel[a].Number*7919%10007 < sel[b].Number*7919%10007
		case !sel[a].Created.Equal(sel[b].Created):
			return sel[a].Created.Before(sel[b].Created) != (f.Order == "desc")
		}
		return sel[a].Number < sel[b].Number
	})
	from, to := min(offset, len(sel)), min(offset+limit, len(sel))
	items := []map[string]any{}
	for _, in := range sel[from:to] {
		items = append(items, incidentJSON(in))
	}
	f.CountKind("incidents")
	b, _ := json.Marshal(map[string]any{"incidents": items, "limit": limit, "offset": offset, "more": to < len(sel), "total": nil})
	return http.StatusOK, string(b)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func ref(typ, id, summary, path string) map[string]any {
	return map[string]any{"id": id, "type": typ, "summary": summary,
		"self": "https://api.pagerduty.com/" + path + "/" + id, "html_url": "https://subdomain.pagerduty.com/" + path + "/" + id}
}

func incidentJSON(in *Incident) map[string]any {
	m := map[string]any{
		"id": in.ID, "type": "incident", "summary": fmt.Sprintf("[#%d] %s", in.Number, in.Title),
		"self": "https://api.pagerduty.com/incidents/" + in.ID, "html_url": "https://subdomain.pagerduty.com/incidents/" + in.ID,
		"incident_number": in.Number, "title": in.Title, "created_at": ts(in.Created), "updated_at": ts(in.LastChange),
		"status": in.Status, "incident_key": "baf7cf21b1da41b4b0221008339ff357", "service": nil,
		"assignments": []any{}, "assigned_via": "escalation_policy", "last_status_change_at": ts(in.LastChange),
		"resolved_at": ts(in.Resolved), "first_trigger_log_entry": ref("trigger_log_entry_reference", "Q02JTSNZWHSEKV", "Triggered through the API", "log_entries"),
		"alert_counts": map[string]any{"all": 2, "triggered": 0, "resolved": 2}, "is_mergeable": true,
		"incident_type":     map[string]any{"name": "incident_default"},
		"escalation_policy": ref("escalation_policy_reference", "PT20YPA", "Another Escalation Policy", "escalation_policies"),
		"teams":             []any{ref("team_reference", "PQ9K7I8", "Engineering", "teams")},
		"pending_actions":   []any{}, "acknowledgements": []any{}, "priority": nil, "resolve_reason": nil,
		"alert_grouping":        map[string]any{"grouping_type": "advanced", "started_at": ts(in.Created), "ended_at": nil, "alert_grouping_active": true},
		"last_status_change_by": ref("user_reference", "PXPGF42", "Earline Greenholt", "users"),
		"incidents_responders":  []any{}, "responder_requests": []any{}, "urgency": nil,
	}
	if in.Service != "" {
		m["service"] = ref("service_reference", in.ServiceID, in.Service, "services")
	}
	if in.Urgency != "" {
		m["urgency"] = in.Urgency
	}
	if in.Priority != "" {
		if in.PriorityRef {
			m["priority"] = map[string]any{"id": "P53ZZH5", "type": "priority_reference", "summary": in.Priority, "self": "https://api.pagerduty.com/priorities/P53ZZH5"}
		} else {
			m["priority"] = map[string]any{"id": "PSO75BM", "type": "priority", "summary": in.Priority, "self": "https://api.pagerduty.com/priorities/PSO75BM",
				"html_url": nil, "account_id": "PJ7ZQF5", "color": "a8171c", "created_at": "2017-03-29T19:52:23Z", "description": "",
				"name": in.Priority, "order": 4096, "schema_version": 0, "updated_at": "2017-03-29T19:52:23Z"}
		}
	}
	if in.Status != "resolved" {
		acks := []any{}
		for _, a := range in.Acks {
			acks = append(acks, map[string]any{"at": ts(a), "acknowledger": ref("user_reference", "PXPGF42", "Earline Greenholt", "users")})
		}
		m["acknowledgements"] = acks
	}
	return m
}

func (f *Server) logEntries(r *http.Request, id string) (int, string) {
	var in *Incident
	for _, x := range f.Incidents {
		if x.ID == id {
			in = x
		}
	}
	if in == nil {
		return http.StatusNotFound, `{"error":{"message":"Not Found","code":2100}}`
	}
	limit, offset, msg := f.paging(r)
	if msg != "" {
		f.badRange++
		return http.StatusBadRequest, fmt.Sprintf(invalidInput, msg)
	}
	type entry struct {
		typ string
		at  time.Time
	}
	entries := []entry{{"trigger_log_entry", in.Created}}
	for _, a := range in.AckLog {
		entries = append(entries, entry{"acknowledge_log_entry", a})
	}
	if r.URL.Query().Get("is_overview") != "true" {
		for _, a := range in.AckLog {
			entries = append(entries, entry{"notify_log_entry", a.Add(-time.Minute)})
		}
	}
	if in.Status == "resolved" {
		entries = append(entries, entry{"resolve_log_entry", in.LastChange})
	}
	// Newest first, as PagerDuty lists them.
	sort.SliceStable(entries, func(a, b int) bool { return entries[a].at.After(entries[b].at) })
	from, to := min(offset, len(entries)), min(offset+limit, len(entries))
	items := []map[string]any{}
	for i, e := range entries[from:to] {
		items = append(items, map[string]any{
			"id": fmt.Sprintf("R%s%03d", in.ID, from+i), "type": e.typ, "summary": strings.ReplaceAll(e.typ, "_", " "),
			"self": "https://api.pagerduty.com/log_entries/R?incident_id=" + in.ID, "created_at": ts(e.at),
			"agent":    ref("user_reference", "PXPGF42", "Earline Greenholt", "users"),
			"channel":  map[string]any{"type": "web_ui"},
			"incident": ref("incident_reference", in.ID, in.Title, "incidents"),
			"teams":    []any{}, "contexts": []any{},
		})
	}
	f.CountKind("log_entries")
	f.logReads[id]++
	b, _ := json.Marshal(map[string]any{"log_entries": items, "limit": limit, "offset": offset, "more": to < len(entries), "total": nil})
	return http.StatusOK, string(b)
}
