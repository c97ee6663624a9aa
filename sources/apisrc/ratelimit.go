package apisrc

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RateHeaders names a vendor's rate-limit headers (SPEC §8.1). Names are
// matched case-insensitively.
type RateHeaders struct {
	Limit, Remaining, Reset string
	// ResetIsDelay: the reset header is seconds from now (PagerDuty), not
	// epoch seconds (GitHub, GitLab, incident.io).
	ResetIsDelay bool
	// ForbiddenMeansLimit: a 403 with the remaining header at 0, a
	// Retry-After, or a body that speaks of a rate limit is a rate limit
	// (GitHub), not a failure.
	ForbiddenMeansLimit bool
}

// The rate-limit headers of the vendors of SPEC §8.
var (
	GitHubRateHeaders     = RateHeaders{Limit: "X-Ratelimit-Limit", Remaining: "X-Ratelimit-Remaining", Reset: "X-Ratelimit-Reset", ForbiddenMeansLimit: true}
	GitLabRateHeaders     = RateHeaders{Limit: "Ratelimit-Limit", Remaining: "Ratelimit-Remaining", Reset: "Ratelimit-Reset"}
	PagerDutyRateHeaders  = RateHeaders{Limit: "Ratelimit-Limit", Remaining: "Ratelimit-Remaining", Reset: "Ratelimit-Reset", ResetIsDelay: true}
	IncidentIORateHeaders = RateHeaders{Limit: "X-Ratelimit-Limit", Remaining: "X-Ratelimit-Remaining", Reset: "X-Ratelimit-Reset"}
)

// lowHeadroom is the share of the limit at or below which the source waits
// for the reset before its next request (SPEC §8.1: 2 %).
const lowHeadroom = 0.02

// secondaryWait is how long to wait after a rate-limit answer that names
// no time at all (GitHub asks for at least a minute).
const secondaryWait = time.Minute

// rateInfo is what one response says about the rate limit.
type rateInfo struct {
	limit, remaining int       // -1: not stated
	reset            time.Time // zero: not stated
	retryAfter       time.Time // zero: no Retry-After
}

// readRate reads resp's rate-limit headers at now.
func (h RateHeaders) readRate(hdr http.Header, now time.Time) rateInfo {
	ri := rateInfo{limit: leadingInt(hdr.Get(h.Limit)), remaining: leadingInt(hdr.Get(h.Remaining))}
	if h.Reset != "" {
		if n := leadingInt(hdr.Get(h.Reset)); n >= 0 {
			if h.ResetIsDelay {
				ri.reset = now.Add(time.Duration(n) * time.Second)
			} else {
				ri.reset = time.Unix(int64(n), 0)
			}
		}
	}
	if ra := strings.TrimSpace(hdr.Get("Retry-After")); ra != "" {
		if n, err := strconv.Atoi(ra); err == nil && n >= 0 {
			ri.retryAfter = now.Add(time.Duration(n) * time.Second)
		} else if t, err := http.ParseTime(ra); err == nil {
			ri.retryAfter = t
		}
	}
	return ri
}

// leadingInt parses the first integer of a header value ("1200, 1200;w=60"
// is 1200); -1 when there is none.
func leadingInt(v string) int {
	v = strings.TrimSpace(v)
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	if i == 0 || i > 12 {
		return -1
	}
	n, _ := strconv.Atoi(v[:i])
	return n
}

// limited reports whether a response is a rate-limit answer rather than a
// failure, and until when to wait then.
func (h RateHeaders) limited(status int, ri rateInfo, body []byte, now time.Time) (bool, time.Time) {
	switch {
	case status == http.StatusTooManyRequests:
	case status == http.StatusForbidden && h.ForbiddenMeansLimit:
		if ri.remaining != 0 && ri.retryAfter.IsZero() && !mentionsRateLimit(body) {
			return false, time.Time{} // a permission problem
		}
	default:
		return false, time.Time{}
	}
	var until time.Time
	if ri.remaining == 0 && ri.reset.After(now) {
		until = ri.reset
	}
	// With both, the later one: a Retry-After shorter than the stated
	// reset of an exhausted budget would only earn another refusal.
	if ri.retryAfter.After(until) {
		until = ri.retryAfter
	}
	if until.IsZero() {
		until = now.Add(secondaryWait)
	}
	return true, until
}

// nextNotBefore is when the next request may go after a successful
// response: the later of the Retry-After it names and, once the remaining
// requests are at or below lowHeadroom of the limit, the reset; zero when
// at once.
func (ri rateInfo) nextNotBefore() time.Time {
	var at time.Time
	if ri.limit > 0 && ri.remaining >= 0 && float64(ri.remaining) <= lowHeadroom*float64(ri.limit) {
		at = ri.reset
	}
	if ri.retryAfter.After(at) {
		at = ri.retryAfter
	}
	return at
}

func mentionsRateLimit(body []byte) bool {
	return bytes.Contains(bytes.ToLower(body), []byte("rate limit"))
}
