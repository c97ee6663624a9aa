package github

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"doradash/model"
	"doradash/sources"
	"doradash/sources/apisrc"
)

// workers is how many requests of one source are in flight at once. GitHub
// asks for serial requests (concurrent ones trip its secondary limits), and
// only serial requests guarantee that nothing is sent once a rate-limit
// answer arrived; the token bucket caps the rate besides.
const workers = 1

// Source is a GitHub source. It implements sources.Source and
// sources.Reporter.
//
// Concurrency: Name, Type, Target, Observe and Progress may be called at
// any time. Fetch calls are serialised; each returns promptly once its ctx
// is cancelled and leaves no goroutine behind (idle keep-alive connections
// end with CloseIdleConnections). The source keeps what it read between
// polls, so a poll after the first costs conditional requests (304s) and
// the requests for what is new.
type Source struct {
	o        Options
	client   *apisrc.Client
	prefix   string // "github:owner/repo:"
	repoPath string // "/repos/owner/repo"
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
	commits  *commitStore
	issues   []nativeIncident
	lastHash [sha256.Size]byte
}

// deployment is one deployment or workflow run as the source tracks it.
type deployment struct {
	id       int64
	run      bool
	sha, env string
	created  time.Time
	status   string // "success", "failed" or "" (no record yet)
	finished string // RFC 3339, as GitHub wrote it
	final    bool   // the status can no longer change
	checked  time.Time
}

// New checks o (see Options.Validate) and builds the source.
func New(o Options) (*Source, error) {
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("github source %q: %w", o.Name, err)
	}
	h := http.Header{}
	for k, v := range o.Headers {
		h.Set(k, v)
	}
	h.Set("Accept", "application/vnd.github+json")
	h.Set("X-GitHub-Api-Version", apiVersion)
	h.Set("Authorization", "Bearer "+o.Token)
	c, err := apisrc.New(apisrc.Options{
		Name: o.Name, BaseURL: o.APIURL, Header: h, Token: o.Token,
		Timeout: o.Timeout, MaxBytes: o.MaxBytes, CAFile: o.CAFile, UserAgent: o.UserAgent,
		Rate: apisrc.GitHubRateHeaders, MaxWait: o.MaxWait, Cache: o.Cache, Clock: o.Clock,
		HTTPClient: o.HTTPClient,
	})
	if err != nil {
		return nil, fmt.Errorf("github source %q: %w", o.Name, err)
	}
	s := &Source{
		o: o, client: c,
		prefix:   "github:" + o.Repo + ":",
		repoPath: "/repos/" + o.Repo,
		target:   c.Target() + "/repos/" + o.Repo,
		deps:     map[int64]*deployment{},
		commits:  &commitStore{m: map[string][]commitDates{}},
	}
	c.OnWait(s.onWait)
	return s, nil
}

// Name returns the configured name.
func (s *Source) Name() string { return s.o.Name }

// Type returns "github".
func (s *Source) Type() string { return "github" }

// Target returns the repository's API URL, without secrets.
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
		// Only while a Fetch waits: a poll that completed is not
		// rate limited even when the next one will have to wait (it
		// then ends at once with a RateLimitedError, sending nothing).
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

	now := s.o.Now()
	cutoff := now.Add(-s.o.History)
	err := s.read(ctx, cutoff)
	if err != nil {
		var rl *sources.RateLimitedError
		if errors.As(err, &rl) {
			s.mu.Lock()
			s.limitedUntil = rl.Until
			s.mu.Unlock()
			doc := s.document(cutoff)
			b, rej, derr := sources.Decode(bytes.NewReader(doc), sources.FormatJSON)
			if derr == nil {
				rl.Partial, rl.Rejected, rl.FirstRejection = b, rej.Count, rej.First
			}
			return sources.Result{}, rl
		}
		if ctx.Err() != nil {
			return sources.Result{}, fmt.Errorf("github %s: cancelled: %w", s.o.Repo, ctx.Err())
		}
		return sources.Result{}, fmt.Errorf("github %s: %w", s.o.Repo, err)
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
		return sources.Result{}, fmt.Errorf("github %s: %w", s.o.Repo, err)
	}
	s.lastHash = h
	return sources.Result{Batch: b, Rejected: rej.Count, FirstRejection: rej.First}, nil
}

// read brings the source's state up to date.
func (s *Source) read(ctx context.Context, cutoff time.Time) error {
	var err error
	if s.o.Workflow != "" {
		err = s.readRuns(ctx, cutoff)
	} else {
		err = s.readDeployments(ctx, cutoff)
	}
	if err != nil {
		return err
	}
	if err := s.readCommits(ctx, cutoff); err != nil {
		return err
	}
	if s.o.IncidentLabel != "" {
		return s.readIssues(ctx, cutoff)
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

// parallel runs fn for each item with a few workers; the first error
// cancels the rest. Every goroutine has ended when it returns.
func parallel[T any](ctx context.Context, items []T, fn func(context.Context, T) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan T)
	)
	for range min(workers, len(items)) {
		wg.Go(func() {
			for it := range next {
				if err := fn(ctx, it); err != nil {
					mu.Lock()
					if first == nil {
						first = err
						cancel()
					}
					mu.Unlock()
				}
			}
		})
	}
feed:
	for _, it := range items {
		select {
		case next <- it:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// parseTime reads a GitHub timestamp; the zero time when it is not one.
func parseTime(v string) time.Time {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}
	}
	return t
}

// pathEscape escapes one path segment (a sha, a workflow file name).
func pathEscape(v string) string { return url.PathEscape(v) }

// decodeJSON decodes body into v, naming what it was on error.
func decodeJSON(what string, body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decode %s: %w", what, err)
	}
	return nil
}
