package github

import (
	"context"
	"encoding/json"
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

	st *apisrc.State // progress, rate-limit stops, the decoded result

	fetchMu sync.Mutex // one Fetch at a time; guards the fields below
	deps    map[int64]*deployment
	commits *commitStore
	issues  []nativeIncident
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
	h.Set("Accept", "application/vnd.github+json")
	h.Set("X-GitHub-Api-Version", apiVersion)
	h.Set("Authorization", "Bearer "+o.Token)
	c, err := o.Access.Client(apisrc.GitHubRateHeaders, h)
	if err != nil {
		return nil, fmt.Errorf("github source %q: %w", o.Name, err)
	}
	s := &Source{
		o: o, client: c,
		prefix:   "github:" + o.Repo + ":",
		repoPath: "/repos/" + o.Repo,
		target:   c.Target() + "/repos/" + o.Repo,
		deps:     map[int64]*deployment{},
		commits:  &commitStore{m: apisrc.CommitLists{}},
	}
	s.st = apisrc.NewState(c)
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
func (s *Source) Observe(fn func(sources.Progress, *model.Batch)) { s.st.Observe(fn) }

// Progress implements sources.Reporter.
func (s *Source) Progress() sources.Progress { return s.st.Progress() }

// Fetch reads what changed since the last poll (see sources.Source). A
// rate limit whose reset is further away than MaxWait ends it with a
// *sources.RateLimitedError that carries everything known so far.
func (s *Source) Fetch(ctx context.Context) (sources.Result, error) {
	s.fetchMu.Lock()
	defer s.fetchMu.Unlock()
	cutoff := s.o.Now().Add(-s.o.History)
	return s.st.Fetch(ctx, "github "+s.o.Repo,
		func(ctx context.Context) error { return s.read(ctx, cutoff) },
		func() []byte { return s.document(cutoff) })
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
	s.st.Partial(func() []byte { return s.document(cutoff) })
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
