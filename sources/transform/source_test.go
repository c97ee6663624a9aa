package transform

import (
	"context"
	"doradash/sources/httpsrc"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"doradash/model"
	"doradash/sources"
	"doradash/sources/apisrc"
)

const testToken = "tok_TRANSFORMsecret0123456789"

// fakeAPI serves n items, 100 a page, in every pagination style.
type fakeAPI struct {
	n        int
	requests atomic.Int32
	// hook, when set, may answer a request itself (return true).
	hook func(w http.ResponseWriter, r *http.Request, call int32) bool
}

func (f *fakeAPI) items(from, to int) []map[string]any {
	var out []map[string]any
	for i := from; i < min(to, f.n); i++ {
		out = append(out, map[string]any{"id": i + 1, "created": fmt.Sprintf("2026-11-%02dT10:00:00.000+0000", i%28+1)})
	}
	if out == nil {
		out = []map[string]any{}
	}
	return out
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	call := f.requests.Add(1)
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		http.Error(w, "no token", http.StatusUnauthorized)
		return
	}
	if f.hook != nil && f.hook(w, r, call) {
		return
	}
	q := r.URL.Query()
	num := func(k string, def int) int {
		if v := q.Get(k); v != "" {
			n, _ := strconv.Atoi(v)
			return n
		}
		return def
	}
	base := "http://" + r.Host + r.URL.Path
	body := map[string]any{}
	switch r.URL.Path {
	case "/offset":
		start, size := num("startAt", 0), num("maxResults", 50)
		body = map[string]any{"startAt": start, "maxResults": size, "total": f.n, "items": f.items(start, start+size)}
	case "/page":
		p := num("page", 1)
		body["items"] = f.items((p-1)*100, p*100)
	case "/cursor":
		p := num("after", 0)
		body["items"] = f.items(p*100, (p+1)*100)
		if (p+1)*100 < f.n {
			body["meta"] = map[string]any{"after": strconv.Itoa(p + 1)}
		} else {
			body["meta"] = map[string]any{"after": nil}
		}
	case "/next_url":
		p := num("p", 0)
		body["items"] = f.items(p*100, (p+1)*100)
		if (p+1)*100 < f.n {
			body["paging"] = map[string]any{"next": base + "?p=" + strconv.Itoa(p+1)}
		}
	case "/link":
		p := num("p", 0)
		body["items"] = f.items(p*100, (p+1)*100)
		if (p+1)*100 < f.n {
			w.Header().Set("Link", fmt.Sprintf(`<%s?p=%d>; rel="next", <%s?p=0>; rel="first"`, base, p+1, base))
		}
	case "/none":
		body["items"] = f.items(0, f.n)
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(body)
}

const incidentProgram = `.items[] | {kind: "incident", id: "t:\(.id)", started_at: (.created | to_rfc3339)}`

func newTestSource(t *testing.T, url string, pg Paginate, edit func(*Options)) *Source {
	t.Helper()
	o := Options{Name: "t", URL: url, Transform: incidentProgram, Paginate: pg, BearerToken: testToken,
		Clock: apisrc.NewStepClock(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))}
	if edit != nil {
		edit(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.CloseIdleConnections)
	return s
}

func TestEveryStyleReadsEveryPage(t *testing.T) {
	for _, c := range []struct {
		path     string
		pg       Paginate
		requests int32
	}{
		{"/offset", Paginate{Style: "offset", Start: "startAt", Size: "maxResults", Total: "total", PageSize: 100}, 3},
		// Without total, reading stops at the first page that yields nothing.
		{"/offset", Paginate{Style: "offset", Start: "startAt", Size: "maxResults", PageSize: 100}, 4},
		{"/page", Paginate{Style: "page", Param: "page"}, 4},
		{"/cursor", Paginate{Style: "cursor", Next: ".meta.after", Param: "after"}, 3},
		{"/next_url", Paginate{Style: "next_url", Next: ".paging.next"}, 3},
		{"/link", Paginate{Style: "link"}, 3},
		{"/none", Paginate{}, 1},
	} {
		f := &fakeAPI{n: 250}
		srv := httptest.NewServer(f)
		s := newTestSource(t, srv.URL+c.path, c.pg, nil)
		res, err := s.Fetch(t.Context())
		srv.Close()
		if err != nil {
			t.Errorf("%s %+v: %v", c.path, c.pg, err)
			continue
		}
		seen := map[string]bool{}
		for _, in := range res.Batch.Incidents {
			seen[in.ID] = true
		}
		if len(res.Batch.Incidents) != 250 || len(seen) != 250 || res.Rejected != 0 {
			t.Errorf("%s %+v: %d incidents (%d distinct), %d rejected", c.path, c.pg, len(res.Batch.Incidents), len(seen), res.Rejected)
		}
		if got := f.requests.Load(); got != c.requests {
			t.Errorf("%s %+v: %d requests, want %d", c.path, c.pg, got, c.requests)
		}
		if p := s.Progress(); p.Requests != int(c.requests) || p.Syncing {
			t.Errorf("%s: progress %+v", c.path, p)
		}
	}
}

func TestOffsetStopsAtAPageThatYieldsNothing(t *testing.T) {
	// The total says 1000, but the program yields nothing from the second
	// page: reading stops there (SPEC §8.6).
	f := &fakeAPI{n: 1000}
	srv := httptest.NewServer(f)
	defer srv.Close()
	s := newTestSource(t, srv.URL+"/offset", Paginate{Style: "offset", Start: "startAt", Size: "maxResults", Total: "total", PageSize: 100},
		func(o *Options) {
			o.Transform = `.items[] | select(.id <= 100) | {kind: "incident", id: "t:\(.id)", started_at: (.created | to_rfc3339)}`
		})
	res, err := s.Fetch(t.Context())
	if err != nil || len(res.Batch.Incidents) != 100 || f.requests.Load() != 2 {
		t.Fatalf("%v, %d requests", err, f.requests.Load())
	}
}

func TestSecondPollOfTheSameDataIsUnchanged(t *testing.T) {
	f := &fakeAPI{n: 120}
	srv := httptest.NewServer(f)
	defer srv.Close()
	s := newTestSource(t, srv.URL+"/cursor", Paginate{Style: "cursor", Next: ".meta.after", Param: "after"}, nil)
	if _, err := s.Fetch(t.Context()); err != nil {
		t.Fatal(err)
	}
	res, err := s.Fetch(t.Context())
	if err != nil || !res.Unchanged || f.requests.Load() != 4 {
		t.Fatalf("%+v, %v, %d requests", res, err, f.requests.Load())
	}
	f.n = 121
	res, err = s.Fetch(t.Context())
	if err != nil || res.Unchanged || len(res.Batch.Incidents) != 121 {
		t.Fatalf("%v, %v", res.Unchanged, err)
	}
}

func TestRateLimitAndServerErrorsMidWalk(t *testing.T) {
	f := &fakeAPI{n: 300}
	f.hook = func(w http.ResponseWriter, r *http.Request, call int32) bool {
		switch call {
		case 2: // the second page: wait 20 s
			w.Header().Set("Retry-After", "20")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		case 4, 5: // the third page: two 500s, then it works
			w.WriteHeader(http.StatusInternalServerError)
			return true
		}
		return false
	}
	srv := httptest.NewServer(f)
	defer srv.Close()
	clock := apisrc.NewStepClock(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	s := newTestSource(t, srv.URL+"/page", Paginate{Style: "page", Param: "page"}, func(o *Options) { o.Clock = clock })
	res, err := s.Fetch(t.Context())
	if err != nil || len(res.Batch.Incidents) != 300 {
		t.Fatalf("%v", err)
	}
	// 4 pages, one 429 and two 500s.
	if got := f.requests.Load(); got != 7 {
		t.Errorf("%d requests", got)
	}
	if waited := clock.Now().Sub(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)); waited < 20*time.Second {
		t.Errorf("waited %v", waited)
	}
}

func TestRateLimitBeyondMaxWaitKeepsWhatWasRead(t *testing.T) {
	f := &fakeAPI{n: 300}
	f.hook = func(w http.ResponseWriter, r *http.Request, call int32) bool {
		if call == 2 {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		}
		return false
	}
	srv := httptest.NewServer(f)
	defer srv.Close()
	s := newTestSource(t, srv.URL+"/page", Paginate{Style: "page", Param: "page"}, nil)
	_, err := s.Fetch(t.Context())
	var rl *sources.RateLimitedError
	if !errors.As(err, &rl) || rl.Partial == nil || len(rl.Partial.Incidents) != 100 {
		t.Fatalf("got %v", err)
	}
	if p := s.Progress(); !p.RateLimitedUntil.Equal(rl.Until) {
		t.Errorf("progress %+v", p)
	}
}

func TestRunTimeErrorFailsThePollWithJqsMessageRedacted(t *testing.T) {
	f := &fakeAPI{n: 300}
	f.hook = func(w http.ResponseWriter, r *http.Request, call int32) bool {
		if call == 2 { // the server echoes the token where items should be
			fmt.Fprintf(w, `{"items": "Bearer %s"}`, testToken)
			return true
		}
		return false
	}
	srv := httptest.NewServer(f)
	defer srv.Close()
	s := newTestSource(t, srv.URL+"/page", Paginate{Style: "page", Param: "page"}, nil)
	_, err := s.Fetch(t.Context())
	if err == nil || !strings.HasPrefix(err.Error(), "page 2: transform: cannot iterate over: string") || strings.Contains(err.Error(), testToken[:10]) {
		t.Fatalf("got %v", err)
	}
}

func TestABodyThatIsNotJSONFailsThePoll(t *testing.T) {
	for body, want := range map[string]string{
		`<html>login</html>`: "page 1: decode response: invalid character '<'",
		``:                   "page 1: decode response: empty body",
		`{} {}`:              "page 1: decode response: more than one JSON value",
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) }))
		s := newTestSource(t, srv.URL, Paginate{}, func(o *Options) { o.BearerToken = "" })
		_, err := s.Fetch(t.Context())
		srv.Close()
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: got %v", body, err)
		}
	}
}

func TestPaginationThatLoopsOrNeverEndsFails(t *testing.T) {
	f := &fakeAPI{n: 300}
	f.hook = func(w http.ResponseWriter, r *http.Request, call int32) bool {
		if r.URL.Path == "/cursor" { // always the same cursor
			fmt.Fprint(w, `{"items": [{"id": 1, "created": "2026-11-01T10:00:00Z"}], "meta": {"after": "same"}}`)
			return true
		}
		return false
	}
	srv := httptest.NewServer(f)
	defer srv.Close()
	s := newTestSource(t, srv.URL+"/cursor", Paginate{Style: "cursor", Next: ".meta.after", Param: "after"}, nil)
	if _, err := s.Fetch(t.Context()); err == nil || !strings.Contains(err.Error(), "page 3: the next page is one already read") {
		t.Errorf("got %v", err)
	}
	// Page numbers without end (every page has items).
	f.n = 1 << 30
	s = newTestSource(t, srv.URL+"/page", Paginate{Style: "page", Param: "page"}, func(o *Options) { o.MaxPages = 5 })
	if _, err := s.Fetch(t.Context()); err == nil || err.Error() != "stopped after 5 pages (the limit)" {
		t.Errorf("got %v", err)
	}
}

func TestLimitsPerPage(t *testing.T) {
	f := &fakeAPI{n: 300}
	srv := httptest.NewServer(f)
	defer srv.Close()
	s := newTestSource(t, srv.URL+"/page", Paginate{Style: "page", Param: "page"}, func(o *Options) { o.Limits.Outputs = 99 })
	if _, err := s.Fetch(t.Context()); err == nil || err.Error() != "page 1: transform: more than 99 values from one page (the limit)" {
		t.Errorf("got %v", err)
	}
	s = newTestSource(t, srv.URL+"/none", Paginate{}, func(o *Options) {
		o.Limits.Time = 10 * time.Millisecond
		o.Transform = `.items[] | last(repeat(.))`
	})
	if _, err := s.Fetch(t.Context()); err == nil || err.Error() != "page 1: transform: stopped after 10ms on one page (the limit)" {
		t.Errorf("got %v", err)
	}
}

func TestFetchStopsWhenCancelled(t *testing.T) {
	f := &fakeAPI{n: 10}
	srv := httptest.NewServer(f)
	defer srv.Close()
	s := newTestSource(t, srv.URL+"/none", Paginate{}, func(o *Options) { o.Transform = `last(repeat(.))` })
	ctx, cancel := context.WithCancel(t.Context())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	if _, err := s.Fetch(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func TestValidateNamesTheKey(t *testing.T) {
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{URL: "ftp://x", Transform: "."}, "url: "},
		{Options{URL: "https://x", Transform: ".a |"}, "transform: line 1, column 4: unexpected EOF"},
		{Options{URL: "https://x", Transform: ".", Paginate: Paginate{Style: "cursor"}}, `paginate: style cursor needs the key "next"`},
		{Options{URL: "https://x", Transform: ".", Headers: map[string]string{"host": "y"}}, "headers: Host"},
		{Options{URL: "https://x", Transform: ".", Headers: map[string]string{"A B": "y"}}, `headers: "A B" is not a valid header name`},
		{Options{URL: "https://x", Transform: ".", CAFile: "/nonexistent/ca.pem"}, "ca_file: cannot read"},
		{Options{URL: "https://x", Transform: ".", BearerToken: "a\nb"}, "bearer_token_env: "},
		{Options{URL: "https://x", Transform: ".", Timeout: -1}, "timeout: "},
		{Options{URL: "https://x", Transform: ".", MaxBytes: -1}, "max_bytes: "},
	} {
		if err := c.o.Validate(); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c.o, err, c.want)
		}
	}
}

func TestFirstReadPublishesProgressAndPartialData(t *testing.T) {
	f := &fakeAPI{n: 450}
	srv := httptest.NewServer(f)
	defer srv.Close()
	s := newTestSource(t, srv.URL+"/page", Paginate{Style: "page", Param: "page"}, nil)
	var partials []int
	var details []string
	s.Observe(func(p sources.Progress, b *model.Batch) {
		details = append(details, p.Detail)
		if b != nil {
			partials = append(partials, len(b.Incidents))
		}
	})
	if _, err := s.Fetch(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Partial data at pages 1, 2 and 4 (of 6, the last empty).
	if fmt.Sprint(partials) != "[100 200 400]" || details[2] != "300 values, page 3" {
		t.Errorf("partials %v, details %q", partials, details)
	}
	partials = nil
	if _, err := s.Fetch(t.Context()); err != nil || partials != nil {
		t.Errorf("second poll: %v, partials %v", err, partials)
	}
}

// TestTwoThousandIncidentsCost measures the requests of a first and a
// second poll of 2,000 incidents, 100 a page, with a server that sends
// ETags: 20 each, the second answered 304 and unchanged.
func TestTwoThousandIncidentsCost(t *testing.T) {
	f := &fakeAPI{n: 2000}
	inner := http.Handler(f)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		etag := `"` + r.URL.RawQuery + `"`
		if r.Header.Get("If-None-Match") == etag {
			f.requests.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		inner.ServeHTTP(w, r)
	}))
	defer srv.Close()
	s := newTestSource(t, srv.URL+"/cursor", Paginate{Style: "cursor", Next: ".meta.after", Param: "after"}, nil)
	res, err := s.Fetch(t.Context())
	if err != nil || len(res.Batch.Incidents) != 2000 || f.requests.Load() != 20 {
		t.Fatalf("first poll: %v, %d requests", err, f.requests.Load())
	}
	res, err = s.Fetch(t.Context())
	if p := s.Progress(); err != nil || !res.Unchanged || p.Requests != 40 || p.Cached != 20 {
		t.Fatalf("second poll: %v, %+v", err, p)
	}
}

// TestOutputBoundFollowsMaxBytes: what a page's transform may yield is
// four times max_bytes, also when max_bytes is left to its default (the
// configuration passes 0 then).
func TestOutputBoundFollowsMaxBytes(t *testing.T) {
	for _, c := range []struct {
		maxBytes, want int64
	}{
		{0, 4 * httpsrc.DefaultMaxBytes},
		{1 << 20, 4 << 20},
		{1024, 1 << 20},
	} {
		s := newTestSource(t, "http://127.0.0.1:1/none", Paginate{}, func(o *Options) { o.MaxBytes = c.maxBytes })
		if got := int64(s.limits.Bytes); got != c.want {
			t.Errorf("max_bytes %d: the transform's output bound is %d, want %d", c.maxBytes, got, c.want)
		}
	}
}
