// Package apisrc is the engine every API source of SPEC §8 shares: an HTTP
// client on the http source's hardened transport with request pacing,
// rate-limit waits, retries, conditional requests, pagination and the
// on-disk cache. A vendor source (sources/github, …) only maps the
// vendor's JSON to native records.
package apisrc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"doradash/sources"
	"doradash/sources/httpsrc"
)

// Defaults of the keys every API source has (SPEC §8.1).
const (
	DefaultTimeout  = httpsrc.DefaultTimeout
	DefaultMaxBytes = httpsrc.DefaultMaxBytes
	// DefaultMaxWait is how long a one-shot command waits for a rate
	// limit's reset before it reports the source as rate limited.
	DefaultMaxWait = 30 * time.Second
	// MaxRetries is how often a 5xx or a timeout is retried.
	MaxRetries = 3
)

// Options configures a Client.
type Options struct {
	// Name is the source's name, for messages.
	Name string
	// BaseURL is the API's base (api_url), e.g. "https://api.github.com".
	// Request paths are appended to it; pages it links to must stay on
	// its origin.
	BaseURL string
	// Header is sent with every request (auth, Accept, the vendor's
	// version header, the configured headers). Values of Authorization
	// and of headers whose names suggest a secret never appear in
	// messages or in the cache.
	Header http.Header
	// Token is redacted from every message, and a response that contains
	// it is never cached.
	Token string
	// Timeout bounds each request (connect, headers, body). 0: DefaultTimeout.
	Timeout time.Duration
	// MaxBytes bounds each (decompressed) body. 0: DefaultMaxBytes.
	MaxBytes int64
	// CAFile is an optional PEM file trusted besides the system pool.
	CAFile string
	// UserAgent is sent as User-Agent ("doradash/1.2.0").
	UserAgent string
	// Rate describes the vendor's rate-limit headers.
	Rate RateHeaders
	// MaxWait is the longest rate-limit reset a Fetch waits for before it
	// gives up with a *sources.RateLimitedError. 0: DefaultMaxWait.
	MaxWait time.Duration
	// Cache keeps validators and immutable answers; nil: memory only.
	Cache *Cache
	// Clock paces requests and waits; nil: RealClock.
	Clock Clock
	// HTTPClient, when set, is used as is (tests); nil builds the hardened
	// client of httpsrc.
	HTTPClient *http.Client
	// RequestsPerSecond and Burst pace requests; 0: DefaultRate, DefaultBurst.
	RequestsPerSecond float64
	Burst             int
}

// Client makes the requests of one source. Its methods may be called from
// one goroutine at a time (the source's Fetch); Stats from any.
type Client struct {
	name     string
	base     *url.URL
	baseKey  string // base URL without credentials: the cache's key prefix
	header   http.Header
	timeout  time.Duration
	maxBytes int64
	secrets  []string
	rate     RateHeaders
	maxWait  time.Duration
	cache    *Cache
	clock    Clock
	hc       *http.Client
	bucket   *bucket

	mu        sync.Mutex // guards the fields below
	notBefore time.Time  // no request before this (a rate limit)
	stats     Stats
	onWait    func(until time.Time)
}

// Stats counts a client's requests and its last view of the rate limit.
type Stats struct {
	Requests int // HTTP requests sent
	Cached   int // answered by a 304 or from the cache without a request
	// Limit and Remaining as last reported; -1 when not reported yet.
	Limit, Remaining int
	Reset            time.Time
	// LimitedUntil is the reset the client waits for; zero when none.
	LimitedUntil time.Time
}

// New checks o and builds the client.
func New(o Options) (*Client, error) {
	base, err := url.Parse(strings.TrimRight(o.BaseURL, "/"))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("invalid api_url: %v", err)
	}
	if base.Scheme != "http" && base.Scheme != "https" || base.Host == "" {
		return nil, fmt.Errorf("invalid api_url: must be an absolute http(s) URL")
	}
	c := &Client{
		name: o.Name, base: base, header: o.Header.Clone(), timeout: o.Timeout, maxBytes: o.MaxBytes,
		rate: o.Rate, maxWait: o.MaxWait, cache: o.Cache, clock: o.Clock, hc: o.HTTPClient,
		stats: Stats{Limit: -1, Remaining: -1},
	}
	if c.header == nil {
		c.header = http.Header{}
	}
	if c.cache == nil {
		c.cache = MemoryCache()
	}
	kb := *base
	kb.User = nil
	kb.RawQuery, kb.Fragment = "", ""
	c.baseKey = kb.String()
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxBytes <= 0 {
		c.maxBytes = DefaultMaxBytes
	}
	if c.maxWait <= 0 {
		c.maxWait = DefaultMaxWait
	}
	if c.clock == nil {
		c.clock = RealClock{}
	}
	if o.UserAgent != "" {
		c.header.Set("User-Agent", o.UserAgent)
	}
	hdrs := map[string]string{}
	for k, vs := range c.header {
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n\x00") {
				return nil, fmt.Errorf("header %q: value contains a line break or NUL", k)
			}
			hdrs[k] = v
		}
		if !httpsrc.ValidHeaderName(k) {
			return nil, fmt.Errorf("header %q: invalid name", k)
		}
	}
	c.secrets = httpsrc.Secrets(o.Token, hdrs, base)
	if c.hc == nil {
		if c.hc, err = httpsrc.NewClient(o.CAFile); err != nil {
			return nil, err
		}
	}
	rps, burst := o.RequestsPerSecond, o.Burst
	if rps <= 0 {
		rps = DefaultRate
	}
	if burst <= 0 {
		burst = DefaultBurst
	}
	c.bucket = newBucket(c.clock, rps, burst)
	return c, nil
}

// Target is the base URL without secrets, for status lines.
func (c *Client) Target() string { return httpsrc.RedactURL(c.base) }

// Clock returns the client's clock.
func (c *Client) Clock() Clock { return c.clock }

// Stats returns a copy of the counters; safe from any goroutine.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	if c.notBefore.After(c.clock.Now()) {
		s.LimitedUntil = c.notBefore
	}
	return s
}

// OnWait registers fn, called (from the goroutine making the request)
// before the client waits for a rate limit's reset, and with the zero time
// once the wait is over.
func (c *Client) OnWait(fn func(until time.Time)) { c.onWait = fn }

// CloseIdleConnections ends the idle keep-alive connections.
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }

// Cache returns the client's cache (possibly nil).
func (c *Client) Cache() *Cache { return c.cache }

// Redact removes every secret from text.
func (c *Client) Redact(text string) string { return httpsrc.Redact(text, c.secrets) }

// Request is one GET.
type Request struct {
	// URL is a path relative to the base URL ("/repos/a/b/deployments?per_page=100")
	// or an absolute URL on the base's origin (a next-page link).
	URL string
	// Conditional sends the validators of this URL's last answer and,
	// on 304, answers with that answer's body.
	Conditional bool
	// Compact, when set, turns a 200 body into what is kept and returned
	// (the fields the source uses), so the cache stays small.
	Compact func(body []byte) ([]byte, error)
}

// Response is an answer with a 2xx status (or a 304 answered from the
// cache).
type Response struct {
	URL    *url.URL
	Status int
	Header http.Header // on a 304: the stored answer's pagination headers
	Body   []byte
	// NotModified is set when the server answered 304 and Body is the
	// stored answer.
	NotModified bool
}

// storedPage is the cache entry of a conditional GET.
type storedPage struct {
	ETag         string              `json:"etag,omitempty"`
	LastModified string              `json:"last_modified,omitempty"`
	Header       map[string][]string `json:"header,omitempty"`
	Body         json.RawMessage     `json:"body"`
}

// keptHeaders are the response headers stored with a page: what
// pagination needs.
var keptHeaders = []string{"Link", "X-Next-Page", "X-Total", "X-Total-Pages", "X-Page"}

// Get performs req: pacing, rate-limit waits, retries of 5xx and timeouts,
// validators. Its errors never contain a secret; a rate limit longer than
// MaxWait is a *sources.RateLimitedError.
func (c *Client) Get(ctx context.Context, req Request) (*Response, error) {
	u, err := c.resolve(req.URL)
	if err != nil {
		return nil, err
	}
	key := "page:" + c.keyOf(u)
	var stored *storedPage
	if req.Conditional {
		if raw, ok := c.cache.Get(key); ok {
			var sp storedPage
			if json.Unmarshal(raw, &sp) == nil && (sp.ETag != "" || sp.LastModified != "") {
				stored = &sp
			}
		}
	}
	for attempt := 0; ; {
		resp, retry, err := c.try(ctx, u, stored)
		if errors.Is(err, errLimited) {
			continue // waited for the reset: the same request again
		}
		if err == nil {
			return c.finish(resp, req, key, stored)
		}
		attempt++
		var rl *sources.RateLimitedError
		if errors.As(err, &rl) || !retry || attempt > MaxRetries || ctx.Err() != nil {
			return nil, c.redactErr(err)
		}
		backoff := min(250*time.Millisecond<<(attempt-1), c.timeout/2)
		if err := c.clock.Sleep(ctx, backoff); err != nil {
			return nil, httpsrc.CauseError("request: cancelled", err)
		}
	}
}

// finish turns a 2xx or 304 into the Response and remembers validators.
func (c *Client) finish(resp *Response, req Request, key string, stored *storedPage) (*Response, error) {
	if resp.Status == http.StatusNotModified {
		if stored == nil {
			return nil, errors.New("HTTP 304 Not Modified to a request without validators")
		}
		c.count(func(s *Stats) { s.Cached++ })
		resp.NotModified = true
		resp.Body = stored.Body
		resp.Header = http.Header(stored.Header)
		return resp, nil
	}
	if req.Compact != nil {
		body, err := req.Compact(resp.Body)
		if err != nil {
			return nil, c.redactErr(fmt.Errorf("decode %s: %w", c.pathOf(resp.URL), err))
		}
		resp.Body = body
	}
	if req.Conditional {
		sp := storedPage{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), Body: resp.Body, Header: map[string][]string{}}
		for _, h := range keptHeaders {
			if v := resp.Header.Values(h); len(v) > 0 {
				sp.Header[http.CanonicalHeaderKey(h)] = v
			}
		}
		if (sp.ETag != "" || sp.LastModified != "") && json.Valid(resp.Body) {
			if raw, err := json.Marshal(sp); err == nil {
				c.put(key, raw)
			}
		}
	}
	return resp, nil
}

// errLimited says an attempt met a rate limit and has waited for its
// reset: the request is to be sent again, which is not a retry.
var errLimited = errors.New("rate limited")

// try makes one attempt. retry says whether a failure may be retried.
func (c *Client) try(ctx context.Context, u *url.URL, stored *storedPage) (*Response, bool, error) {
	if err := c.waitLimit(ctx); err != nil {
		return nil, false, err
	}
	if err := c.bucket.take(ctx); err != nil {
		return nil, false, httpsrc.CauseError("request: cancelled", err)
	}
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(rctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, false, errors.New("build request: invalid url")
	}
	hr.Header = c.header.Clone()
	if stored != nil {
		if stored.ETag != "" {
			hr.Header.Set("If-None-Match", stored.ETag)
		}
		if stored.LastModified != "" {
			hr.Header.Set("If-Modified-Since", stored.LastModified)
		}
	}
	c.count(func(s *Stats) { s.Requests++ })
	resp, err := c.hc.Do(hr)
	if err != nil {
		err = httpsrc.RequestError(ctx, rctx, err, c.timeout)
		return nil, ctx.Err() == nil, fmt.Errorf("GET %s: %w", c.pathOf(u), err)
	}
	defer resp.Body.Close()
	now := c.clock.Now()
	ri := c.rate.readRate(resp.Header, now)
	c.noteRate(ri)

	out := &Response{URL: u, Status: resp.StatusCode, Header: resp.Header}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		c.setNotBefore(ri.nextNotBefore())
		return out, false, nil
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
		body, err := httpsrc.ReadBody(ctx, rctx, resp, c.maxBytes, c.timeout)
		if err != nil {
			var tl httpsrc.ErrTooLarge
			return nil, !errors.As(err, &tl) && ctx.Err() == nil, fmt.Errorf("GET %s: %w", c.pathOf(u), err)
		}
		c.setNotBefore(ri.nextNotBefore())
		out.Body = body
		return out, false, nil
	}
	// An error status: read a little of the body to tell a rate limit
	// from a permission problem, then word it.
	body, _ := httpsrc.ReadBody(ctx, rctx, resp, 64<<10, c.timeout)
	if limited, until := c.rate.limited(resp.StatusCode, ri, body, now); limited {
		c.setNotBefore(until)
		// The same request is tried again after the reset (waitLimit).
		if err := c.waitLimit(ctx); err != nil {
			return nil, false, err
		}
		return nil, false, errLimited
	}
	msg := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if t := http.StatusText(resp.StatusCode); t != "" {
		msg += " " + t
	}
	if ex := httpsrc.Excerpt(body, c.secrets); ex != "" {
		msg += fmt.Sprintf(": %q", ex)
	}
	return nil, resp.StatusCode >= 500, &StatusError{Status: resp.StatusCode, msg: fmt.Sprintf("GET %s: %s", c.pathOf(u), msg)}
}

// StatusError is the error of an answer with an error status that is not
// a rate limit.
type StatusError struct {
	Status int
	msg    string
}

func (e *StatusError) Error() string { return e.msg }

// waitLimit waits for a rate limit's reset when it is at most MaxWait
// away, and otherwise returns a *sources.RateLimitedError without sending
// anything.
func (c *Client) waitLimit(ctx context.Context) error {
	c.mu.Lock()
	until := c.notBefore
	c.mu.Unlock()
	now := c.clock.Now()
	if !until.After(now) {
		return nil
	}
	if until.Sub(now) > c.maxWait {
		return &sources.RateLimitedError{Until: until}
	}
	if c.onWait != nil {
		c.onWait(until)
	}
	err := c.clock.Sleep(ctx, until.Sub(now))
	if c.onWait != nil {
		c.onWait(time.Time{})
	}
	if err != nil {
		return httpsrc.CauseError("waiting for the rate limit: cancelled", err)
	}
	return nil
}

func (c *Client) setNotBefore(t time.Time) {
	if t.IsZero() {
		return
	}
	c.mu.Lock()
	if t.After(c.notBefore) {
		c.notBefore = t
	}
	c.mu.Unlock()
}

func (c *Client) noteRate(ri rateInfo) {
	c.count(func(s *Stats) {
		if ri.limit >= 0 {
			s.Limit = ri.limit
		}
		if ri.remaining >= 0 {
			s.Remaining = ri.remaining
		}
		if !ri.reset.IsZero() {
			s.Reset = ri.reset
		}
	})
}

func (c *Client) count(f func(*Stats)) {
	c.mu.Lock()
	f(&c.stats)
	c.mu.Unlock()
}

// resolve makes ref absolute against the base and refuses URLs that leave
// its origin (a next-page link must not carry the token elsewhere).
func (c *Client) resolve(ref string) (*url.URL, error) {
	var u *url.URL
	if strings.HasPrefix(ref, "/") {
		p, err := url.Parse(ref)
		if err != nil {
			return nil, c.redactErr(fmt.Errorf("invalid request path: %v", err))
		}
		// The escaped path keeps encoded segments (GitLab's group%2Fapp).
		u = c.base.JoinPath(p.EscapedPath())
		u.RawQuery = p.RawQuery
	} else {
		p, err := url.Parse(ref)
		if err != nil {
			return nil, errors.New("invalid next-page URL")
		}
		u = c.base.ResolveReference(p)
	}
	if !strings.EqualFold(u.Scheme, c.base.Scheme) || !strings.EqualFold(u.Host, c.base.Host) {
		return nil, fmt.Errorf("refusing to follow a link to %s, outside api_url", httpsrc.RedactURL(&url.URL{Scheme: u.Scheme, Host: u.Host}))
	}
	return u, nil
}

// keyOf is u's cache key: scheme, host, path and query, no credentials.
func (c *Client) keyOf(u *url.URL) string {
	k := *u
	k.User = nil
	k.Fragment = ""
	return k.String()
}

// pathOf is u's path and query for messages, with secret query values
// redacted.
func (c *Client) pathOf(u *url.URL) string {
	// As sent: an encoded project path (group%2Fapp) stays encoded.
	p, raw := u.Path, u.RawPath
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // JoinPath on a base without a path leaves it relative
		if raw != "" {
			raw = "/" + raw
		}
	}
	r := httpsrc.RedactURL(&url.URL{Path: p, RawPath: raw, RawQuery: u.RawQuery})
	return c.Redact(r)
}

func (c *Client) redactErr(err error) error {
	if err == nil {
		return nil
	}
	var rl *sources.RateLimitedError
	if errors.As(err, &rl) {
		return err
	}
	msg := err.Error()
	if r := c.Redact(msg); r != msg {
		return httpsrc.CauseError(r, err)
	}
	return err
}

// Lookup returns what was kept under key (a path relative to the base, or
// any key the source chooses) with Keep; hits count as cached answers.
func (c *Client) Lookup(key string) ([]byte, bool) {
	v, ok := c.cache.Get("keep:" + c.baseKey + key)
	if ok {
		c.count(func(s *Stats) { s.Cached++ })
	}
	return v, ok
}

// Keep stores value under key for good: use it for answers that cannot
// change any more (a comparison of two shas, a final status).
func (c *Client) Keep(key string, value []byte) { c.put("keep:"+c.baseKey+key, value) }

// put stores a cache entry unless it holds a secret.
func (c *Client) put(key string, value []byte) {
	for _, s := range c.secrets {
		if bytes.Contains(value, []byte(s)) || strings.Contains(key, s) {
			return
		}
	}
	c.cache.Put(key, value)
}
