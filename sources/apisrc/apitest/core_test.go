package apitest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"doradash/sources/apisrc"
)

// fake is the smallest fake on Core: a budget, 304s for "/etag", 401s
// without "Authorization: ok", 429s for "/limit" that say to wait a
// minute.
type fake struct{ Core }

func newFake(t *testing.T) *fake {
	f := &fake{}
	f.Start(apisrc.NewStepClock(Epoch), 3, time.Minute, f.serve)
	return Fake(t, f)
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	now := f.Begin()
	if r.Header.Get("Authorization") != "ok" {
		f.CountBadAuth()
		f.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if f.Inject(w, r, r.URL.Path, func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) }) {
		return
	}
	if r.URL.Path == "/limit" || f.Remaining <= 0 {
		f.LimitUntil(now.Add(time.Minute))
		f.Unlock()
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	f.Remaining--
	f.CountKind(r.URL.Path)
	if etag := ETag([]byte("body")); f.NotModified(r, etag) {
		f.Unlock()
		w.WriteHeader(http.StatusNotModified)
		return
	}
	f.Unlock()
	fmt.Fprint(w, "body")
}

func get(t *testing.T, f *fake, ctx context.Context, path string, hdr ...string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", f.URL+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := f.Client().Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestCoreCountsInjectsAndRefills(t *testing.T) {
	f := newFake(t)
	ok := []string{"Authorization", "ok"}
	f.Fail500["/a"] = 1
	f.Hang["/h"] = 1
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	steps := []struct {
		ctx  context.Context
		path string
		hdr  []string
		want int
	}{
		{context.Background(), "/a", nil, 401},
		{context.Background(), "/a", ok, 500},
		{ctx, "/h", ok, 0}, // hangs until the client gives up
		{context.Background(), "/a", ok, 200},
		{context.Background(), "/a", append([]string{"If-None-Match", ETag([]byte("body"))}, ok...), 304},
		{context.Background(), "/limit", ok, 429},
		{context.Background(), "/b", ok, 200}, // during the limit
		{context.Background(), "/b", ok, 429}, // the budget of 3 spent
	}
	for i, s := range steps {
		if got := get(t, f, s.ctx, s.path, s.hdr...); got != s.want {
			t.Fatalf("step %d %s: %d, want %d", i, s.path, got, s.want)
		}
	}
	req, nm := f.Counts()
	if req != 8 || nm != 1 || f.Requests() != 8 || f.BadAuth() != 1 || f.Kind("/a") != 2 || f.Kind("/b") != 1 || f.DuringLimit() != 2 {
		t.Errorf("counts %d %d, bad auth %d, kinds %d %d, during limit %d", req, nm, f.BadAuth(), f.Kind("/a"), f.Kind("/b"), f.DuringLimit())
	}
	f.Clock.Advance(2 * time.Minute) // the limit has passed; the budget refills
	if got := get(t, f, context.Background(), "/b", ok...); got != 200 || f.DuringLimit() != 2 || f.Remaining != 2 {
		t.Errorf("after the reset: %d, during limit %d, remaining %d", got, f.DuringLimit(), f.Remaining)
	}
}

func TestTakeConsumesOneMatch(t *testing.T) {
	m := map[string]int{"/statuses": 2, "/x": 0}
	for i, c := range []struct {
		path string
		want bool
	}{{"/repos/a/deployments/1/statuses", true}, {"/x/y", false}, {"/statuses", true}, {"/statuses", false}} {
		if got := Take(m, c.path); got != c.want {
			t.Errorf("%d: Take(%q) = %v", i, c.path, got)
		}
	}
}
