// Package incidentiotest is a server that behaves like api.incident.io
// for the endpoint the incidentio source reads, for tests and benchmarks:
// GET /v2/incidents newest first with cursor pagination
// (pagination_meta.after), X-RateLimit-* headers (reset in epoch seconds)
// counting down to a 429, injectable 429s with Retry-After, 500s and
// hangs (Hang). Response shapes follow incident.io's API reference (IncidentV2).
package incidentiotest

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

// Incident is an incident of the fake organisation.
type Incident struct {
	ID, Name string
	Mode     string // standard, retrospective, test, tutorial
	Created  time.Time
	Severity string // "": null
	// Status is the status category: triage, live, learning, closed,
	// declined, merged, canceled, paused.
	Status string
	// Timestamps by name; a zero time is a timestamp without a value.
	Timestamps map[string]time.Time
	// The custom field "Affected service" holds one of these (catalog
	// entry, option, text), the first one set; none: no values.
	Catalog, Option, Text string
}

// Server serves an organisation the way api.incident.io does: Limit
// requests a minute, X-RateLimit-Reset in epoch seconds. Kind("pages")
// counts the list pages served; BadAuth the requests without the token.
// Hold Lock to change its fields while it runs.
type Server struct {
	apitest.Core // its lock guards the fields below too
	token        string

	Incidents []*Incident
	// Per path substring: how many of the next requests get a 429 with
	// Retry-After: RetryAfter seconds.
	TooMany    map[string]int
	RetryAfter int
}

// NewServer starts a server whose organisation the token opens.
func NewServer(clock *apisrc.StepClock, token string) *Server {
	f := &Server{token: token, RetryAfter: 20, TooMany: map[string]int{}}
	f.Start(clock, 1200, time.Minute, f.serve)
	return f
}

// Counts returns the requests that arrived and the pages served.
func (f *Server) Counts() (requests, pages int) { return f.Requests(), f.Kind("pages") }

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	now := f.Begin()
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bearer "+f.token || !strings.HasPrefix(r.Header.Get("User-Agent"), "doradash/") {
		f.CountBadAuth()
		f.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"type":"authentication_error","status":401,"request_id":"r1","errors":[{"code":"unauthenticated","message":"Invalid API key"}]}`)
		return
	}
	if f.Inject(w, r, r.URL.Path, func(w http.ResponseWriter) {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `{"type":"internal_error","status":500,"errors":[{"code":"internal_error","message":"Something went wrong"}]}`)
	}) {
		return
	}
	setRate := func() {
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(f.Limit))
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(max(f.Remaining, 0)))
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(f.Reset.Unix(), 10))
	}
	if apitest.Take(f.TooMany, r.URL.Path) || f.Remaining <= 0 {
		f.LimitUntil(f.Reset)
		if f.Remaining > 0 {
			f.LimitUntil(now.Add(time.Duration(f.RetryAfter) * time.Second))
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		setRate()
		f.Unlock()
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"type":"rate_limit_exceeded","status":429,"errors":[{"code":"rate_limit_exceeded","message":"Too many requests"}]}`)
		return
	}
	f.Remaining--
	setRate()
	if r.URL.Path != "/v2/incidents" {
		f.Unlock()
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"type":"not_found","status":404}`)
		return
	}
	status, body := f.list(r)
	f.Unlock()
	w.WriteHeader(status)
	w.Write(body)
}

func (f *Server) list(r *http.Request) (int, []byte) {
	size := 25
	if v := r.URL.Query().Get("page_size"); v != "" {
		size, _ = strconv.Atoi(v)
	}
	if size < 1 || size > 250 {
		return http.StatusUnprocessableEntity, []byte(`{"type":"validation_error","status":422,"errors":[{"code":"invalid_value","message":"page_size must be between 1 and 250","source":{"field":"page_size"}}]}`)
	}
	sel := append([]*Incident(nil), f.Incidents...)
	sort.SliceStable(sel, func(a, b int) bool { return sel[a].Created.After(sel[b].Created) })
	from := 0
	if after := r.URL.Query().Get("after"); after != "" {
		from = len(sel)
		for i, in := range sel {
			if in.ID == after {
				from = i + 1
			}
		}
	}
	to := min(from+size, len(sel))
	items := []map[string]any{}
	for _, in := range sel[from:to] {
		items = append(items, incidentJSON(in))
	}
	meta := map[string]any{"page_size": size, "total_record_count": len(sel)}
	if to < len(sel) && to > from {
		meta["after"] = sel[to-1].ID
	}
	f.CountKind("pages")
	b, _ := json.Marshal(map[string]any{"incidents": items, "pagination_meta": meta})
	return http.StatusOK, b
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func incidentJSON(in *Incident) map[string]any {
	m := map[string]any{
		"id": in.ID, "name": in.Name, "reference": "INC-" + in.ID[len(in.ID)-3:], "mode": in.Mode,
		"created_at": ts(in.Created), "updated_at": ts(in.Created.Add(time.Hour)),
		"permalink": "https://app.incident.io/incidents/" + in.ID, "visibility": "public", "summary": "Our database is really really sad.",
		"slack_channel_id": "C02AW36C1M5", "slack_channel_name": "inc-165-green-parrot", "slack_team_id": "T02A1FSLE8J",
		"creator":                   map[string]any{"user": map[string]any{"id": "01FCNDV6P870EA6S7TK1DSYDG0", "name": "Lisa Karlin Curtis", "role": "viewer", "email": "lisa@incident.io"}},
		"incident_role_assignments": []any{}, "has_debrief": false, "duration_metrics": []any{},
		"severity": nil, "incident_status": nil, "call_url": "https://zoom.us/foo",
		"incident_type": map[string]any{"id": "01FCNDV6P870EA6S7TK1DSYDG0", "name": "Security Incident", "description": "Customer data", "is_default": false, "private_incidents_only": false, "create_in_triage": "always"},
	}
	if in.Severity != "" {
		m["severity"] = map[string]any{"id": "01FCNDV6P870EA6S7TK1DSYDG0", "name": in.Severity, "description": "Issues with **low impact**.", "rank": 1,
			"created_at": "2021-08-17T13:28:57.801578Z", "updated_at": "2021-08-17T13:28:57.801578Z"}
	}
	if in.Status != "" {
		m["incident_status"] = map[string]any{"id": "01FCNDV6P870EA6S7TK1DSYD5H", "name": strings.ToUpper(in.Status[:1]) + in.Status[1:], "category": in.Status,
			"description": "Impact has been **fully mitigated**.", "rank": 4, "created_at": "2021-08-17T13:28:57.801578Z", "updated_at": "2021-08-17T13:28:57.801578Z"}
	}
	names := make([]string, 0, len(in.Timestamps))
	for name := range in.Timestamps {
		names = append(names, name)
	}
	sort.Strings(names)
	tvs := []any{}
	for i, name := range names {
		tv := map[string]any{"incident_timestamp": map[string]any{"id": fmt.Sprintf("01FCNDV6P870EA6S7TK1DSYD%02d", i), "name": name, "rank": i + 1}}
		if t := in.Timestamps[name]; !t.IsZero() {
			tv["value"] = map[string]any{"value": ts(t)}
		}
		tvs = append(tvs, tv)
	}
	m["incident_timestamp_values"] = tvs
	field := map[string]any{"id": "01FCNDV6P870EA6S7TK1DSYDG0", "name": "Affected service", "description": "Which service is affected?", "field_type": "single_select", "options": []any{}}
	values := []any{}
	switch {
	case in.Catalog != "":
		values = append(values, map[string]any{"value_catalog_entry": map[string]any{"id": "01FCNDV6P870EA6S7TK1DSYDG0", "name": in.Catalog, "aliases": []string{}, "external_id": "761722cd-d1d7-477b-ac7e-90f9e079dc33"}})
	case in.Option != "":
		values = append(values, map[string]any{"value_option": map[string]any{"id": "01FCNDV6P870EA6S7TK1DSYDG0", "custom_field_id": "01FCNDV6P870EA6S7TK1DSYDG0", "sort_key": 10, "value": in.Option}})
	case in.Text != "":
		values = append(values, map[string]any{"value_text": in.Text})
	}
	m["custom_field_entries"] = []any{
		map[string]any{"custom_field": map[string]any{"id": "01FCNDV6P870EA6S7TK1DSYDG1", "name": "Customer tier", "field_type": "text", "options": []any{}},
			"values": []any{map[string]any{"value_text": "enterprise"}}},
		map[string]any{"custom_field": field, "values": values},
	}
	return m
}
