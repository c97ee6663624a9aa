package httpsrc

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"doradash/model"
	"doradash/sources"
	"doradash/sources/poller"
)

const goodDoc = `{
  "deployments": [
    {"id": "d-1", "service": "checkout", "finished_at": "2026-11-20T14:03:00Z",
     "commits": [{"sha": "9fceb02", "committed_at": "2026-11-19T09:12:44Z"}]},
    {"id": 2, "service": "search", "finished_at": "2026-11-20T15:00:00Z", "status": "rolled_back"}
  ],
  "incidents": [
    {"id": "INC-77", "service": "checkout", "severity": "SEV2", "started_at": "2026-11-20T14:10:00Z"}
  ]
}`

const token = "s3cr3t-T0KEN-value-42"

func newSource(t *testing.T, o Options) *Source {
	t.Helper()
	if o.Name == "" {
		o.Name = "test"
	}
	s, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(s.CloseIdleConnections)
	return s
}

func fetch(t *testing.T, s *Source) (sources.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Fetch(ctx)
}

func TestFetchSuccessSendsHeaders(t *testing.T) {
	var got http.Header
	var host string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, host = r.Header.Clone(), r.Host
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, goodDoc)
	}))
	defer srv.Close()
	s := newSource(t, Options{URL: srv.URL + "/export", BearerToken: token, UserAgent: "doradash/1.2.3",
		Headers: map[string]string{"Accept": "application/json", "X-Team": "payments", "Host": "api.example.com"}})

	res, err := fetch(t, s)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if res.Unchanged || res.Batch == nil {
		t.Fatalf("result %+v, want a batch", res)
	}
	if len(res.Batch.Deployments) != 2 || len(res.Batch.Incidents) != 1 || res.Rejected != 0 {
		t.Errorf("batch has %d deployments, %d incidents, %d rejected; want 2, 1, 0",
			len(res.Batch.Deployments), len(res.Batch.Incidents), res.Rejected)
	}
	if id := res.Batch.Deployments[1].ID; id != "2" {
		t.Errorf("integer id decoded as %q", id)
	}
	wantHeaders := map[string]string{
		"Authorization": "Bearer " + token,
		"User-Agent":    "doradash/1.2.3",
		"Accept":        "application/json",
		"X-Team":        "payments",
	}
	for k, v := range wantHeaders {
		if got.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, got.Get(k), v)
		}
	}
	if host != "api.example.com" {
		t.Errorf("Host %q, want api.example.com", host)
	}
	if s.Type() != "http" || s.Name() != "test" || s.Target() != srv.URL+"/export" {
		t.Errorf("Type %q Name %q Target %q", s.Type(), s.Name(), s.Target())
	}
}

func TestDefaultUserAgent(t *testing.T) {
	var ua atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.UserAgent())
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	if _, err := fetch(t, newSource(t, Options{URL: srv.URL})); err != nil {
		t.Fatal(err)
	}
	if got := ua.Load(); got != "doradash" {
		t.Errorf("User-Agent %q, want doradash", got)
	}
}

func TestFetchFailures(t *testing.T) {
	const truncated = `{"deployments": [{"id": "d-1", "finished_at": "2026-11-20T14:03:00Z"}, {"id":`
	big := `{"deployments": [` + strings.Repeat(`{"id":"x","finished_at":"2026-11-20T14:03:00Z"},`, 100) + `{"id":"y","finished_at":"2026-11-20T14:03:00Z"}]}`
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		maxBytes int64
		want     string // the exact error, or a prefix when it ends in "…"
	}{
		{"503 with a body", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(503)
			fmt.Fprint(w, "upstream timeout\n")
		}, 0, `HTTP 503 Service Unavailable: "upstream timeout"`},
		{"500 with a noisy body", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(500)
			fmt.Fprint(w, "  database\r\n\tis \x1b[31mdown\x00\x07  ")
		}, 0, `HTTP 500 Internal Server Error: "database is [31mdown"`},
		{"500 with a long body", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(500)
			fmt.Fprint(w, strings.Repeat("abcdefghij", 50))
		}, 0, `HTTP 500 Internal Server Error: "` + strings.Repeat("abcdefghij", 7) + `abcdefghi…"`},
		{"404 without body", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(404)
		}, 0, `HTTP 404 Not Found`},
		{"502 HTML page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			fmt.Fprint(w, "<html><head><style>body{color:red}</style><title>502 Bad Gateway</title></head>\n<body><h1>Bad&nbsp;Gateway</h1><!-- x --></body></html>")
		}, 0, `HTTP 502 Bad Gateway: "502 Bad Gateway Bad Gateway"`},
		{"unknown status code", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(599)
			fmt.Fprint(w, "odd")
		}, 0, `HTTP 599: "odd"`},
		{"body larger than max_bytes", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, big)
		}, 1024, "response larger than 1 KiB"},
		{"chunked body larger than max_bytes", func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i < len(big); i += 100 {
				fmt.Fprint(w, big[i:min(i+100, len(big))])
				w.(http.Flusher).Flush()
			}
		}, 1024, "response larger than 1 KiB"},
		{"gzip body larger than max_bytes once decompressed", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			gz := gzip.NewWriter(w)
			fmt.Fprint(gz, big)
			gz.Close()
		}, 1024, "response larger than 1 KiB"},
		{"truncated JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, truncated)
		}, 0, fmt.Sprintf("decode response: syntax error at byte offset %d (in deployments[1]): unexpected end of input", len(truncated))},
		{"HTML instead of JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, "<!doctype html><html><body>Sign in</body></html>")
		}, 0, "decode response (Content-Type text/html): …"},
		{"top level not an object", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `[1, 2]`)
		}, 0, "decode response: top level is an array, not an object"},
		{"corrupt gzip", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			fmt.Fprint(w, "definitely not gzip")
		}, 0, "read response body: …"},
		{"body shorter than its Content-Length", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "500")
			fmt.Fprint(w, `{"deployments": [`)
		}, 0, "read response body: unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			s := newSource(t, Options{URL: srv.URL, MaxBytes: tt.maxBytes})
			res, err := fetch(t, s)
			if err == nil {
				t.Fatalf("no error; result %+v", res)
			}
			if prefix, ok := strings.CutSuffix(tt.want, "…"); ok {
				if !strings.HasPrefix(err.Error(), prefix) || len(err.Error()) == len(prefix) {
					t.Errorf("error %q, want %q followed by a cause", err, prefix)
				}
			} else if err.Error() != tt.want {
				t.Errorf("error\n got %q\nwant %q", err, tt.want)
			}
			if res.Batch != nil {
				t.Error("a failed fetch returned a batch")
			}
		})
	}
}

func TestHTMLInsteadOfJSONNamesTheDecoderPlace(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html>")
	}))
	defer srv.Close()
	_, err := fetch(t, newSource(t, Options{URL: srv.URL}))
	if err == nil || !strings.Contains(err.Error(), "byte offset 0") || !strings.Contains(err.Error(), "'<'") {
		t.Errorf("error %v, want the decoder's message with its place", err)
	}
}

func TestBodyExactlyAtTheLimitIsAccepted(t *testing.T) {
	doc := `{"deployments": []}`
	for _, chunked := range []bool{false, true} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, doc)
			if chunked {
				w.(http.Flusher).Flush()
			}
		}))
		_, err := fetch(t, newSource(t, Options{URL: srv.URL, MaxBytes: int64(len(doc))}))
		srv.Close()
		if err != nil {
			t.Errorf("chunked=%v: a body of exactly max_bytes failed: %v", chunked, err)
		}
	}
}

func TestTimeoutCoversTheWholeRequest(t *testing.T) {
	const timeout = 100 * time.Millisecond
	tests := []struct {
		name    string
		handler func(release <-chan struct{}) http.HandlerFunc
		want    string
	}{
		{"no headers", func(release <-chan struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-release:
				}
			}
		}, "request failed: timed out after 100ms"},
		{"body stalls", func(release <-chan struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, `{"deployments": [`)
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
				case <-release:
				}
			}
		}, "read response body: timed out after 100ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			srv := httptest.NewServer(tt.handler(release))
			defer srv.Close()
			defer close(release)
			s := newSource(t, Options{URL: srv.URL, Timeout: timeout})
			start := time.Now()
			_, err := fetch(t, s)
			took := time.Since(start)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Error("a timeout must wrap context.DeadlineExceeded")
			}
			if took > 5*time.Second {
				t.Errorf("Fetch took %v with a %v timeout", took, timeout)
			}
		})
	}
}

func TestCancelEndsFetchPromptly(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	s := newSource(t, Options{URL: srv.URL, Timeout: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := s.Fetch(ctx); errc <- err }()
	<-started
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v must wrap context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Fetch did not return after cancel")
	}
}

func TestRejectedRecordsAreCounted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"deployments": [
			{"id": "ok-1", "finished_at": "2026-11-20T14:03:00Z"},
			{"id": "bad", "finished_at": "yesterday"},
			{"id": "bad-2"},
			{"id": "ok-2", "finished_at": "2026-11-20T15:03:00Z"}]}`)
	}))
	defer srv.Close()
	res, err := fetch(t, newSource(t, Options{URL: srv.URL}))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Batch.Deployments) != 2 || res.Rejected != 2 {
		t.Errorf("%d kept, %d rejected; want 2 and 2", len(res.Batch.Deployments), res.Rejected)
	}
	if want := `deployments[1].finished_at: not an RFC 3339 timestamp: "yesterday"`; res.FirstRejection != want {
		t.Errorf("first rejection %q, want %q", res.FirstRejection, want)
	}
}

func TestFormatFromURLPath(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"kind":"deployment","id":"a","finished_at":"2026-11-20T14:03:00Z"}`+"\n"+
			`{"kind":"incident","id":"b","started_at":"2026-11-20T14:03:00Z"}`+"\n")
	}))
	defer srv.Close()
	tests := []struct {
		path   string
		format sources.Format
		ok     bool
	}{
		{"/export.ndjson", sources.FormatAuto, true},
		{"/export.jsonl?since=1", sources.FormatAuto, true},
		{"/export", sources.FormatNDJSON, true},
		{"/export", sources.FormatAuto, false}, // JSON: two top-level values
	}
	for _, tt := range tests {
		res, err := fetch(t, newSource(t, Options{URL: srv.URL + tt.path, Format: tt.format}))
		if (err == nil) != tt.ok {
			t.Errorf("%s (%v): error %v, want ok=%v", tt.path, tt.format, err, tt.ok)
			continue
		}
		if tt.ok && (len(res.Batch.Deployments) != 1 || len(res.Batch.Incidents) != 1) {
			t.Errorf("%s: batch %+v", tt.path, res.Batch)
		}
	}
}

func TestConditionalRequests(t *testing.T) {
	tests := []struct {
		name      string
		validator string // response header
		condition string // request header that must echo it
		value     string
	}{
		{"ETag", "ETag", "If-None-Match", `"v1"`},
		{"Last-Modified", "Last-Modified", "If-Modified-Since", "Fri, 20 Nov 2026 12:00:00 GMT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var requests, notModified atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				if r.Header.Get(tt.condition) == tt.value {
					notModified.Add(1)
					w.WriteHeader(http.StatusNotModified)
					return
				}
				w.Header().Set(tt.validator, tt.value)
				fmt.Fprint(w, goodDoc)
			}))
			defer srv.Close()
			s := newSource(t, Options{URL: srv.URL})
			first, err := fetch(t, s)
			if err != nil || first.Unchanged || len(first.Batch.Deployments) != 2 {
				t.Fatalf("first fetch: %+v, %v", first, err)
			}
			second, err := fetch(t, s)
			if err != nil {
				t.Fatalf("second fetch: %v", err)
			}
			if !second.Unchanged || second.Batch != nil {
				t.Errorf("second fetch %+v, want Unchanged without batch", second)
			}
			if requests.Load() != 2 || notModified.Load() != 1 {
				t.Errorf("%d requests, %d answered 304; want 2 and 1", requests.Load(), notModified.Load())
			}
		})
	}
}

func TestValidatorsOfARejectedDocumentAreNotKept(t *testing.T) {
	var n atomic.Int32
	var conditional atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") != "" {
			conditional.Store(true)
		}
		w.Header().Set("ETag", `"bad"`)
		if n.Add(1) == 1 {
			fmt.Fprint(w, `{"deployments": [`)
			return
		}
		fmt.Fprint(w, goodDoc)
	}))
	defer srv.Close()
	s := newSource(t, Options{URL: srv.URL})
	if _, err := fetch(t, s); err == nil {
		t.Fatal("first fetch of a truncated document succeeded")
	}
	if res, err := fetch(t, s); err != nil || res.Unchanged {
		t.Fatalf("second fetch: %+v, %v", res, err)
	}
	if conditional.Load() {
		t.Error("sent If-None-Match for a document that failed to decode")
	}
}

func TestGzip(t *testing.T) {
	gzipped := func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			fmt.Fprint(w, `{"deployments": "client did not accept gzip"}`)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/json")
		gz := gzip.NewWriter(w)
		fmt.Fprint(gz, goodDoc)
		gz.Close()
	}
	srv := httptest.NewServer(http.HandlerFunc(gzipped))
	defer srv.Close()
	for _, headers := range []map[string]string{nil, {"Accept-Encoding": "gzip"}} {
		res, err := fetch(t, newSource(t, Options{URL: srv.URL, Headers: headers}))
		if err != nil {
			t.Errorf("headers %v: %v", headers, err)
			continue
		}
		if len(res.Batch.Deployments) != 2 || len(res.Batch.Incidents) != 1 {
			t.Errorf("headers %v: batch %+v", headers, res.Batch)
		}
	}
}

func TestRedirectLimit(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/hop/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		if n == 0 {
			fmt.Fprint(w, goodDoc)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tests := []struct {
		redirects int
		want      string // "" for success
	}{
		{0, ""},
		{5, ""},
		{6, "request failed: stopped after 5 redirects"},
	}
	for _, tt := range tests {
		_, err := fetch(t, newSource(t, Options{URL: fmt.Sprintf("%s/hop/%d", srv.URL, tt.redirects)}))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%d redirects: error %q, want %q", tt.redirects, got, tt.want)
		}
	}
}

func TestTLSWithCAFile(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, goodDoc)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake without the CA fails on purpose
	srv.StartTLS()
	defer srv.Close()
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}

	res, err := fetch(t, newSource(t, Options{URL: srv.URL, CAFile: caFile}))
	if err != nil {
		t.Fatalf("with the CA file: %v", err)
	}
	if len(res.Batch.Deployments) != 2 {
		t.Errorf("batch %+v", res.Batch)
	}
	_, err = fetch(t, newSource(t, Options{URL: srv.URL}))
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the CA file: error %v, want a certificate error", err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"unparsable url with secret", Options{URL: "https://user:hunter2secret@exa mple.com/%zz"}, `http source "x": url: not a valid URL (user info not shown`},
		{"relative url", Options{URL: "/export"}, `http source "x": url: "/export" is not an http:// or https:// URL`},
		{"ftp", Options{URL: "ftp://example.com/x"}, `http source "x": url: "ftp://example.com/x" is not an http:// or https:// URL`},
		{"no host", Options{URL: "https:///x"}, `http source "x": url: "https:///x" has no host`},
		{"negative timeout", Options{URL: "https://e.com", Timeout: -time.Second}, `http source "x": timeout: -1s is negative`},
		{"negative size", Options{URL: "https://e.com", MaxBytes: -1}, `http source "x": max_bytes: -1 is negative`},
		{"bad header name", Options{URL: "https://e.com", Headers: map[string]string{"X Bad": "v"}}, `http source "x": headers: "X Bad" is not a valid header name`},
		{"header injection", Options{URL: "https://e.com", Headers: map[string]string{"X-Api-Key": "a\r\nEvil: 1"}}, `http source "x": headers: header "X-Api-Key": the value must be one line without NUL`},
		{"missing CA file", Options{URL: "https://e.com", CAFile: filepath.Join(dir, "missing.pem")}, `http source "x": ca_file: cannot read ` + filepath.Join(dir, "missing.pem") + `: no such file or directory`},
		{"CA file without PEM", Options{URL: "https://e.com", CAFile: notPEM}, `http source "x": ca_file: ` + notPEM + ` holds no PEM certificate`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Name = "x"
			s, err := New(tt.o)
			if err == nil {
				t.Fatalf("New succeeded: %+v", s)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q, want prefix %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2secret") {
				t.Errorf("error %q leaks the URL's password", err)
			}
		})
	}
}

func TestTargetRedactsSecrets(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://example.com/api/export", "https://example.com/api/export"},
		{"https://user:pass@example.com/x", "https://REDACTED@example.com/x"},
		{"https://ghp_abcdef@example.com/x", "https://REDACTED@example.com/x"},
		{"https://example.com/x?since=7d&api_key=abc123&token=t0k", "https://example.com/x?api_key=REDACTED&since=7d&token=REDACTED"},
		{"https://example.com/x?since=7d&page=2", "https://example.com/x?since=7d&page=2"},
		{"https://example.com/x?X-Amz-Signature=ff00&sig=1#frag", "https://example.com/x?X-Amz-Signature=REDACTED&sig=REDACTED"},
	}
	for _, tt := range tests {
		s := newSource(t, Options{URL: tt.url})
		if got := s.Target(); got != tt.want {
			t.Errorf("Target(%s) = %s, want %s", tt.url, got, tt.want)
		}
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	const apiKey = "key-9f8e7d6c5b4a"
	const urlSecret = "qs-secret-0a1b2c"
	var sawToken atomic.Bool
	mux := http.NewServeMux()
	// Every endpoint echoes the request's credentials back.
	echo := func(r *http.Request) string {
		return "denied for " + r.Header.Get("Authorization") + " key " + r.Header.Get("X-Api-Key") + " url " + r.URL.RawQuery
	}
	mux.HandleFunc("/401", func(w http.ResponseWriter, r *http.Request) {
		sawToken.Store(r.Header.Get("Authorization") == "Bearer "+token)
		w.WriteHeader(401)
		fmt.Fprint(w, echo(r))
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(403)
		// Invisible characters inside the token must not hide it.
		fmt.Fprintf(w, "<p>%s\u200b%s</p>", token[:5], token[5:])
	})
	mux.HandleFunc("/long", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		// The token straddles the end of what is read for the excerpt.
		fmt.Fprint(w, strings.Repeat(" ", excerptBytes-5)+token+" tail")
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"deployments": [{"id": %q, "finished_at": %q}]}`, token, token)
	})
	mux.HandleFunc("/encoding", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "x-"+token)
		fmt.Fprint(w, "{}")
	})
	mux.HandleFunc("/badjson", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, token)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, path := range []string{"/401", "/html", "/long", "/json", "/encoding", "/badjson"} {
		s := newSource(t, Options{URL: srv.URL + path + "?access_token=" + urlSecret, BearerToken: token,
			Headers: map[string]string{"X-Api-Key": apiKey}})
		res, err := fetch(t, s)
		text := res.FirstRejection
		if err != nil {
			text += " " + err.Error()
		}
		if text == "" {
			t.Errorf("%s: neither an error nor a rejection", path)
		}
		for _, secret := range []string{token, token[:5], apiKey, urlSecret} {
			if strings.Contains(text, secret) || strings.Contains(s.Target(), secret) {
				t.Errorf("%s: secret %q leaked in %q (target %s)", path, secret, text, s.Target())
			}
		}
	}
	if !sawToken.Load() {
		t.Error("the server never saw the bearer token")
	}
}

func TestServerRecoversUnderThePoller(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 3 {
			w.WriteHeader(500)
			fmt.Fprint(w, "boom")
			return
		}
		fmt.Fprint(w, goodDoc)
	}))
	defer srv.Close()
	s := newSource(t, Options{URL: srv.URL})
	p := poller.New([]poller.Entry{{Source: s, Interval: time.Hour}}, poller.Options{MinBackoff: 5 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := p.Subscribe(ctx)
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	sawFailing := false
	timeout := time.After(10 * time.Second)
	for {
		var v *model.Version
		select {
		case v = <-ch:
		case <-timeout:
			t.Fatalf("no recovery; %d requests", n.Load())
		}
		st := v.Sources[0]
		if st.State == model.SourceFailing {
			sawFailing = true
			if st.Error != `HTTP 500 Internal Server Error: "boom"` {
				t.Errorf("failing status error %q", st.Error)
			}
		}
		if st.State == model.SourceOK {
			if len(v.Data.Deployments) != 2 || len(v.Data.Incidents) != 1 {
				t.Errorf("recovered data %+v", v.Data)
			}
			break
		}
	}
	if !sawFailing {
		t.Log("the failing versions were coalesced away (latest-only delivery)")
	}
	if n.Load() != 4 {
		t.Errorf("%d requests, want 4", n.Load())
	}
	cancel()
	<-done
}

func TestNoGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, goodDoc)
	}))
	s := newSource(t, Options{URL: srv.URL})
	for range 3 {
		if _, err := fetch(t, s); err != nil {
			t.Fatal(err)
		}
	}
	s.CloseIdleConnections()
	srv.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestExcerpt(t *testing.T) {
	secrets := []string{"tok-12345"}
	tests := []struct {
		name string
		in   string
		html bool
		cut  bool
		want string
	}{
		{"plain", "upstream timeout", false, false, "upstream timeout"},
		{"whitespace collapsed", " a \n\n b\t\tc ", false, false, "a b c"},
		{"control characters", "a\x00b\x1bc\x7fd", false, false, "a b c d"},
		{"invisible characters dropped", "a\u200bb\u202ec", false, false, "abc"},
		{"invalid UTF-8 dropped", "a\xffb", false, false, "ab"},
		{"secret redacted", "bad token tok-12345!", false, false, "bad token [REDACTED]!"},
		{"secret rejoined", "tok-\u200b12345", false, false, "[REDACTED]"},
		{"cut drops the tail", "error: tok-1234", false, true, "error:"},
		{"html", "<p>Hello&amp;<b>bye</b></p><script>var x = '<p>';</script>", true, false, "Hello& bye"},
		{"html comment", "a<!-- <b> -->b", true, false, "a b"},
		{"unclosed tag", "a<b", true, false, "a"},
		{"long", strings.Repeat("é", 100), false, false, strings.Repeat("é", 79) + "…"},
		{"exactly 80", strings.Repeat("x", 80), false, false, strings.Repeat("x", 80)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := excerpt(tt.in, tt.html, tt.cut, secrets); got != tt.want {
				t.Errorf("excerpt(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatSize(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{32 << 20, "32 MiB"},
		{1 << 10, "1 KiB"},
		{1536, "1.5 KiB"},
		{1000, "1000 bytes"},
		{1, "1 byte"},
		{3 << 30, "3 GiB"},
		{(1 << 20) + (1 << 18), "1.25 MiB"},
	}
	for _, tt := range tests {
		if got := formatSize(tt.n); got != tt.want {
			t.Errorf("formatSize(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestFetchWithInjectedClient(t *testing.T) {
	var used atomic.Bool
	client := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		used.Store(true)
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: nopCloser{bytes.NewReader([]byte(goodDoc))}, Request: r}, nil
	})}
	res, err := fetch(t, newSource(t, Options{URL: "https://example.invalid/x", Client: client}))
	if err != nil || !used.Load() || len(res.Batch.Deployments) != 2 {
		t.Errorf("injected client: used=%v, %+v, %v", used.Load(), res, err)
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }
