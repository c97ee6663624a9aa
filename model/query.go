package model

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Query says what to compute: the window end E, its length in whole days and
// the filters of SPEC §2. It is the one query of doradash: the
// configuration, the dashboard, the HTTP API and the commands all hold
// one. A new filter is a field here, its match in Normalized, Equal, Key
// and a Match method, and its use in newFilter.
type Query struct {
	End                 time.Time
	Days                int      // 1–366 (Normalized clamps)
	Environments        []string // deployments only; empty means DefaultEnvironments; case-insensitive
	Services            []string // empty: all; exact match
	DowntimeMaxSeverity int      // 1–5; 0 means the default, 2
	// LinkWithin is the limit of links by time (SPEC §3): an incident
	// without deployment_id is linked to the latest counted deployment of
	// its service that finished at most this long before it started.
	// 0 (or less): off.
	LinkWithin time.Duration
}

const (
	// DefaultDays is the window when nothing asks for another.
	DefaultDays = 30
	// MaxDays is the longest window.
	MaxDays = 366
	// DefaultDowntimeMaxSeverity is the worst-to-least severity that counts
	// as downtime when the configuration says nothing.
	DefaultDowntimeMaxSeverity = 2
)

// DefaultEnvironments is the environment filter when none is given. It is
// shared: never modify it.
var DefaultEnvironments = []string{"production"}

// Normalized returns q as Compute reads it: Days clamped to 1–MaxDays,
// DefaultEnvironments when none is given, the downtime severity limit
// 1–5 (DefaultDowntimeMaxSeverity when unset) and no negative link limit.
// End and Services are as they are. The slices may be shared with q or
// DefaultEnvironments: treat them as read-only.
func (q Query) Normalized() Query {
	q.Days = min(max(q.Days, 1), MaxDays)
	q.Environments = q.environments()
	if q.DowntimeMaxSeverity < 1 {
		q.DowntimeMaxSeverity = DefaultDowntimeMaxSeverity
	}
	q.DowntimeMaxSeverity = min(q.DowntimeMaxSeverity, 5)
	q.LinkWithin = max(q.LinkWithin, 0)
	return q
}

// Normalize normalises q in place (Normalized).
func (q *Query) Normalize() { *q = q.Normalized() }

// environments is the environment filter in force.
func (q Query) environments() []string {
	if len(q.Environments) == 0 {
		return DefaultEnvironments
	}
	return q.Environments
}

// Equal reports whether q and o are the same query, field by field (the
// same instant for End). Normalise both first to compare what they
// compute.
func (q Query) Equal(o Query) bool {
	return q.End.Equal(o.End) && q.Days == o.Days && q.DowntimeMaxSeverity == o.DowntimeMaxSeverity &&
		q.LinkWithin == o.LinkWithin && slices.Equal(q.Environments, o.Environments) &&
		slices.Equal(q.Services, o.Services)
}

// Key is the canonical form of q, for caches: every field of q (a test
// fails when Query gains one Key does not know), End as Unix nanoseconds
// (0 for the zero End). Lists are length-prefixed so no two different
// queries share a key.
func (q Query) Key() string {
	var b strings.Builder
	var end int64
	if !q.End.IsZero() {
		end = q.End.UnixNano()
	}
	b.WriteString(strconv.FormatInt(end, 10))
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(q.Days))
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(q.DowntimeMaxSeverity))
	b.WriteByte('|')
	b.WriteString(strconv.FormatInt(int64(q.LinkWithin), 10))
	for _, list := range [][]string{q.Environments, q.Services} {
		b.WriteByte('|')
		b.WriteString(strconv.Itoa(len(list)))
		for _, s := range list {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(len(s)))
			b.WriteByte(':')
			b.WriteString(s)
		}
	}
	return b.String()
}

// MatchService applies the service filter of SPEC §2 to a record's
// service: every service when the filter is empty, else an exact match (a
// record without a service matches no filter).
func (q Query) MatchService(s string) bool {
	return len(q.Services) == 0 || (s != "" && slices.Contains(q.Services, s))
}

// MatchEnvironment applies the environment filter of SPEC §2 to a
// deployment's environment: case-insensitive, DefaultEnvironments when
// the query names none.
func (q Query) MatchEnvironment(e string) bool {
	return slices.ContainsFunc(q.environments(), func(want string) bool { return strings.EqualFold(want, e) })
}
