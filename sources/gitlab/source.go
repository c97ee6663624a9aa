package gitlab

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

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

// Source is a GitLab source. It implements sources.Source and, through
// the embedded *apisrc.State, sources.Reporter.
//
// Concurrency: Name, Type, Target, Observe and Progress may be called at
// any time. Fetch calls are serialised and make one request at a time;
// each returns promptly once its ctx is cancelled and leaves no goroutine
// behind (idle keep-alive connections end with CloseIdleConnections). The
// source keeps what it read between polls, so a poll after the first costs
// a conditional request per list and the requests for what is new.
type Source struct {
	*apisrc.State
	o        Options
	client   *apisrc.Client
	prefix   string // "gitlab:group/app:"
	projPath string // "/projects/group%2Fapp"
	target   string

	// Touched only inside Fetch, which the State serialises.
	deps     map[int64]*deployment
	issues   map[int64]*issue
	commits  apisrc.CommitLists // by apisrc.CommitRange.Key
	lastFull time.Time          // when a full read last completed (client clock)
}

// New checks o (see Options.Validate) and builds the source.
func New(o Options) (*Source, error) {
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("gitlab source %q: %w", o.Name, err)
	}
	h := http.Header{}
	h.Set("Accept", "application/json")
	h.Set("PRIVATE-TOKEN", o.Token)
	acc := o.Access
	acc.APIURL = baseURL(o.APIURL)
	c, err := acc.Client(apisrc.GitLabRateHeaders, h)
	if err != nil {
		return nil, fmt.Errorf("gitlab source %q: %w", o.Name, err)
	}
	return &Source{
		State: apisrc.NewState(c), o: o, client: c,
		prefix:   "gitlab:" + o.Project + ":",
		projPath: projectPath(o.Project),
		target:   c.Target() + projectPath(o.Project),
		deps:     map[int64]*deployment{},
		issues:   map[int64]*issue{},
		commits:  apisrc.CommitLists{},
	}, nil
}

// Name returns the configured name.
func (s *Source) Name() string { return s.o.Name }

// Type returns "gitlab".
func (s *Source) Type() string { return "gitlab" }

// Target returns the project's API URL, without secrets.
func (s *Source) Target() string { return s.target }

// CloseIdleConnections ends idle keep-alive connections.
func (s *Source) CloseIdleConnections() { s.client.CloseIdleConnections() }

func (s *Source) syncing() bool { return s.Progress().Syncing }

// Fetch reads what changed since the last poll (see sources.Source). A
// rate limit whose reset is further away than MaxWait ends it with a
// *sources.RateLimitedError that carries everything known so far.
func (s *Source) Fetch(ctx context.Context) (sources.Result, error) {
	cutoff := s.o.Now().Add(-s.o.History)
	return s.State.Fetch(ctx, "gitlab "+s.o.Project,
		func(ctx context.Context) error { return s.read(ctx, cutoff) },
		func() []byte { return s.document(cutoff) })
}

// read brings the source's state up to date: deployments, their commits,
// then incidents; the lists are read to their end on the first read and
// every reconcileEvery.
func (s *Source) read(ctx context.Context, cutoff time.Time) error {
	started := s.client.Clock().Now()
	full := s.syncing() || started.Sub(s.lastFull) >= reconcileEvery
	if err := s.readDeployments(ctx, cutoff, full); err != nil {
		return err
	}
	if err := s.readCommits(ctx, cutoff); err != nil {
		return err
	}
	if s.o.Incidents {
		if err := s.readIssues(ctx, cutoff, full); err != nil {
			return err
		}
	}
	if full {
		s.lastFull = started
	}
	return nil
}

// partial publishes what is known while the first read runs.
func (s *Source) partial(cutoff time.Time) {
	s.Partial(func() []byte { return s.document(cutoff) })
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
	req := apisrc.Request{URL: first, Conditional: true, Compact: apisrc.Compact[[]T]}
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
