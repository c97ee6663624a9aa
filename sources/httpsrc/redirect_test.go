package httpsrc

import (
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// server redirects requests for /to/<escaped URL> to that URL, and answers
// any other with goodDoc, keeping the headers of those requests.
type server struct {
	*httptest.Server
	mu  sync.Mutex
	got []http.Header
}

func newServer(t *testing.T, tls bool) *server {
	t.Helper()
	s := &server{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if to, ok := strings.CutPrefix(r.URL.EscapedPath(), "/to/"); ok {
			to, err := url.PathUnescape(to)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		s.mu.Lock()
		s.got = append(s.got, r.Header.Clone())
		s.mu.Unlock()
		fmt.Fprint(w, goodDoc)
	})
	if tls {
		s.Server = httptest.NewTLSServer(h)
	} else {
		s.Server = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s
}

// requests returns the headers of the requests answered with goodDoc.
func (s *server) requests() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got
}

// to returns the URL of s that redirects to target.
func (s *server) to(target string) string {
	return s.URL + "/to/" + url.PathEscape(target)
}

// redirectOptions are options for url u with credentials and ordinary
// headers.
func redirectOptions(u string) Options {
	return Options{URL: u, BearerToken: token, Headers: map[string]string{
		"X-Api-Key":     "key-0123456789",
		"X-Session-Id":  "sess-0123456789",
		"Cookie":        "sid=cookie-0123456789",
		"Accept":        "application/json",
		"X-Team":        "payments",
		"Cache-Control": "no-cache",
	}}
}

// The headers of redirectOptions, with their values.
var (
	secretHeaders = map[string]string{"Authorization": "Bearer " + token, "X-Api-Key": "key-0123456789",
		"X-Session-Id": "sess-0123456789", "Cookie": "sid=cookie-0123456789"}
	plainHeaders = map[string]string{"Accept": "application/json", "X-Team": "payments", "Cache-Control": "no-cache"}
)

// fetchOnce fetches with options o and returns the headers of the one
// request that got the document from s.
func fetchOnce(t *testing.T, s *server, o Options) http.Header {
	t.Helper()
	res, err := fetch(t, newSource(t, o))
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if len(res.Batch.Deployments) != 2 {
		t.Fatalf("batch %+v", res.Batch)
	}
	reqs := s.requests()
	if len(reqs) != 1 {
		t.Fatalf("server got %d requests for the document, want 1", len(reqs))
	}
	return reqs[0]
}

// TestRedirectToAnotherOriginDropsCredentials: the client itself keeps
// Authorization when only the port changes, and custom secret headers
// always; none may reach another origin, nor come back to the first one
// through another. Ordinary headers still follow, and no Referer carries
// the first URL's query.
func TestRedirectToAnotherOriginDropsCredentials(t *testing.T) {
	const query = "?api_key=query-secret-42"
	for _, tt := range []struct {
		name string
		// url returns the URL to fetch, which ends on b or, with back, on a.
		url  func(a, b *server) string
		back bool
	}{
		{name: "other port", url: func(a, b *server) string { return a.to(b.URL+"/export") + query }},
		{name: "other host name", url: func(a, b *server) string {
			return a.to(strings.Replace(b.URL, "127.0.0.1", "localhost", 1)+"/export") + query
		}},
		{name: "away and back", back: true, url: func(a, b *server) string { return a.to(b.to(a.URL+"/export")) + query }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, b := newServer(t, false), newServer(t, false)
			end := b
			if tt.back {
				end = a
			}
			got := fetchOnce(t, end, redirectOptions(tt.url(a, b)))
			for h := range secretHeaders {
				if v := got.Get(h); v != "" {
					t.Errorf("%s sent after a cross-origin redirect: %q", h, v)
				}
			}
			for h, want := range plainHeaders {
				if v := got.Get(h); v != want {
					t.Errorf("%s = %q after a cross-origin redirect, want %q", h, v, want)
				}
			}
			if ref := got.Get("Referer"); ref != "" {
				t.Errorf("Referer %q sent", ref)
			}
		})
	}
}

// TestRedirectWithinTheOriginKeepsCredentials: a redirect to another path
// of the same scheme, host and port keeps every header.
func TestRedirectWithinTheOriginKeepsCredentials(t *testing.T) {
	for name, u := range map[string]func(a *server) string{
		"relative": func(a *server) string { return a.URL + "/to/%2Fexport" },
		"absolute": func(a *server) string { return a.to(a.URL + "/export") },
		"absolute, other spelling": func(a *server) string {
			return a.to(strings.Replace(a.URL, "http://127.0.0.1", "HTTP://127.0.0.1", 1) + "/export")
		},
		"two hops": func(a *server) string { return a.to(a.to(a.URL + "/export")) },
	} {
		t.Run(name, func(t *testing.T) {
			a := newServer(t, false)
			got := fetchOnce(t, a, redirectOptions(u(a)))
			for _, want := range []map[string]string{secretHeaders, plainHeaders} {
				for k, v := range want {
					if got.Get(k) != v {
						t.Errorf("%s = %q after a same-origin redirect, want %q", k, got.Get(k), v)
					}
				}
			}
		})
	}
}

// TestRedirectFromHTTPSToHTTPIsRefused: the token would travel in clear.
func TestRedirectFromHTTPSToHTTPIsRefused(t *testing.T) {
	plain := newServer(t, false)
	secure := newServer(t, true)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: secure.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{
		"other port": plain.URL + "/export",
		// The same host and port: only the scheme changes.
		"same port": strings.Replace(secure.URL, "https://", "http://", 1) + "/export",
	} {
		t.Run(name, func(t *testing.T) {
			o := redirectOptions(secure.to(target))
			o.CAFile = caFile
			_, err := fetch(t, newSource(t, o))
			const want = "request failed: refusing redirect from https to http"
			if err == nil || err.Error() != want {
				t.Fatalf("error %v, want %q", err, want)
			}
		})
	}
	if n := len(plain.requests()); n != 0 {
		t.Errorf("the http server got %d requests, want none", n)
	}
	// An https server that redirects to itself is still followed.
	o := redirectOptions(secure.to(secure.URL + "/export"))
	o.CAFile = caFile
	if got := fetchOnce(t, secure, o); got.Get("Authorization") != "Bearer "+token {
		t.Errorf("Authorization %q after an https redirect within the origin", got.Get("Authorization"))
	}
}

func TestOrigin(t *testing.T) {
	same := [][2]string{
		{"https://example.com/a", "https://EXAMPLE.com:443/b?x=1"},
		{"http://example.com", "http://example.com:80/"},
		{"http://[::1]:8080/a", "http://[::1]:8080/b"},
		{"HTTPS://example.com", "https://example.com"},
	}
	differ := [][2]string{
		{"https://example.com", "http://example.com"},
		{"https://example.com", "https://example.com:8443"},
		{"http://example.com:80", "http://example.com:8080"},
		{"https://example.com", "https://api.example.com"},
		{"https://example.com", "https://example.com.evil.net"},
		{"http://[::1]:80", "http://[::1:80]"},
	}
	for _, p := range same {
		if a, b := origin(mustParse(t, p[0])), origin(mustParse(t, p[1])); a != b {
			t.Errorf("origins of %s and %s differ: %s, %s", p[0], p[1], a, b)
		}
	}
	for _, p := range differ {
		if a, b := origin(mustParse(t, p[0])), origin(mustParse(t, p[1])); a == b {
			t.Errorf("origins of %s and %s are the same: %s", p[0], p[1], a)
		}
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
