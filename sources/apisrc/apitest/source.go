package apitest

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"doradash/model"
	"doradash/sources"
	"doradash/sources/apisrc"
)

// Epoch is "now" of the vendor sources' tests.
var Epoch = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// Access is how a test configures a source to read c: c's URL, client and
// clock, the token, the end of the window fixed at now, cache (nil: memory
// only) and a 2 s timeout per request.
func (c *Core) Access(name, token string, now time.Time, cache *apisrc.Cache) apisrc.Access {
	return apisrc.Access{
		Name: name, APIURL: c.URL, Token: token, UserAgent: "doradash/test",
		Now: func() time.Time { return now }, Clock: c.Clock, Cache: cache, Timeout: 2 * time.Second,
		HTTPClient: c.Client(),
	}
}

// Fetcher is a source under test.
type Fetcher interface {
	Fetch(context.Context) (sources.Result, error)
	CloseIdleConnections()
}

// NewSource makes a source with newSource from o changed by mod (nil:
// none), failing the test on an error; its idle connections close when
// the test ends.
func NewSource[O any, S Fetcher](t testing.TB, newSource func(O) (S, error), o O, mod func(*O)) S {
	t.Helper()
	if mod != nil {
		mod(&o)
	}
	s, err := newSource(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.CloseIdleConnections)
	return s
}

// Fetch reads s once, failing the test on an error.
func Fetch(t testing.TB, s Fetcher) sources.Result {
	t.Helper()
	res, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	return res
}

// Reporter is a source under test that reports its progress.
type Reporter interface {
	Fetcher
	Observe(func(sources.Progress, *model.Batch))
	Progress() sources.Progress
}

// Sync is what a source reported while it read.
type Sync struct {
	Seen []sources.Progress // every progress it reported
	// Partial is the progress of each partial batch it published;
	// Deployments and Incidents count that batch's records of each kind,
	// so that a test of one kind is not met by records of the other.
	Partial     []sources.Progress
	Deployments []int
	Incidents   []int
}

// FirstSync reads s for the first time, recording what it reports on the
// way. s must say it is syncing before, and no longer after, with no
// detail left.
func FirstSync(t testing.TB, s Reporter) Sync {
	t.Helper()
	var sync Sync
	s.Observe(func(p sources.Progress, b *model.Batch) {
		sync.Seen = append(sync.Seen, p)
		if b != nil {
			sync.Partial = append(sync.Partial, p)
			sync.Deployments = append(sync.Deployments, len(b.Deployments))
			sync.Incidents = append(sync.Incidents, len(b.Incidents))
		}
	})
	if p := s.Progress(); !p.Syncing {
		t.Fatal("not syncing before the first read")
	}
	Fetch(t, s)
	if p := s.Progress(); p.Syncing || p.Detail != "" {
		t.Errorf("after the first read: %+v", p)
	}
	return sync
}

// Target is a source under test that names what it reads.
type Target interface {
	Reporter
	Target() string
}

// FailingTexts reads s, which must fail, and returns what it shows of
// itself then: the error and its target.
func FailingTexts(t testing.TB, s Target) []string {
	t.Helper()
	_, err := s.Fetch(context.Background())
	if err == nil {
		t.Fatal("expected a failure")
	}
	return []string{err.Error(), s.Target()}
}

// LimitedTexts clears c's injected 500s, spends its budget, to be reset
// at reset (zero: when it was to be), and reads s again, returning the
// error s shows then, if any.
func LimitedTexts(c *Core, s Fetcher, reset time.Time) []string {
	c.Lock()
	c.Fail500 = map[string]int{}
	c.Remaining = 0
	if !reset.IsZero() {
		c.Reset = reset
	}
	c.Unlock()
	if _, err := s.Fetch(context.Background()); err != nil {
		return []string{err.Error()}
	}
	return nil
}

// Fails500 injects n 500s for path into c and reads s, which must fail
// with HTTP 500.
func Fails500(t testing.TB, c *Core, s Fetcher, path string, n int) {
	t.Helper()
	c.Lock()
	c.Fail500[path] = n
	c.Unlock()
	if _, err := s.Fetch(context.Background()); err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Fatalf("%d 500s: %v", n, err)
	}
}

// NothingBeforeReset reads s again while it is rate limited: it must say
// so, and how, without sending c a request.
func NothingBeforeReset(t testing.TB, c *Core, s Fetcher) *sources.RateLimitedError {
	t.Helper()
	before := c.Requests()
	var rl *sources.RateLimitedError
	if _, err := s.Fetch(context.Background()); !errors.As(err, &rl) {
		t.Fatalf("Fetch before the reset: %v", err)
	}
	if after := c.Requests(); after != before {
		t.Errorf("%d requests sent before the reset", after-before)
	}
	return rl
}

// Waited checks that c received no request while a rate-limit answer said
// to wait, and that its clock moved on at least d from start: the source
// waited rather than asked.
func Waited(t testing.TB, c *Core, start time.Time, d time.Duration) {
	t.Helper()
	if n := c.DuringLimit(); n != 0 {
		t.Errorf("%d requests sent while a rate limit said to wait", n)
	}
	if moved := c.Clock.Now().Sub(start); moved < d {
		t.Errorf("the source waited %v, want at least %v", moved, d)
	}
}

// CancelLeavesNoGoroutine starts s.Fetch against a fake told to hang,
// cancels it after 100 ms, and checks that Fetch returns
// context.Canceled within 5 s and that, s's idle connections closed, no
// more goroutines run than before (counted before s was made).
func CancelLeavesNoGoroutine(t testing.TB, before int, s Fetcher) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := s.Fetch(ctx); done <- err }()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Fetch did not return after cancel")
	}
	s.CloseIdleConnections()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Errorf("%d goroutines left, %d before", g, before)
	}
}

// NoToken fails the test when token is in one of texts, or when a file
// under dir ("": none) holds token or one of words (in any case).
func NoToken(t testing.TB, token string, texts []string, dir string, words ...string) {
	t.Helper()
	for _, text := range texts {
		if strings.Contains(text, token) {
			t.Fatalf("token in %q", text)
		}
	}
	if dir == "" {
		return
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if strings.Contains(string(b), token) {
			t.Errorf("token in %s", p)
		}
		for _, w := range words {
			if strings.Contains(strings.ToLower(string(b)), strings.ToLower(w)) {
				t.Errorf("%s in %s", w, p)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Fake closes a fake server when the test ends.
func Fake[S interface{ Close() }](t testing.TB, s S) S {
	t.Cleanup(s.Close)
	return s
}
