package pagerduty

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"doradash/sources/apisrc"
)

// The list's limits: PagerDuty filters since/until ranges of at most 6
// months, serves at most 100 incidents a page, and refuses offset+limit
// beyond 10,000 (classic pagination), so a range holding more is split.
const (
	maxRange  = 180 * 24 * time.Hour
	pageLimit = 100
	maxOffset = 10000
)

// readIncidents lists the incidents created between cutoff and now in
// pieces of at most maxRange, newest piece first (SPEC §8.4).
func (s *Source) readIncidents(ctx context.Context, cutoff, now time.Time) error {
	until := now.Truncate(time.Second)
	if until.Before(now) {
		until = until.Add(time.Second)
	}
	since := cutoff.Truncate(time.Second)
	for hi := until; hi.After(since); {
		lo := hi.Add(-maxRange)
		if lo.Before(since) {
			lo = since
		}
		if err := s.readRange(ctx, lo, hi); err != nil {
			return err
		}
		hi = lo
	}
	return nil
}

// readRange reads the incidents created in [since, until) page by page
// while `more` is true. A range with more incidents than offset pagination
// reaches is read again as two halves (newest first); what was read stays,
// and a record seen twice is one record.
func (s *Source) readRange(ctx context.Context, since, until time.Time) error {
	q := url.Values{}
	q.Set("since", since.UTC().Format(time.RFC3339))
	q.Set("until", until.UTC().Format(time.RFC3339))
	q.Set("time_zone", "UTC")
	q.Set("limit", strconv.Itoa(pageLimit))
	q.Set("offset", "0")
	for _, id := range s.o.ServiceIDs {
		q.Add("service_ids[]", id)
	}
	first := apisrc.Request{URL: "/incidents?" + q.Encode(), Compact: apisrc.Compact[apiIncidentPage]}
	capped := false
	var order runOrder
	err := s.client.Walk(ctx, first, offsetPager{}, func(page int, resp *apisrc.Response) (bool, error) {
		var p apiIncidentPage
		if err := decodeJSON("incidents", resp.Body, &p); err != nil {
			return false, err
		}
		for _, it := range p.Incidents {
			t, _ := parseTime(it.CreatedAt)
			s.incidents[it.ID] = listed{it, t}
			order.see(t)
		}
		s.pages++
		s.SetDetail(fmt.Sprintf("%d incidents, page %d", len(s.incidents), s.pages))
		if s.pages <= 10 || s.pages%10 == 0 { // a partial view costs a decode of everything
			s.Partial(s.document)
		}
		if p.More && page*pageLimit+pageLimit > maxOffset {
			capped = true
			return false, nil
		}
		return p.More && len(p.Incidents) > 0, nil
	})
	if err != nil || !capped {
		return err
	}
	return s.readRest(ctx, since, until, order)
}

// readRest reads what offset pagination could not reach of [since, until).
// When the pages came in creation order (PagerDuty's default), everything
// up to the last incident read was read, and the rest is the range beyond
// it; otherwise the range is read again as two halves, newest first.
func (s *Source) readRest(ctx context.Context, since, until time.Time, order runOrder) error {
	sec := time.Second
	switch {
	case order.ascending && order.last.Truncate(sec).After(since):
		return s.readRange(ctx, order.last.Truncate(sec), until)
	case order.descending && order.last.Truncate(sec).Add(sec).Before(until):
		return s.readRange(ctx, since, order.last.Truncate(sec).Add(sec))
	}
	mid := since.Add(until.Sub(since) / 2).Truncate(sec)
	if !mid.After(since) {
		return fmt.Errorf("more than %d incidents created between %s and %s: PagerDuty's pagination cannot list them all",
			maxOffset, since.UTC().Format(time.RFC3339), until.UTC().Format(time.RFC3339))
	}
	if err := s.readRange(ctx, mid, until); err != nil {
		return err
	}
	return s.readRange(ctx, since, mid)
}

// runOrder follows the creation times of a walk's incidents in the order
// the pages listed them.
type runOrder struct {
	n                     int
	last                  time.Time
	ascending, descending bool
}

func (o *runOrder) see(t time.Time) {
	if o.n == 0 {
		o.ascending, o.descending = true, true
	} else {
		o.ascending = o.ascending && !t.Before(o.last)
		o.descending = o.descending && !t.After(o.last)
	}
	o.n++
	o.last = t
}

// offsetPager advances `offset` by the page's limit; the walk's callback
// decides from `more` whether there is a next page.
type offsetPager struct{}

// Next implements apisrc.Pager.
func (offsetPager) Next(cur apisrc.Request, _ *apisrc.Response) (string, bool, error) {
	u, err := url.Parse(cur.URL)
	if err != nil {
		return "", false, err
	}
	q := u.Query()
	off, _ := strconv.Atoi(q.Get("offset"))
	lim, _ := strconv.Atoi(q.Get("limit"))
	if lim <= 0 {
		lim = pageLimit
	}
	q.Set("offset", strconv.Itoa(off+lim))
	u.RawQuery = q.Encode()
	return u.String(), true, nil
}

// incident maps one incident (SPEC §8.4).
func (s *Source) incident(it apiIncident) apisrc.NativeIncident {
	in := apisrc.NativeIncident{
		Title: it.Title, StartedAt: it.CreatedAt, DetectedAt: apisrc.StringPtr(it.CreatedAt),
		Severity: s.severity(it),
	}
	if it.ID != "" {
		in.ID = "pagerduty:" + it.ID // no id: the decoder rejects the record
	}
	if it.Service != nil {
		in.Service = it.Service.Summary
	}
	if it.Status == "resolved" {
		in.ResolvedAt = apisrc.StringPtr(it.ResolvedAt)
		if in.ResolvedAt == nil {
			in.ResolvedAt = apisrc.StringPtr(it.LastStatusChangeAt)
		}
		in.AcknowledgedAt = s.acks[it.ID]
	} else {
		in.AcknowledgedAt = earliest(it.Acknowledgements)
	}
	return in
}

// severity is the priority's name when the incident has a priority (a
// name SPEC §1 does not know is unknown), else the urgency: high 2, low 4.
func (s *Source) severity(it apiIncident) any {
	if s.o.SeverityFrom == "priority" && it.Priority != nil {
		if it.Priority.Name != "" {
			return it.Priority.Name
		}
		return it.Priority.Summary // a priority reference names it so
	}
	switch it.Urgency {
	case "high":
		return 2
	case "low":
		return 4
	}
	return nil
}

// earliest is the `at` of the earliest acknowledgement, nil without one.
func earliest(acks []apiAck) *string {
	var best string
	var bestT time.Time
	for _, a := range acks {
		t, ok := parseTime(a.At)
		if ok && (best == "" || t.Before(bestT)) {
			best, bestT = a.At, t
		}
	}
	return apisrc.StringPtr(best)
}
