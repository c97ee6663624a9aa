package pagerduty

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"time"

	"doradash/sources/apisrc"
)

// keptAck is what the cache keeps of a resolved incident: the created_at
// of its earliest acknowledge_log_entry, null when it has none.
type keptAck struct {
	AcknowledgedAt *string `json:"acknowledged_at"`
}

// readAcks finds the acknowledgement of each resolved incident that is not
// known yet: from the cache, else from its overview log entries (SPEC
// §8.4). A resolved incident's log no longer changes, so each is read once.
func (s *Source) readAcks(ctx context.Context, cutoff time.Time) error {
	var todo []string
	for id, it := range s.incidents {
		if it.Status != "resolved" || id == "" {
			continue
		}
		if it.created.Before(cutoff) && !it.created.IsZero() {
			continue
		}
		if _, ok := s.acks[id]; ok {
			continue
		}
		if raw, ok := s.client.Lookup(ackKey(id)); ok {
			var k keptAck
			if json.Unmarshal(raw, &k) == nil {
				s.acks[id] = k.AcknowledgedAt
				continue
			}
		}
		todo = append(todo, id)
	}
	sort.Strings(todo)
	for i, id := range todo {
		at, err := s.readAck(ctx, id)
		if err != nil {
			return err
		}
		s.acks[id] = at
		if raw, err := json.Marshal(keptAck{at}); err == nil {
			s.client.Keep(ackKey(id), raw)
		}
		s.SetDetail(fmt.Sprintf("%d incidents, acknowledgements %d of %d", len(s.incidents), i+1, len(todo)))
		if (i+1)%pageLimit == 0 || i+1 == len(todo) {
			s.Partial(s.document)
		}
	}
	// Forget incidents that left the list (older than history, deleted).
	for id := range s.acks {
		if _, ok := s.incidents[id]; !ok {
			delete(s.acks, id)
		}
	}
	return nil
}

// ackKey is the cache key of an incident's acknowledgement.
func ackKey(id string) string { return "/pagerduty/ack/" + id }

// readAck reads one incident's overview log entries and returns the
// created_at of the earliest acknowledge_log_entry.
func (s *Source) readAck(ctx context.Context, id string) (*string, error) {
	q := url.Values{}
	q.Set("is_overview", "true")
	q.Set("limit", strconv.Itoa(pageLimit))
	q.Set("offset", "0")
	first := apisrc.Request{URL: "/incidents/" + url.PathEscape(id) + "/log_entries?" + q.Encode(), Compact: apisrc.Compact[apiLogPage]}
	var best string
	var bestT time.Time
	err := s.client.Walk(ctx, first, offsetPager{}, func(page int, resp *apisrc.Response) (bool, error) {
		var p apiLogPage
		if err := decodeJSON("log entries", resp.Body, &p); err != nil {
			return false, err
		}
		for _, e := range p.LogEntries {
			if e.Type != "acknowledge_log_entry" {
				continue
			}
			if t, ok := parseTime(e.CreatedAt); ok && (best == "" || t.Before(bestT)) {
				best, bestT = e.CreatedAt, t
			}
		}
		return p.More && len(p.LogEntries) > 0 && page*pageLimit+pageLimit <= maxOffset, nil
	})
	if err != nil {
		return nil, err
	}
	return apisrc.StringPtr(best), nil
}

// decodeJSON decodes body into v, naming what it was on error.
func decodeJSON(what string, body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decode %s: %w", what, err)
	}
	return nil
}
