package gitlab

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"doradash/model"
	"doradash/sources"
	"doradash/sources/apisrc"
)

// reconcileEvery is how often a poll reads the lists to their end of
// history, with conditional requests, to notice deployments and incidents
// that were deleted (or stopped being incidents). In between, a poll reads
// each list, ordered by updated_at newest first, only down to the first
// page on which nothing changed: everything below it is unchanged too, so
// a quiet project costs one 304 per list.
const reconcileEvery = time.Hour

// Source is a GitLab source. It implements sources.Source and
// sources.Reporter.
//
// Concurrency: Name, Type, Target, Observe and Progress may be called at
// any time. Fetch calls are serialised and make one request at a time;
// each returns promptly once its ctx is cancelled and leaves no goroutine
// behind (idle keep-alive connections end with CloseIdleConnections). The
// source keeps what it read between polls, so a poll after the first costs
// a conditional request per list and the requests for what is new.
type Source struct {
	o        Options
	client   *apisrc.Client
	prefix   string // "gitlab:group/app:"
	projPath string // "/projects/group%2Fapp"
	target   string

	mu        sync.Mutex // guards the fields below
	observe   func(sources.Progress, *model.Batch)
	synced    bool      // the first full read is done
	detail    string    // progress of the running first read
	waitUntil time.Time // the reset a running Fetch waits for
	// limitedUntil is the reset the last Fetch stopped at (zero once a
	// Fetch completes).
	limitedUntil time.Time

	fetchMu  sync.Mutex // one Fetch at a time; guards the fields below
	deps     map[int64]*deployment
	issues   map[int64]*issue
	commits  map[string][]commitDates // by commitJob.key()
	lastFull time.Time                // when a full read last completed (client clock)
	lastHash [sha256.Size]byte
}

// New checks o (see Options.Validate) and builds the source.
func New(o Options) (*Source, error) {
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("gitlab source %q: %w", o.Name, err)
	}
	h := http.Header{}
	for k, v := range o.Headers {
		h.Set(k, v)
	}
	h.Set("Accept", "application/json")
	h.Set("PRIVATE-TOKEN", o.Token)
	c, err := apisrc.New(apisrc.Options{
		Name: o.Name, BaseURL: baseURL(o.APIURL), Header: h, Token: o.Token,
		Timeout: o.Timeout, MaxBytes: o.MaxBytes, CAFile: o.CAFile, UserAgent: o.UserAgent,
		Rate: apisrc.GitLabRateHeaders, MaxWait: o.MaxWait, Cache: o.Cache, Clock: o.Clock,
		HTTPClient: o.HTTPClient,
	})
	if err != nil {
		return nil, fmt.Errorf("gitlab source %q: %w", o.Name, err)
	}
	s := &Source{
		o: o, client: c,
		prefix:   "gitlab:" + o.Project + ":",
		projPath: projectPath(o.Project),
		target:   c.Target() + projectPath(o.Project),
		deps:     map[int64]*deployment{},
		issues:   map[int64]*issue{},
		commits:  map[string][]commitDates{},
	}
	c.OnWait(s.onWait)
	return s, nil
}

// Name returns the configured name.
func (s *Source) Name() string { return s.o.Name }

// Type returns "gitlab".
func (s *Source) Type() string { return "gitlab" }

// Target returns the project's API URL, without secrets.
func (s *Source) Target() string { return s.target }

// CloseIdleConnections ends idle keep-alive connections.
func (s *Source) CloseIdleConnections() { s.client.CloseIdleConnections() }

// Observe implements sources.Reporter.
func (s *Source) Observe(fn func(sources.Progress, *model.Batch)) {
	s.mu.Lock()
	s.observe = fn
	s.mu.Unlock()
}

// Progress implements sources.Reporter.
func (s *Source) Progress() sources.Progress {
	st := s.client.Stats()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := sources.Progress{
		Syncing: !s.synced, Detail: s.detail,
		Requests: st.Requests, Cached: st.Cached,
		RateLimit: st.Limit, RateRemaining: st.Remaining, RateReset: st.Reset,
		// Only while a Fetch waits, or when the last one stopped at a
		// limit: a poll that completed is not rate limited.
		RateLimitedUntil: s.waitUntil,
	}
	if s.limitedUntil.After(p.RateLimitedUntil) {
		p.RateLimitedUntil = s.limitedUntil
	}
	if s.synced {
		p.Detail = ""
	}
	return p
}

func (s *Source) onWait(until time.Time) {
	s.mu.Lock()
	s.waitUntil = until
	s.mu.Unlock()
	s.report(nil)
}

// report tells the observer the progress and, when set, a partial batch.
func (s *Source) report(partial *model.Batch) {
	s.mu.Lock()
	fn := s.observe
	s.mu.Unlock()
	if fn != nil {
		fn(s.Progress(), partial)
	}
}

func (s *Source) setDetail(d string) {
	s.mu.Lock()
	s.detail = d
	s.mu.Unlock()
}

func (s *Source) syncing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.synced
}

// Fetch reads what changed since the last poll (see sources.Source). A
// rate limit whose reset is further away than MaxWait ends it with a
// *sources.RateLimitedError that carries everything known so far.
func (s *Source) Fetch(ctx context.Context) (sources.Result, error) {
	s.fetchMu.Lock()
	defer s.fetchMu.Unlock()
	release := s.client.Cache().Hold()
	defer release()
	s.mu.Lock()
	s.limitedUntil = time.Time{}
	s.mu.Unlock()

	cutoff := s.o.Now().Add(-s.o.History)
	started := s.client.Clock().Now()
	full := s.syncing() || started.Sub(s.lastFull) >= reconcileEvery
	if err := s.read(ctx, cutoff, full); err != nil {
		return sources.Result{}, s.failed(ctx, err, cutoff)
	}
	if full {
		s.lastFull = started
	}
	s.mu.Lock()
	s.synced, s.detail, s.limitedUntil = true, "", time.Time{}
	s.mu.Unlock()

	doc := s.document(cutoff)
	h := sha256.Sum256(doc)
	if h == s.lastHash {
		return sources.Result{Unchanged: true}, nil
	}
	b, rej, err := sources.Decode(bytes.NewReader(doc), sources.FormatJSON)
	if err != nil {
		return sources.Result{}, fmt.Errorf("gitlab %s: %w", s.o.Project, err)
	}
	s.lastHash = h
	return sources.Result{Batch: b, Rejected: rej.Count, FirstRejection: rej.First}, nil
}

// failed words the error of a read; a rate limit carries what is known.
func (s *Source) failed(ctx context.Context, err error, cutoff time.Time) error {
	var rl *sources.RateLimitedError
	if errors.As(err, &rl) {
		s.mu.Lock()
		s.limitedUntil = rl.Until
		s.mu.Unlock()
		b, rej, derr := sources.Decode(bytes.NewReader(s.document(cutoff)), sources.FormatJSON)
		if derr == nil {
			rl.Partial, rl.Rejected, rl.FirstRejection = b, rej.Count, rej.First
		}
		return rl
	}
	if ctx.Err() != nil {
		return fmt.Errorf("gitlab %s: cancelled: %w", s.o.Project, ctx.Err())
	}
	return fmt.Errorf("gitlab %s: %w", s.o.Project, err)
}

// read brings the source's state up to date: deployments, their commits,
// then incidents.
func (s *Source) read(ctx context.Context, cutoff time.Time, full bool) error {
	if err := s.readDeployments(ctx, cutoff, full); err != nil {
		return err
	}
	if err := s.readCommits(ctx, cutoff); err != nil {
		return err
	}
	if s.o.Incidents {
		return s.readIssues(ctx, cutoff, full)
	}
	return nil
}

// partial publishes what is known while the first read runs.
func (s *Source) partial(cutoff time.Time) {
	if !s.syncing() {
		s.report(nil)
		return
	}
	b, _, err := sources.Decode(bytes.NewReader(s.document(cutoff)), sources.FormatJSON)
	if err == nil {
		s.report(b)
	}
}

// walkUpdated reads a list ordered by updated_at, newest first. visit
// takes each element and says when it was updated and whether it is known
// already, unchanged. The walk ends at the last page, after the first page
// that reaches back before cutoff, and, unless full, after the first page
// that holds an unchanged element (a 304 included): whatever changed since
// the last poll was updated after it, so it sorts above every unchanged
// element, and everything further down is unchanged too.
func walkUpdated[T any](ctx context.Context, s *Source, what, first string, full bool, cutoff time.Time,
	visit func(T) (updated time.Time, unchanged bool), progress func(page int)) error {
	req := apisrc.Request{URL: first, Conditional: true, Compact: compactList[T]}
	return s.client.Walk(ctx, req, apisrc.GitLabPager, func(page int, resp *apisrc.Response) (bool, error) {
		var items []T
		if err := json.Unmarshal(resp.Body, &items); err != nil {
			return false, fmt.Errorf("decode %s page %d: %w", what, page, err)
		}
		more, known := len(items) > 0, false
		for _, it := range items {
			updated, unchanged := visit(it)
			known = known || unchanged
			if !updated.IsZero() && updated.Before(cutoff) {
				more = false // the first page older than history is the last
			}
		}
		progress(page)
		return more && (full || !known), nil
	})
}

// parseTime reads a GitLab timestamp; the zero time when it is not one.
func parseTime(v text) time.Time {
	t, err := time.Parse(time.RFC3339Nano, string(v))
	if err != nil {
		return time.Time{}
	}
	return t
}

// before reports whether a record created at created (else updated at
// updated, when GitLab did not say) lies before cutoff: such records are
// ignored (SPEC §8.1).
func before(created, updated time.Time, cutoff time.Time) bool {
	if created.IsZero() {
		created = updated
	}
	return !created.IsZero() && created.Before(cutoff)
}
