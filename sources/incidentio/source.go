package incidentio

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"doradash/sources"
	"doradash/sources/apisrc"
)

// pageSize is the most incidents incident.io serves a page.
const pageSize = 250

// Source is an incident.io source. It implements sources.Source and
// sources.Reporter.
//
// Concurrency: Name, Type, Target, Observe and Progress may be called at
// any time. Fetch calls are serialised; each returns promptly once its ctx
// is cancelled and leaves no goroutine behind (requests are made one at a
// time). Every poll reads the incidents within history again.
type Source struct {
	*apisrc.State
	o      Options
	client *apisrc.Client
	target string

	// Guarded by the State's Fetch (one at a time):
	reading []apisrc.NativeIncident // the running poll's records, nil between polls
	kept    []apisrc.NativeIncident // the last complete poll's
}

// New checks o (see Options.Validate) and builds the source.
func New(o Options) (*Source, error) {
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("incidentio source %q: %w", o.Name, err)
	}
	h := http.Header{}
	h.Set("Accept", "application/json")
	h.Set("Authorization", "Bearer "+o.Token)
	c, err := o.Access.Client(apisrc.IncidentIORateHeaders, h)
	if err != nil {
		return nil, fmt.Errorf("incidentio source %q: %w", o.Name, err)
	}
	return &Source{State: apisrc.NewState(c), o: o, client: c, target: c.Target() + "/v2/incidents"}, nil
}

// Name returns the configured name.
func (s *Source) Name() string { return s.o.Name }

// Type returns "incidentio".
func (s *Source) Type() string { return "incidentio" }

// Target returns the incidents' API URL, without secrets.
func (s *Source) Target() string { return s.target }

// CloseIdleConnections ends idle keep-alive connections.
func (s *Source) CloseIdleConnections() { s.client.CloseIdleConnections() }

// Fetch reads the incidents within history (see sources.Source).
func (s *Source) Fetch(ctx context.Context) (sources.Result, error) {
	cutoff := s.o.Now().Add(-s.o.History)
	return s.State.Fetch(ctx, "incidentio", func(ctx context.Context) error { return s.read(ctx, cutoff) }, s.document)
}

// document writes what is known: the last complete poll's records and,
// while a poll runs, what it read so far in their place.
func (s *Source) document() []byte {
	if s.reading == nil {
		return apisrc.IncidentDocument(s.kept)
	}
	out := append([]apisrc.NativeIncident(nil), s.reading...)
	have := map[string]bool{}
	for _, in := range out {
		have[in.ID] = true
	}
	for _, in := range s.kept {
		if !have[in.ID] {
			out = append(out, in)
		}
	}
	return apisrc.IncidentDocument(out)
}

// read walks GET /v2/incidents with its cursor. incident.io lists newest
// first: the walk stops after the first page that reaches back past
// history (when the pages are in that order at all).
func (s *Source) read(ctx context.Context, cutoff time.Time) error {
	s.reading = []apisrc.NativeIncident{}
	seen := map[string]bool{}
	var order newestFirst
	first := apisrc.Request{URL: fmt.Sprintf("/v2/incidents?page_size=%d", pageSize), Compact: apisrc.Compact[apiPage]}
	pager := apisrc.CursorPager{Param: "after", Cursor: func(body []byte) (string, error) {
		var p apiPage
		if err := json.Unmarshal(body, &p); err != nil || p.PaginationMeta == nil {
			return "", err
		}
		return p.PaginationMeta.After, nil
	}}
	err := s.client.Walk(ctx, first, pager, func(page int, resp *apisrc.Response) (bool, error) {
		var p apiPage
		if err := json.Unmarshal(resp.Body, &p); err != nil {
			return false, fmt.Errorf("decode incidents: %w", err)
		}
		for _, it := range p.Incidents {
			created, ok := parseTime(it.CreatedAt)
			order.see(created, ok)
			if (ok && created.Before(cutoff)) || seen[it.ID] || skipped(it) {
				continue
			}
			seen[it.ID] = true
			s.reading = append(s.reading, s.incident(it))
		}
		s.SetDetail(fmt.Sprintf("%d incidents, page %d", len(s.reading), page))
		s.Partial(s.document)
		return len(p.Incidents) > 0 && !(order.ordered && order.reached(cutoff)), nil
	})
	if err != nil {
		return err
	}
	s.kept, s.reading = s.reading, nil
	return nil
}

// newestFirst follows whether the creation times seen so far are in
// descending order, and the oldest of them.
type newestFirst struct {
	n       int
	ordered bool
	oldest  time.Time
}

func (o *newestFirst) see(t time.Time, ok bool) {
	if !ok {
		return
	}
	if o.n == 0 {
		o.ordered = true
	} else if t.After(o.oldest) {
		o.ordered = false
	}
	o.n++
	if o.n == 1 || t.Before(o.oldest) {
		o.oldest = t
	}
}

func (o *newestFirst) reached(cutoff time.Time) bool { return o.n > 0 && o.oldest.Before(cutoff) }

// skipped reports incidents SPEC §8.5 leaves out: declined, merged or
// canceled ones, and test or tutorial incidents.
func skipped(it apiIncident) bool {
	if it.IncidentStatus != nil {
		switch it.IncidentStatus.Category {
		case "declined", "merged", "canceled":
			return true
		}
	}
	return it.Mode == "test" || it.Mode == "tutorial"
}

// incident maps one incident (SPEC §8.5).
func (s *Source) incident(it apiIncident) apisrc.NativeIncident {
	in := apisrc.NativeIncident{Title: it.Name}
	if it.ID != "" {
		in.ID = "incidentio:" + it.ID // no id: the decoder rejects the record
	}
	if it.Severity != nil {
		in.Severity = it.Severity.Name
	}
	in.StartedAt = s.timestamp(it, s.o.Started)
	if in.StartedAt == "" {
		in.StartedAt = it.CreatedAt
	}
	in.DetectedAt = apisrc.StringPtr(s.timestamp(it, s.o.Detected))
	if in.DetectedAt == nil {
		in.DetectedAt = apisrc.StringPtr(it.CreatedAt)
	}
	in.AcknowledgedAt = apisrc.StringPtr(s.timestamp(it, s.o.Acknowledged))
	in.ResolvedAt = apisrc.StringPtr(s.timestamp(it, s.o.Resolved))
	in.Service = s.service(it)
	return in
}

// timestamp is the value of the incident timestamp called name, "".
func (s *Source) timestamp(it apiIncident, name string) string {
	for _, tv := range it.IncidentTimestampValues {
		if tv.IncidentTimestamp != nil && tv.IncidentTimestamp.Name == name && tv.Value != nil {
			return tv.Value.Value
		}
	}
	return ""
}

// service is the first value of the custom field ServiceField: a catalog
// entry's name, else an option's value, else the text.
func (s *Source) service(it apiIncident) string {
	if s.o.ServiceField == "" {
		return ""
	}
	for _, e := range it.CustomFieldEntries {
		if e.CustomField == nil || e.CustomField.Name != s.o.ServiceField || len(e.Values) == 0 {
			continue
		}
		v := e.Values[0]
		switch {
		case v.ValueCatalogEntry != nil:
			return v.ValueCatalogEntry.Name
		case v.ValueOption != nil:
			return v.ValueOption.Value
		}
		return v.ValueText
	}
	return ""
}

// parseTime reads an incident.io timestamp.
func parseTime(v string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, v)
	return t, err == nil
}
