package transform

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net/http"
	"strings"
	"sync"
	"time"

	"doradash/model"
	"doradash/sources"
	"doradash/sources/apisrc"
	"doradash/sources/httpsrc"
)

// DefaultMaxPages bounds the pages of one poll: an API whose next page
// never ends fails the poll instead of reading forever.
const DefaultMaxPages = 10_000

// RateHeaders are the rate-limit headers an http source reads: the
// common X-RateLimit-* names (reset in epoch seconds), besides 429 with
// Retry-After, which every API may send.
var RateHeaders = apisrc.RateHeaders{Limit: "X-Ratelimit-Limit", Remaining: "X-Ratelimit-Remaining", Reset: "X-Ratelimit-Reset"}

// Options configures an http source with a transform; the cmd package
// fills it from the configuration, then calls Validate.
type Options struct {
	Name string
	// URL is the first page's URL.
	URL string
	// Transform is the jq program run on every page.
	Transform string
	// Paginate says how to find the next page; the zero value reads one.
	Paginate Paginate
	// Timeout and MaxBytes apply to each request; Headers, BearerToken,
	// CAFile and UserAgent as for the http source (httpsrc.Options).
	Timeout     time.Duration
	MaxBytes    int64
	Headers     map[string]string
	BearerToken string
	CAFile      string
	UserAgent   string
	// Limits bound the program on each page; zero fields: DefaultLimits.
	Limits Limits
	// MaxPages bounds the pages of one poll; 0: DefaultMaxPages.
	MaxPages int
	// MaxWait is the longest rate-limit reset one Fetch waits for; 0:
	// apisrc.DefaultMaxWait.
	MaxWait time.Duration
	// Clock paces requests and waits; nil: the real clock.
	Clock apisrc.Clock
	// HTTPClient replaces the hardened client (tests).
	HTTPClient *http.Client
}

// Validate checks the options; its errors start with the key at fault
// ("url: ...", "transform: line 2, column 5: ...", "paginate.next: ...").
func (o *Options) Validate() error {
	if err := httpsrc.CheckURL("url", o.URL); err != nil {
		return err
	}
	if _, err := Compile(o.Transform); err != nil {
		return fmt.Errorf("transform: %w", err)
	}
	if err := o.Paginate.Validate(); err != nil {
		return err
	}
	for k := range o.Headers {
		if strings.EqualFold(k, "Host") {
			return errors.New("headers: Host cannot be set for a source with a transform")
		}
	}
	if err := httpsrc.CheckRequestOptions(o.Timeout, o.MaxBytes, o.CAFile, o.Headers); err != nil {
		return err
	}
	if strings.ContainsAny(o.BearerToken, "\r\n\x00") {
		return errors.New("bearer_token_env: the token must be one line without NUL")
	}
	if o.MaxPages < 0 {
		return fmt.Errorf("max pages: %d is negative", o.MaxPages)
	}
	return nil
}

// Source is an http source with a transform. It implements
// sources.Source and sources.Reporter.
//
// Concurrency: Name, Type, Target, Observe and Progress may be called at
// any time. Fetch calls are serialised; each returns promptly once its ctx
// is cancelled (the program included, which checks ctx as it runs) and
// leaves no goroutine behind (idle keep-alive connections end with
// CloseIdleConnections). Every poll reads every page again, with
// conditional requests where the API sends validators.
type Source struct {
	o      Options
	prog   *Program
	client *apisrc.Client
	limits Limits

	track *apisrc.Tracker // progress and rate-limit stops (sources.Reporter)

	fetchMu  sync.Mutex // one Fetch at a time; guards lastHash
	lastHash [sha256.Size]byte
}

// New checks o (see Options.Validate) and builds the source.
func New(o Options) (*Source, error) {
	fail := func(err error) (*Source, error) { return nil, fmt.Errorf("http source %q: %w", o.Name, err) }
	if err := o.Validate(); err != nil {
		return fail(err)
	}
	prog, _ := Compile(o.Transform) // checked by Validate
	h := http.Header{}
	for k, v := range o.Headers {
		h.Set(k, v)
	}
	if o.BearerToken != "" {
		h.Set("Authorization", "Bearer "+o.BearerToken)
	}
	c, err := apisrc.New(apisrc.Options{
		Name: o.Name, BaseURL: o.URL, Header: h, Token: o.BearerToken,
		Timeout: o.Timeout, MaxBytes: o.MaxBytes, CAFile: o.CAFile, UserAgent: o.UserAgent,
		Rate: RateHeaders, MaxWait: o.MaxWait, Clock: o.Clock, HTTPClient: o.HTTPClient,
	})
	if err != nil {
		return fail(err)
	}
	if o.MaxPages == 0 {
		o.MaxPages = DefaultMaxPages
	}
	s := &Source{o: o, prog: prog, client: c, limits: o.Limits.orDefault()}
	// What a page yields may be larger than the page, not without end.
	maxBytes := o.MaxBytes
	if maxBytes <= 0 {
		maxBytes = httpsrc.DefaultMaxBytes
	}
	s.limits.Bytes = min(s.limits.Bytes, max(4*maxBytes, 1<<20))
	s.track = apisrc.NewTracker(c)
	return s, nil
}

// Name returns the configured name.
func (s *Source) Name() string { return s.o.Name }

// Type returns "http".
func (s *Source) Type() string { return "http" }

// Target returns the first page's URL without secrets.
func (s *Source) Target() string { return s.client.Target() }

// CloseIdleConnections ends idle keep-alive connections.
func (s *Source) CloseIdleConnections() { s.client.CloseIdleConnections() }

// Observe implements sources.Reporter.
func (s *Source) Observe(fn func(sources.Progress, *model.Batch)) { s.track.Observe(fn) }

// Progress implements sources.Reporter.
func (s *Source) Progress() sources.Progress { return s.track.Progress() }

// Fetch reads every page and runs the program on each (see
// sources.Source). A request that fails, a body that is not JSON, and a
// program that fails on a page fail the poll; values the decoder rejects
// are counted one by one. A rate limit further away than MaxWait ends it
// with a *sources.RateLimitedError carrying what this poll read so far.
func (s *Source) Fetch(ctx context.Context) (sources.Result, error) {
	s.fetchMu.Lock()
	defer s.fetchMu.Unlock()
	s.track.BeginFetch()

	col := &collector{limit: s.limits.Bytes}
	err := s.read(ctx, col)
	if err != nil {
		var rl *sources.RateLimitedError
		if errors.As(err, &rl) {
			s.track.StoppedAt(rl.Until)
			b, rej := col.batch()
			rl.Partial, rl.Rejected, rl.FirstRejection = b, rej.Count, s.client.Redact(rej.First)
			return sources.Result{}, rl
		}
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("cancelled: %w", ctx.Err())
		}
		return sources.Result{}, redacted(s.client, err)
	}
	s.track.Synced()
	h := col.hash()
	if h == s.lastHash {
		return sources.Result{Unchanged: true}, nil
	}
	s.lastHash = h
	b, rej := col.batch()
	return sources.Result{Batch: b, Rejected: rej.Count, FirstRejection: s.client.Redact(rej.First)}, nil
}

// read walks the pages into col.
func (s *Source) read(ctx context.Context, col *collector) error {
	view := &pageView{}
	pager, first, err := s.o.Paginate.pager(ctx, s.o.URL, view)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	return s.client.Walk(ctx, apisrc.Request{URL: first, Conditional: true}, pager, func(page int, resp *apisrc.Response) (bool, error) {
		at := resp.URL.String()
		switch {
		case seen[at]:
			return false, fmt.Errorf("page %d: the next page is one already read (%s): the pagination loops", page, s.client.Redact(httpsrc.RedactURL(resp.URL)))
		case page > s.o.MaxPages:
			return false, fmt.Errorf("stopped after %d pages (the limit)", s.o.MaxPages)
		}
		seen[at] = true
		body, err := decodeBody(resp.Body)
		if err != nil {
			return false, fmt.Errorf("page %d: decode response: %w", page, err)
		}
		col.newPage()
		before := col.n
		if err := s.prog.Run(ctx, body, s.limits, col.add); err != nil {
			return false, fmt.Errorf("page %d: %w", page, err)
		}
		view.body, view.values = body, col.n-before
		s.progress(col, page)
		return true, nil
	})
}

// progress publishes how far the first read got, and its records at pages
// 1, 2, 4, 8, … so that decoding them costs little more than the read.
func (s *Source) progress(col *collector, page int) {
	syncing := s.track.Syncing()
	if syncing {
		s.track.SetDetail(fmt.Sprintf("%d values, page %d", col.n, page))
	}
	if syncing && bits.OnesCount(uint(page)) == 1 {
		b, _ := col.batch()
		s.track.Report(b)
		return
	}
	s.track.Report(nil)
}

// decodeBody decodes one JSON value, numbers kept as written (an id of 20
// digits stays exact, 2.0 stays 2.0 for the decoder to judge).
func decodeBody(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty body")
		}
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one JSON value")
	}
	return v, nil
}

// redacted removes the client's secrets from err's message, keeping what
// it wraps for errors.Is.
func redacted(c *apisrc.Client, err error) error {
	msg := err.Error()
	if r := c.Redact(msg); r != msg {
		return httpsrc.CauseError(r, err)
	}
	return err
}
