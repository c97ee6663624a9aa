package apisrc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"doradash/sources"
)

// stepClock is a clock whose Sleep advances it at once.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return nil
}

const secret = "tok_SECRETsecret123456"

func newTestClient(t *testing.T, url string, rate RateHeaders, clock Clock) *Client {
	t.Helper()
	h := http.Header{}
	h.Set("Authorization", "Bearer "+secret)
	c, err := New(Options{Name: "t", BaseURL: url, Header: h, Token: secret, Rate: rate, Clock: clock,
		UserAgent: "doradash/test", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func TestReadRateOfEachVendor(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	h := http.Header{}
	h.Set("RateLimit-Limit", "1200, 1200;window=60")
	h.Set("RateLimit-Remaining", "20")
	h.Set("RateLimit-Reset", "1700000060")
	ri := GitLabRateHeaders.readRate(h, now)
	if ri.limit != 1200 || ri.remaining != 20 || !ri.reset.Equal(now.Add(time.Minute)) {
		t.Fatalf("gitlab: %+v", ri)
	}
	if got := ri.nextNotBefore(); !got.Equal(now.Add(time.Minute)) {
		t.Errorf("20 of 1200 (1.7%%) did not wait: %v", got)
	}
	h.Set("RateLimit-Remaining", "25")
	if got := GitLabRateHeaders.readRate(h, now).nextNotBefore(); !got.IsZero() {
		t.Errorf("25 of 1200 waited")
	}
	p := http.Header{}
	p.Set("ratelimit-limit", "960")
	p.Set("ratelimit-remaining", "0")
	p.Set("ratelimit-reset", "30")
	if ri := PagerDutyRateHeaders.readRate(p, now); !ri.reset.Equal(now.Add(30 * time.Second)) {
		t.Errorf("pagerduty reset is seconds from now: %+v", ri)
	}
	r := http.Header{}
	r.Set("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")
	if ri := IncidentIORateHeaders.readRate(r, now); ri.retryAfter.Year() != 2015 {
		t.Errorf("Retry-After as a date: %+v", ri)
	}
}

func TestForbiddenIsALimitOnlyWhenGitHubSaysSo(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	ri := rateInfo{limit: 5000, remaining: 4000}
	if ok, _ := GitHubRateHeaders.limited(403, ri, []byte(`{"message":"Resource not accessible by integration"}`), now); ok {
		t.Error("a permission problem taken for a rate limit")
	}
	if ok, until := GitHubRateHeaders.limited(403, ri, []byte(`{"message":"You have exceeded a secondary rate limit"}`), now); !ok || !until.Equal(now.Add(time.Minute)) {
		t.Errorf("secondary limit without retry-after: %v %v", ok, until)
	}
	if ok, _ := GitLabRateHeaders.limited(403, rateInfo{remaining: 0, limit: 10}, nil, now); ok {
		t.Error("GitLab 403 taken for a limit")
	}
	if ok, _ := GitLabRateHeaders.limited(429, rateInfo{limit: -1, remaining: -1}, nil, now); !ok {
		t.Error("429 is a limit")
	}
}

func TestLinkNext(t *testing.T) {
	v := `<https://api.github.com/repositories/1/deployments?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/deployments?per_page=100&page=5>; rel="last"`
	if got := LinkNext([]string{v}); got != "https://api.github.com/repositories/1/deployments?per_page=100&page=2" {
		t.Fatalf("got %q", got)
	}
	if got := LinkNext([]string{`<https://x/a?b=1,2>; rel="prev last"`, `<https://x/n>; rel="next"`}); got != "https://x/n" {
		t.Fatalf("got %q", got)
	}
	if got := LinkNext([]string{`<https://x/a>; rel="prev"`}); got != "" {
		t.Fatalf("got %q", got)
	}
}

func TestPagersWalkEveryPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch r.URL.Path {
		case "/cursor":
			next := map[string]string{"": "c1", "c1": "c2", "c2": ""}[q.Get("after")]
			fmt.Fprintf(w, `{"after":%q}`, next)
		case "/offset":
			fmt.Fprintf(w, `{"start":%s,"total":250}`, q.Get("startAt"))
		case "/page":
			if q.Get("page") == "4" {
				fmt.Fprint(w, `[]`)
				return
			}
			fmt.Fprint(w, `[1]`)
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, RateHeaders{}, &stepClock{t: time.Now()})
	count := func(first string, p Pager) int {
		n := 0
		err := c.Walk(context.Background(), Request{URL: first}, p, func(int, *Response) (bool, error) { n++; return true, nil })
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	cursor := CursorPager{Param: "after", Cursor: func(b []byte) (string, error) {
		s := string(b)
		return s[strings.Index(s, `":"`)+3 : len(s)-2], nil
	}}
	if n := count("/cursor", cursor); n != 3 {
		t.Errorf("cursor: %d pages", n)
	}
	offset := OffsetPager{Start: "startAt", Size: "maxResults", PageSize: 100, Total: func([]byte) (int, int, error) { return 250, 100, nil }}
	if n := count("/offset?startAt=0&maxResults=100", offset); n != 3 {
		t.Errorf("offset: %d pages", n)
	}
	page := PagePager{Param: "page", Items: func(b []byte) (int, error) { return strings.Count(string(b), "1"), nil }}
	if n := count("/page", page); n != 4 {
		t.Errorf("page: %d pages", n)
	}
}

func TestLinkOutsideTheAPIIsRefused(t *testing.T) {
	var other atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { other.Add(1) }))
	defer evil.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "<"+evil.URL+`/steal>; rel="next"`)
		fmt.Fprint(w, `[]`)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, RateHeaders{}, &stepClock{t: time.Now()})
	err := c.Walk(context.Background(), Request{URL: "/x"}, LinkPager{}, func(int, *Response) (bool, error) { return true, nil })
	if err == nil || other.Load() != 0 {
		t.Fatalf("followed a link off the API: %v", err)
	}
}

func TestSecretsStayOutOfErrorsAndCache(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/echo" {
			w.Header().Set("ETag", `"1"`)
			fmt.Fprintf(w, `{"auth":%q}`, r.Header.Get("Authorization"))
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"message":"bad token %s"}`, r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, RateHeaders{}, &stepClock{t: time.Now()})
	_, err := c.Get(context.Background(), Request{URL: "/fail"})
	if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "HTTP 400") {
		t.Fatalf("error: %v", err)
	}
	if _, err := c.Get(context.Background(), Request{URL: "/echo", Conditional: true}); err != nil {
		t.Fatal(err)
	}
	for k, v := range c.cache.mem {
		if strings.Contains(string(v), secret) || strings.Contains(k, secret) {
			t.Fatal("secret in the cache")
		}
	}
}

func TestRetriesThenFails(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 3 {
			http.Error(w, "oops", http.StatusBadGateway)
			return
		}
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, RateHeaders{}, &stepClock{t: time.Now()})
	if _, err := c.Get(context.Background(), Request{URL: "/"}); err != nil {
		t.Fatalf("3 failures then success: %v", err)
	}
	n.Store(-10)
	if _, err := c.Get(context.Background(), Request{URL: "/"}); err == nil {
		t.Fatal("endless 502s did not fail")
	}
	if got := n.Load(); got != -10+4 {
		t.Errorf("%d attempts, want 4 (1 + %d retries)", got+10, MaxRetries)
	}
}

func TestRateLimitedSendsNothingUntilReset(t *testing.T) {
	clock := &stepClock{t: time.Unix(1_700_000_000, 0)}
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, GitLabRateHeaders, clock)
	_, err := c.Get(context.Background(), Request{URL: "/"})
	var rl *sources.RateLimitedError
	if !errors.As(err, &rl) || !rl.Until.Equal(clock.Now().Add(120*time.Second)) {
		t.Fatalf("got %v", err)
	}
	for range 3 {
		c.Get(context.Background(), Request{URL: "/"})
	}
	if n.Load() != 1 {
		t.Fatalf("%d requests sent while limited", n.Load())
	}
	if st := c.Stats(); !st.LimitedUntil.Equal(rl.Until) {
		t.Errorf("stats: %+v", st)
	}
}

func TestCancelledRequestLeavesNoGoroutine(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	before := runtime.NumGoroutine()
	c := newTestClient(t, srv.URL, RateHeaders{}, RealClock{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- c.Walk(ctx, Request{URL: "/"}, LinkPager{}, func(int, *Response) (bool, error) { return true, nil })
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	c.CloseIdleConnections()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Errorf("%d goroutines left (before %d)", g, before)
	}
}

func TestPagePagerCountsOnFromTheFirstPage(t *testing.T) {
	p := PagePager{Param: "page", Items: func([]byte) (int, error) { return 1, nil }}
	for first, want := range map[string]string{
		"/x":        "/x?page=2",
		"/x?page=1": "/x?page=2",
		"/x?page=0": "/x?page=1", // an API that counts from 0
		"/x?page=7": "/x?page=8",
	} {
		next, ok, err := p.Next(Request{URL: first}, &Response{Body: []byte(`[1]`)})
		if err != nil || !ok || next != want {
			t.Errorf("after %s: got %q, %v, %v; want %s", first, next, ok, err, want)
		}
	}
}

// TestLimitWaitsForTheLaterOfRetryAfterAndReset: a 429 whose Retry-After is
// shorter than the stated reset of an exhausted budget waits for the reset
// (a request before it would only be refused again), and a longer
// Retry-After wins over an earlier reset.
func TestLimitWaitsForTheLaterOfRetryAfterAndReset(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	ri := rateInfo{limit: 2000, remaining: 0, reset: now.Add(10 * time.Second), retryAfter: now.Add(3 * time.Second)}
	if ok, until := GitLabRateHeaders.limited(429, ri, nil, now); !ok || !until.Equal(now.Add(10*time.Second)) {
		t.Errorf("Retry-After 3s, reset in 10s: waited until %v", until.Sub(now))
	}
	ri.retryAfter = now.Add(30 * time.Second)
	if ok, until := GitLabRateHeaders.limited(429, ri, nil, now); !ok || !until.Equal(now.Add(30*time.Second)) {
		t.Errorf("Retry-After 30s, reset in 10s: waited until %v", until.Sub(now))
	}
	// A success at low headroom with a short Retry-After: the reset too.
	ok := rateInfo{limit: 2000, remaining: 10, reset: now.Add(20 * time.Second), retryAfter: now.Add(time.Second)}
	if got := ok.nextNotBefore(); !got.Equal(now.Add(20 * time.Second)) {
		t.Errorf("next request at %v, want the reset", got.Sub(now))
	}
}

// TestPathOfKeepsEncoding: messages name the path as it was sent, so an
// encoded GitLab project path reads group%2Fsub%2Fapp, not group/sub/app.
func TestPathOfKeepsEncoding(t *testing.T) {
	c := &Client{}
	u, err := url.Parse("https://gitlab.example.com/api/v4/projects/group%2Fsub%2Fapp/deployments?per_page=100")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.pathOf(u), "/api/v4/projects/group%2Fsub%2Fapp/deployments?per_page=100"; got != want {
		t.Errorf("pathOf = %q, want %q", got, want)
	}
}
