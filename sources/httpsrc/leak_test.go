package httpsrc

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// ghToken is shaped like a GitHub token: 40 characters, as in issue 8.
const ghToken = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"

// leak returns the longest piece of secret, of minSecretPrefix bytes or
// more, that text contains, or "".
func leak(text, secret string) string {
	for n := len(secret); n >= minSecretPrefix; n-- {
		for i := 0; i+n <= len(secret); i++ {
			if strings.Contains(text, secret[i:i+n]) {
				return secret[i : i+n]
			}
		}
	}
	return ""
}

// fetchText fetches once and returns everything the source lets out:
// error, first rejection and target.
func fetchText(t *testing.T, s *Source) string {
	t.Helper()
	res, err := fetch(t, s)
	text := res.FirstRejection + " | " + s.Target()
	if err != nil {
		text += " | " + err.Error()
	}
	return text
}

// TestEchoedTokenCutByTheDecoder is issue 8: a server echoes the
// Authorization header inside a value the decoder rejects and quotes cut
// to 40 bytes. Wherever the cut falls in the token, no 8 bytes of it may
// remain.
func TestEchoedTokenCutByTheDecoder(t *testing.T) {
	var pad atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := strings.Repeat("x", int(pad.Load())) + "nope " + r.Header.Get("Authorization")
		switch r.URL.Path {
		case "/status":
			fmt.Fprintf(w, `{"deployments": [{"id": "a", "finished_at": "2026-11-20T14:03:00Z", "status": %q}]}`, v)
		case "/kind.ndjson":
			fmt.Fprintf(w, "{\"kind\": %q}\n", v)
		case "/error":
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, v)
		default:
			fmt.Fprintf(w, `{"deployments": [{"id": "a", "finished_at": %q}]}`, v)
		}
	}))
	defer srv.Close()
	for _, path := range []string{"/finished_at", "/status", "/kind.ndjson", "/error"} {
		s := newSource(t, Options{URL: srv.URL + path, BearerToken: ghToken})
		sawRejection := false
		for p := range 90 {
			pad.Store(int32(p))
			text := fetchText(t, s)
			if l := leak(text, ghToken); l != "" {
				t.Fatalf("%s, cut %d bytes into the value: %q of the token leaked in %q", path, p, l, text)
			}
			sawRejection = sawRejection || strings.Contains(text, redactedMark)
		}
		if !sawRejection {
			t.Errorf("%s: no message ever showed %s: the test does not reach the redaction", path, redactedMark)
		}
	}
}

// TestEchoedSecretsOfEveryKind checks the prefix rule for the other
// secrets too: a password and a header credential, one with characters
// that strconv.Quote escapes.
func TestEchoedSecretsOfEveryKind(t *testing.T) {
	const password = `pa"ss\wo"rd-long`
	const apiKey = "k3y-0123456789-abcdef"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pw, _ := r.BasicAuth()
		v := strings.Repeat("y", 22) + pw + " " + r.Header.Get("X-Api-Key")
		fmt.Fprintf(w, `{"deployments": [{"id": "a", "finished_at": %q}, {"id": "b", "finished_at": %q}]}`, v, "z")
	}))
	defer srv.Close()
	u := strings.Replace(srv.URL, "://", `://bot:pa%22ss%5Cwo%22rd-long@`, 1)
	s := newSource(t, Options{URL: u, Headers: map[string]string{"X-Api-Key": apiKey}})
	text := fetchText(t, s)
	if !strings.Contains(text, redactedMark) {
		t.Fatalf("nothing redacted in %q", text)
	}
	for _, secret := range []string{password, `pa\"ss\\wo\"rd-long`, apiKey} {
		if l := leak(text, secret); l != "" {
			t.Errorf("%q of %q leaked in %q", l, secret, text)
		}
	}
}

func TestRedactSecretPrefixes(t *testing.T) {
	secrets := []string{ghToken, "short"}
	tests := []struct{ in, want string }{
		{`"nope Bearer ghp_A1b2C3d4E5f6G7h8I9j0K1l2"...`, `"nope Bearer [REDACTED]"...`},
		{"a " + ghToken + " b", "a [REDACTED] b"},
		{"ghp_A1b2 ghp_A1b2C", "[REDACTED] [REDACTED]"},
		{"ghp_A1b", "ghp_A1b"}, // 7 bytes: too short to tell from chance
		{"short shor", "[REDACTED] shor"},
		{"ghp_A1b2C3d4Z", "[REDACTED]Z"},
	}
	for _, tt := range tests {
		if got := redactSecrets(tt.in, secrets); got != tt.want {
			t.Errorf("redactSecrets(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestURLErrorsHideUserInfo is issue 9: a password with an unescaped '#',
// '/' or '?' must not reach a message, whatever url.Parse makes of it.
func TestURLErrorsHideUserInfo(t *testing.T) {
	for _, raw := range []string{
		"https://bot:s3cr#etPW@127.0.0.1:18443/x",
		"https://bot:s3cr/etPW@127.0.0.1:18443/x",
		"https://bot:s3cr?etPW@127.0.0.1:18443/x",
		"https://bot:/s3cretPW@127.0.0.1/x",
		"https://bot:1234/etPW@127.0.0.1/x",
		"https://bot:1234?etPW@127.0.0.1/x",
		"https://bot#s3cretPW@127.0.0.1/x",
		"https://bot:s3cr@etPW@exa mple.com/x",
		"ftp://bot:s3cr@etPW@127.0.0.1/x",
		"https://bot:s3cr@etPW@/x",
	} {
		s, err := New(Options{Name: "x", URL: raw})
		if err == nil {
			t.Errorf("%s: accepted, target %s", raw, s.Target())
			continue
		}
		for _, piece := range []string{"bot", "s3cr", "etPW"} {
			if strings.Contains(err.Error(), piece) {
				t.Errorf("%s: error %q shows %q", raw, err, piece)
			}
		}
		if !strings.HasPrefix(err.Error(), `http source "x": url: `) {
			t.Errorf("%s: error %q", raw, err)
		}
	}
	// '@' in a query is fine when no port could be a cut password.
	if _, err := ParseURL("https://example.com/x?author=me@example.com"); err != nil {
		t.Errorf("'@' in the query: %v", err)
	}
}

func TestParseURLErrors(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"http://[::1", "not a valid URL: missing ']' in host"},
		{"https:///x", `"https:///x" has no host`},
		{"ftp://user:pw@h/x?token=1", `"ftp://…@h/x?…" is not an http:// or https:// URL`},
		{"ftp://h/" + ghToken + "/x", `"ftp://h/REDACTED/x" is not an http:// or https:// URL`},
		{"https://bot:s3cr#etPW@h:1/x", "not a valid URL (user info not shown; percent-encode"},
		{"https://bot:/s3cretPW@h/x", `"https://…@h/x" has an '@' outside its user info; percent-encode`},
	}
	for _, tt := range tests {
		_, err := ParseURL(tt.raw)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("ParseURL(%q) = %v, want prefix %q", tt.raw, err, tt.want)
		}
	}
}

// TestTargetRedactsTokens is the second half of issue 9: path segments and
// query values that look like tokens are REDACTED in Target and in
// messages, whatever their names.
func TestTargetRedactsTokens(t *testing.T) {
	const glpat = "glpat-AbCdEf123456789xyz"
	const hexSig = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	const b64 = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg"
	tests := []struct{ url, want string }{
		{"https://h/api/" + ghToken + "/deploys.ndjson", "https://h/api/REDACTED/deploys.ndjson"},
		{"https://h/x?since=7d&access=" + glpat + "&s=" + hexSig, "https://h/x?access=REDACTED&s=REDACTED&since=7d"},
		{"https://h/hooks/" + b64 + "?page=2", "https://h/hooks/REDACTED?page=2"},
		{"https://h/x?" + ghToken, "https://h/x?REDACTED="},
		// Names, dates and UUIDs are not tokens.
		{"https://h/deployments-2026-11-20.ndjson?team=payments-platform-team", "https://h/deployments-2026-11-20.ndjson?team=payments-platform-team"},
		{"https://h/projects/550e8400-e29b-41d4-a716-446655440000/export", "https://h/projects/550e8400-e29b-41d4-a716-446655440000/export"},
		{"https://h/averyveryverylongname2026/sk-payments", "https://h/averyveryverylongname2026/sk-payments"},
	}
	for _, tt := range tests {
		s := newSource(t, Options{URL: tt.url})
		if got := s.Target(); got != tt.want {
			t.Errorf("Target(%s) = %s, want %s", tt.url, got, tt.want)
		}
	}

	// A server that echoes its URL in an error does not show the tokens either.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "no such thing: "+r.URL.String())
	}))
	defer srv.Close()
	s := newSource(t, Options{URL: srv.URL + "/api/" + ghToken + "/d?x=" + glpat})
	text := fetchText(t, s)
	for _, secret := range []string{ghToken, glpat} {
		if l := leak(text, secret); l != "" {
			t.Errorf("%q leaked in %q", l, text)
		}
	}
	if !strings.Contains(text, "no such thing") {
		t.Errorf("text %q lacks the server's message", text)
	}
}

// TestNotModifiedWithoutValidator is issue 11: a 304 to a request that sent
// no validator of ours is a failed poll, not an empty success; a validator
// set by hand in Headers does not count, since no data stands behind it.
func TestNotModifiedWithoutValidator(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotModified)
	}))
	defer srv.Close()
	for _, h := range []map[string]string{nil, {"If-None-Match": `"v1"`}} {
		s := newSource(t, Options{URL: srv.URL, Headers: h})
		res, err := fetch(t, s)
		if err == nil || !strings.Contains(err.Error(), "304") {
			t.Errorf("headers %v: result %+v, error %v; want a failed poll", h, res, err)
		}
	}
}

func TestLooksLikeToken(t *testing.T) {
	for _, s := range []string{ghToken, "glpat-AbCdEf123456789xyz", "xoxb-1234567890-abcdefghij",
		"sk_live_4eC39HqLyjWDarjtT1zdp7dc", "AKIAIOSFODNN7EXAMPLE1", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg",
		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc123"} {
		if !looksLikeToken(s) {
			t.Errorf("looksLikeToken(%q) = false", s)
		}
	}
	for _, s := range []string{"deploys.ndjson", "deployments-2026-11-20.ndjson", "550e8400-e29b-41d4-a716-446655440000",
		"averyveryverylongname2026", "sk-payments", "ghp_short", "payments-platform-team", "2026-11-20T14:03:00Z",
		"aaaaaaaaaaaaaaaaaaaaaaaa1111", "v1/projects/12345/deployments"} {
		if looksLikeToken(s) {
			t.Errorf("looksLikeToken(%q) = true", s)
		}
	}
}
