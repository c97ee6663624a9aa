package apisrc

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

func TestNextPagePager(t *testing.T) {
	cur := Request{URL: "/projects/g%2Fapp/deployments?per_page=100&page=2"}
	cases := []struct {
		name   string
		header http.Header
		want   string
		ok     bool
	}{
		{"next page", http.Header{"X-Next-Page": {"3"}}, "/projects/g%2Fapp/deployments?page=3&per_page=100", true},
		{"empty header ends", http.Header{"X-Next-Page": {""}, "Link": {`<https://x/api/v4/p?page=3>; rel="next"`}}, "", false},
		{"no header: Link", http.Header{"Link": {`<https://x/api/v4/p?page=3>; rel="next"`}}, "https://x/api/v4/p?page=3", true},
		{"neither ends", http.Header{}, "", false},
		{"garbage ends", http.Header{"X-Next-Page": {"three"}}, "", false},
		{"backwards ends", http.Header{"X-Next-Page": {"2"}}, "", false},
	}
	for _, c := range cases {
		next, ok, err := GitLabPager.Next(cur, &Response{Header: c.header})
		if err != nil || ok != c.ok || next != c.want {
			t.Errorf("%s: got %q %v %v, want %q %v", c.name, next, ok, err, c.want, c.ok)
		}
	}
}

// TestEncodedPathSegmentsSurvive: GitLab names a project by its
// URL-encoded path (group%2Fsub%2Fapp); the client must send the %2F as
// written, on the first request and on the pages after it.
func TestEncodedPathSegmentsSurvive(t *testing.T) {
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.URL.EscapedPath())
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		page = max(page, 1)
		if page < 3 {
			w.Header().Set("X-Next-Page", strconv.Itoa(page+1))
		} else {
			w.Header().Set("X-Next-Page", "")
		}
		fmt.Fprint(w, `[]`)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL+"/api/v4", GitLabRateHeaders, &stepClock{t: time.Unix(1_700_000_000, 0)})
	pages := 0
	err := c.Walk(context.Background(), Request{URL: "/projects/group%2Fsub%2Fapp/deployments?per_page=100"}, GitLabPager,
		func(int, *Response) (bool, error) { pages++; return true, nil })
	if err != nil {
		t.Fatal(err)
	}
	if pages != 3 {
		t.Fatalf("%d pages, want 3", pages)
	}
	for _, p := range seen {
		if p != "/api/v4/projects/group%2Fsub%2Fapp/deployments" {
			t.Fatalf("path sent as %q", p)
		}
	}
}
