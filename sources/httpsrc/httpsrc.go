// Package httpsrc is the `http` source of SPEC §7: it GETs a URL that
// serves the native JSON or NDJSON format, with conditional requests,
// compression, a size limit, a whole-request timeout and secrets kept out
// of every message.
package httpsrc

import (
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"doradash/sources"
)

// Defaults of the http source (SPEC §7).
const (
	DefaultTimeout   = 10 * time.Second
	DefaultMaxBytes  = 32 << 20 // 32 MiB
	DefaultUserAgent = "doradash"
	// MaxRedirects is how many redirects one request follows.
	MaxRedirects = 5
)

// excerptBytes is how much of a non-2xx body is read for its excerpt;
// excerptRunes is how long the excerpt may be.
const (
	excerptBytes = 4 << 10
	excerptRunes = 80
)

// Options configures an HTTP source; the cmd package fills it from the config.
type Options struct {
	Name, URL string
	// Format of the body; FormatAuto decides by the URL path's extension
	// (.ndjson, .jsonl), else JSON.
	Format sources.Format
	// Timeout covers the whole request: connecting, redirects, headers and
	// reading the body. 0: DefaultTimeout.
	Timeout time.Duration
	// MaxBytes limits the (decompressed) body. 0: DefaultMaxBytes.
	MaxBytes int64
	// Headers are sent with every request. Values of headers whose names
	// suggest a secret are kept out of messages like BearerToken, and,
	// like it, are not sent on once a redirect leaves the URL's origin.
	Headers map[string]string
	// BearerToken is sent as `Authorization: Bearer <token>`; cmd reads it
	// from the variable named by bearer_token_env. It never appears in
	// Target or in any error, even when the server echoes it back.
	BearerToken string
	// CAFile is an optional PEM file whose certificates are trusted in
	// addition to the system pool.
	CAFile string
	// UserAgent is sent as User-Agent, e.g. "doradash/1.2.0". "": DefaultUserAgent.
	UserAgent string
	// Client, when set, is used as is (tests); nil builds one from the
	// options, with the redirect policy of checkRedirect and the CA file.
	Client *http.Client
}

// Source is an HTTP source. It implements sources.Source.
//
// Concurrency: Name, Type and Target may be called at any time. Fetch is
// meant to be called by one goroutine at a time (the poller guarantees
// this); it is nevertheless safe to call concurrently. Fetch returns
// promptly when its ctx is cancelled, with an error wrapping ctx.Err(), and
// leaves no goroutine behind except idle keep-alive connections, which
// CloseIdleConnections ends (the poller calls it when Run returns).
type Source struct {
	name     string
	url      string
	target   string
	format   sources.Format
	timeout  time.Duration
	maxBytes int64
	header   http.Header
	host     string // a "Host" entry of Headers, sent as the request's Host
	client   *http.Client
	secrets  []string // redacted from every message, longest first

	mu           sync.Mutex // guards the validators below
	etag         string
	lastModified string
}

// errUnaskedNotModified fails a poll answered 304 although it sent no
// validator: there is no earlier data that the answer could stand for.
var errUnaskedNotModified = errors.New("HTTP 304 Not Modified to a request without If-None-Match or If-Modified-Since")

// errTooManyRedirects ends a request after MaxRedirects redirects.
var errTooManyRedirects = fmt.Errorf("stopped after %d redirects", MaxRedirects)

// New checks o (see Options.Validate) and returns the source. Its errors
// never contain the URL's secrets or the token.
func New(o Options) (*Source, error) {
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("http source %q: %w", o.Name, err)
	}
	u, _ := ParseURL(o.URL) // checked by Validate
	s := &Source{
		name:     o.Name,
		url:      o.URL,
		target:   redactURL(u),
		format:   sources.FormatFor(o.Format, u.Path),
		timeout:  o.Timeout,
		maxBytes: o.MaxBytes,
		header:   http.Header{},
		client:   o.Client,
	}

	var secrets []string
	if u.User != nil {
		secrets = append(secrets, u.User.Username())
		if pw, ok := u.User.Password(); ok {
			secrets = append(secrets, pw)
		}
	}
	for k, vs := range u.Query() {
		if secretName(k) {
			secrets = append(secrets, vs...)
		}
	}
	secrets = append(secrets, tokenLike(u)...)

	s.header.Set("User-Agent", o.UserAgent)
	for k, v := range o.Headers { // names and values checked by Validate
		if strings.EqualFold(k, "Host") {
			s.host = v
			continue
		}
		s.header.Set(k, v)
		if secretHeader(k) {
			secrets = append(secrets, v)
			if _, cred, ok := strings.Cut(v, " "); ok {
				secrets = append(secrets, strings.TrimSpace(cred))
			}
		}
	}
	if o.BearerToken != "" {
		s.header.Set("Authorization", "Bearer "+o.BearerToken)
	}
	s.secrets = prepareSecrets(o.BearerToken, secrets)

	if s.client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		if o.CAFile != "" {
			pool, err := loadCAFile(o.CAFile)
			if err != nil {
				return nil, fmt.Errorf("http source %q: %w", o.Name, err)
			}
			tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
		s.client = &http.Client{Transport: tr, CheckRedirect: checkRedirect}
	}
	return s, nil
}

// errDowngrade refuses a redirect from https to http, which would send the
// request, its credentials included, in clear.
var errDowngrade = errors.New("refusing redirect from https to http")

// checkRedirect is the client's redirect policy: at most MaxRedirects
// redirects, none from https to http, and credentials only for the origin
// they were configured for. The client copies the first request's headers
// to every redirect and drops Authorization and Cookie only when the host
// name changes, not the scheme or port, and never drops headers such as
// X-Api-Key; so once the chain has left the first request's origin
// (scheme, host and port), Authorization, Cookie and every header whose
// name suggests a secret are removed, for the rest of the chain. The
// Referer, which could carry the previous URL's query secrets, is never
// sent.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects {
		return errTooManyRedirects
	}
	if len(via) > 0 && via[len(via)-1].URL.Scheme == "https" && req.URL.Scheme == "http" {
		return errDowngrade
	}
	req.Header.Del("Referer")
	if len(via) == 0 {
		return nil
	}
	first := origin(via[0].URL)
	left := origin(req.URL) != first
	for _, r := range via[1:] {
		left = left || origin(r.URL) != first
	}
	if left {
		for name := range req.Header {
			if secretHeader(name) {
				delete(req.Header, name)
			}
		}
		req.Header.Del("Authorization")
		req.Header.Del("Cookie")
	}
	return nil
}

// origin returns u's scheme, host and port (the scheme's default when not
// given) as "https://example.com:443".
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// loadCAFile returns the system pool plus the certificates of the PEM file.
func loadCAFile(path string) (*x509.CertPool, error) {
	pem, err := readCAFile(path)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	pool.AppendCertsFromPEM(pem)
	return pool, nil
}

// Name returns the source's configured name.
func (s *Source) Name() string { return s.name }

// Type returns "http".
func (s *Source) Type() string { return "http" }

// Target returns the URL with any userinfo and secret-looking query values
// replaced by REDACTED.
func (s *Source) Target() string { return s.target }

// CloseIdleConnections closes the source's idle keep-alive connections,
// ending their goroutines. Fetch may still be called afterwards.
func (s *Source) CloseIdleConnections() { s.client.CloseIdleConnections() }

// Fetch GETs the URL once (see sources.Source). A 304 answer to a
// conditional request is Unchanged, to any other request an error; any other non-2xx status, a body over
// the size limit, a timeout or a body the decoder rejects as a whole is an
// error. Records rejected one by one are counted in the Result.
func (s *Source) Fetch(ctx context.Context) (sources.Result, error) {
	res, err := s.fetch(ctx)
	if err != nil {
		return sources.Result{}, s.redactErr(err)
	}
	res.FirstRejection = s.redact(res.FirstRejection)
	return res, nil
}

func (s *Source) fetch(ctx context.Context) (sources.Result, error) {
	rctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	// The URL was checked by New, so this cannot fail on it.
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, s.url, nil)
	if err != nil {
		return sources.Result{}, errors.New("build request: invalid url")
	}
	req.Header = s.header.Clone()
	if s.host != "" {
		req.Host = s.host
	}
	s.mu.Lock()
	if s.etag != "" {
		req.Header.Set("If-None-Match", s.etag)
	}
	if s.lastModified != "" {
		req.Header.Set("If-Modified-Since", s.lastModified)
	}
	// Only our own validators, those of data that was decoded and handed
	// on, make a 304 mean "keep what you have".
	conditional := s.etag != "" || s.lastModified != ""
	s.mu.Unlock()

	resp, err := s.client.Do(req)
	if err != nil {
		return sources.Result{}, s.cutShort(ctx, rctx, "request failed", err)
	}
	defer resp.Body.Close()

	switch {
	case resp.StatusCode == http.StatusNotModified && conditional:
		return sources.Result{Unchanged: true}, nil
	case resp.StatusCode == http.StatusNotModified:
		return sources.Result{}, errUnaskedNotModified
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return sources.Result{}, s.statusError(ctx, rctx, resp)
	}

	body, err := s.bodyReader(resp)
	if tooLarge := (errTooLarge{}); errors.As(err, &tooLarge) {
		return sources.Result{}, tooLarge
	} else if err != nil {
		return sources.Result{}, s.cutShort(ctx, rctx, "read response body", err)
	}
	defer body.Close()
	// The decoder streams: the body is never held in memory as a whole.
	batch, rej, err := sources.Decode(body, s.format)
	if err != nil {
		var tooLarge errTooLarge
		switch {
		case errors.As(err, &tooLarge):
			return sources.Result{}, tooLarge
		case body.readErr != nil:
			return sources.Result{}, s.cutShort(ctx, rctx, "read response body", body.readErr)
		}
		if mt := mediaType(resp); unexpectedType(mt) {
			return sources.Result{}, fmt.Errorf("decode response (Content-Type %s): %w", mt, err)
		}
		return sources.Result{}, fmt.Errorf("decode response: %w", err)
	}
	// Remember the validators only of data that decoded, so a 304 never
	// stands for a document that was rejected.
	s.mu.Lock()
	s.etag = resp.Header.Get("ETag")
	s.lastModified = resp.Header.Get("Last-Modified")
	s.mu.Unlock()
	return sources.Result{Batch: batch, Rejected: rej.Count, FirstRejection: rej.First}, nil
}

// cutShort words an error of the request or body: cancellation by the
// caller, the timeout, or the cause (without the URL that url.Error adds).
func (s *Source) cutShort(ctx, rctx context.Context, doing string, err error) error {
	if ctx.Err() != nil {
		return &causeError{msg: doing + ": cancelled", err: ctx.Err()}
	}
	if errors.Is(rctx.Err(), context.DeadlineExceeded) {
		return &causeError{msg: fmt.Sprintf("%s: timed out after %v", doing, s.timeout), err: context.DeadlineExceeded}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// causeError is an error with its own wording that still unwraps to its
// cause (context.Canceled, context.DeadlineExceeded, or the original error
// of a redacted message), so errors.Is keeps working.
type causeError struct {
	msg string
	err error
}

func (e *causeError) Error() string { return e.msg }
func (e *causeError) Unwrap() error { return e.err }

// errTooLarge is the error of a body over the limit.
type errTooLarge struct{ limit int64 }

func (e errTooLarge) Error() string { return "response larger than " + formatSize(e.limit) }

// body is a response body as the decoder reads it: decompressed when
// needed, cut off with errTooLarge once it passes the limit, and keeping
// the first read error so it is reported as such, not as a decoding error.
type body struct {
	r       io.Reader
	gz      *gzip.Reader // nil when not decompressing here
	left    int64        // bytes that may still be read
	limit   int64
	readErr error // first error other than io.EOF and errTooLarge
}

func (b *body) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// At the limit: one more byte means the body is too large.
		var one [1]byte
		n, err := b.r.Read(one[:])
		if n > 0 {
			return 0, errTooLarge{b.limit}
		}
		return 0, b.note(err)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, b.note(err)
}

func (b *body) note(err error) error {
	if err != nil && err != io.EOF && b.readErr == nil {
		b.readErr = err
	}
	return err
}

// Close releases the gzip reader; the response body is closed by Fetch.
func (b *body) Close() error {
	if b.gz != nil {
		return b.gz.Close()
	}
	return nil
}

// bodyReader prepares resp's body for decoding. Gzip that the transport
// left compressed (Headers asked for an encoding themselves) is
// decompressed here; the limit applies to the decompressed size, and an
// uncompressed body that announces a size over the limit fails at once.
func (s *Source) bodyReader(resp *http.Response) (*body, error) {
	b := &body{r: resp.Body, left: s.maxBytes, limit: s.maxBytes}
	raw := strings.TrimSpace(resp.Header.Get("Content-Encoding"))
	switch enc := strings.ToLower(raw); {
	case resp.Uncompressed || enc == "" || enc == "identity":
		if resp.ContentLength > s.maxBytes {
			return nil, errTooLarge{s.maxBytes}
		}
	case enc == "gzip" || enc == "x-gzip":
		gz, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		b.gz, b.r = gz, gz
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q", raw)
	}
	return b, nil
}

// statusError words a non-2xx answer: the status and an excerpt of the body.
func (s *Source) statusError(ctx, rctx context.Context, resp *http.Response) error {
	msg := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if text := http.StatusText(resp.StatusCode); text != "" {
		msg += " " + text
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, excerptBytes))
	if err != nil && len(b) == 0 && (ctx.Err() != nil || rctx.Err() != nil) {
		return fmt.Errorf("%s: %w", msg, s.cutShort(ctx, rctx, "read response body", err))
	}
	mt := mediaType(resp)
	ex := excerpt(string(b), mt == "text/html" || mt == "application/xhtml+xml", len(b) == excerptBytes, s.secrets)
	if ex == "" {
		return errors.New(msg)
	}
	return fmt.Errorf("%s: %q", msg, ex)
}

// unexpectedType reports whether a body of media type mt is worth naming
// when it does not decode: HTML from a login page or proxy, XML and the
// like. JSON types, text/plain and the absence of a type are common for
// JSON APIs and say nothing.
func unexpectedType(mt string) bool {
	switch {
	case mt == "", mt == "text/plain", mt == "application/octet-stream", strings.Contains(mt, "json"):
		return false
	}
	return true
}

// mediaType returns the response's media type, lower case, or "".
func mediaType(resp *http.Response) string {
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return mt
}

func (s *Source) redactErr(err error) error {
	msg := err.Error()
	if r := s.redact(msg); r != msg {
		return &causeError{msg: r, err: err}
	}
	return err
}

func (s *Source) redact(text string) string { return redactSecrets(text, s.secrets) }

// minSniffedSecret is the shortest value, among those only guessed to be
// secret by their name, that is redacted; shorter ones ("1", "yes") would
// only garble messages.
const minSniffedSecret = 4

// prepareSecrets returns the token (always, when set) and the guessed
// secrets of at least minSniffedSecret bytes, without duplicates, longest
// first so a secret that contains another is removed whole.
func prepareSecrets(token string, guessed []string) []string {
	seen := map[string]bool{}
	var out []string
	if token != "" {
		seen[token] = true
		out = append(out, token)
	}
	for _, v := range guessed {
		if len(v) < minSniffedSecret || seen[v] {
			continue
		}
		seen[v] = true
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}
