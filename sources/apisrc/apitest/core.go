// Package apitest is the test kit of the vendor API sources (github,
// gitlab, pagerduty, incidentio): the core their fake vendor servers
// (githubtest, gitlabtest, pagerdutytest, incidentiotest) share, and the
// helpers their tests share. Only tests, benchmarks and those fake
// servers import it.
//
// Core is what every fake server does alike: it serves on an
// httptest.Server with a step clock, counts requests (by kind, 304s,
// those sent while a rate limit said to wait, those without the right
// credentials), keeps a request budget that refills every window, and
// injects hangs and 500s per path substring. What differs by vendor stays
// in the vendor's fake: its URLs and JSON, its auth headers and error
// bodies, its pagination, its rate-limit headers and answers, and whether
// a 304 costs a request of the budget.
package apitest

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"doradash/sources/apisrc"
)

// Core is embedded in a fake vendor server. Its mutex guards the core and
// the fake's own fields: hold it (Lock) to change them while the server
// runs. The methods documented "with the lock held" are for the fake's
// handler, between Begin and the Unlock before it writes.
type Core struct {
	Clock *apisrc.StepClock
	URL   string

	srv    *httptest.Server
	window time.Duration

	mu sync.Mutex // guards everything below and the fake's fields
	// Limit requests a window; Remaining of them until Reset, when the
	// budget refills (the fake decides what it charges and how it says
	// so).
	Limit, Remaining int
	Reset            time.Time
	// Per path substring: how many of the next requests hang until the
	// client gives up, or fail with a 500.
	Fail500 map[string]int
	Hang    map[string]int

	requests     int
	notModified  int
	byKind       map[string]int
	duringLimit  int
	limitedUntil time.Time
	badAuth      int
}

// Start fills in the core and starts serving handler on clock: a budget
// of limit requests that refills window after window.
func (c *Core) Start(clock *apisrc.StepClock, limit int, window time.Duration, handler http.HandlerFunc) {
	c.Clock, c.window = clock, window
	c.Limit, c.Remaining, c.Reset = limit, limit, clock.Now().Add(window)
	c.Fail500, c.Hang, c.byKind = map[string]int{}, map[string]int{}, map[string]int{}
	c.srv = httptest.NewServer(handler)
	c.URL = c.srv.URL
}

// Close stops the server.
func (c *Core) Close() { c.srv.Close() }

// Client is an HTTP client for the server.
func (c *Core) Client() *http.Client { return c.srv.Client() }

// Lock and Unlock guard changes to the fake while the server runs.
func (c *Core) Lock()   { c.mu.Lock() }
func (c *Core) Unlock() { c.mu.Unlock() }

// Requests is how many requests arrived.
func (c *Core) Requests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests
}

// Counts returns the requests that arrived and how many of them were
// answered with 304.
func (c *Core) Counts() (requests, notModified int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests, c.notModified
}

// Kind is how many requests of one kind the fake counted (which kinds,
// and which answers count, is the fake's to say).
func (c *Core) Kind(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byKind[k]
}

// DuringLimit is how many requests arrived while a rate-limit answer said
// to wait (that answer itself not counted).
func (c *Core) DuringLimit() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.duringLimit
}

// BadAuth is how many requests lacked the token or the vendor's headers.
func (c *Core) BadAuth() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.badAuth
}

// Begin takes the lock for a request that arrived and counts it: as sent
// during a limit when a rate-limit answer said to wait past now. It
// refills the budget when its reset has come, and returns now.
func (c *Core) Begin() time.Time {
	c.mu.Lock()
	c.requests++
	now := c.Clock.Now()
	if now.Before(c.limitedUntil) {
		c.duringLimit++
	}
	if !now.Before(c.Reset) {
		c.Remaining, c.Reset = c.Limit, now.Add(c.window)
	}
	return now
}

// CountBadAuth counts a request without the right credentials, with the
// lock held.
func (c *Core) CountBadAuth() { c.badAuth++ }

// CountKind counts a request of kind k, with the lock held.
func (c *Core) CountKind(k string) { c.byKind[k]++ }

// LimitUntil records, with the lock held, that a rate-limit answer told
// the client to wait until t: requests before then count in DuringLimit.
func (c *Core) LimitUntil(t time.Time) { c.limitedUntil = t }

// NotModified says, with the lock held, whether the request's
// If-None-Match is etag, and counts it as a 304 if so.
func (c *Core) NotModified(r *http.Request, etag string) bool {
	if r.Header.Get("If-None-Match") != etag {
		return false
	}
	c.notModified++
	return true
}

// Inject answers with a hang (until the client gives up) or with fail (a
// 500) when one is due for path; with the lock held, which it releases
// when it answers.
func (c *Core) Inject(w http.ResponseWriter, r *http.Request, path string, fail func(http.ResponseWriter)) bool {
	switch {
	case Take(c.Hang, path):
		c.mu.Unlock()
		<-r.Context().Done()
	case Take(c.Fail500, path):
		c.mu.Unlock()
		fail(w)
	default:
		return false
	}
	return true
}

// Take consumes one injected failure of m whose path substring is in
// path.
func Take(m map[string]int, path string) bool {
	for sub, n := range m {
		if n > 0 && strings.Contains(path, sub) {
			m[sub]--
			return true
		}
	}
	return false
}

// ETag is a weak entity tag of body.
func ETag(body []byte) string {
	s := sha256.Sum256(body)
	return `W/"` + hex.EncodeToString(s[:8]) + `"`
}
