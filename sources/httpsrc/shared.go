package httpsrc

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"
)

// This file exports the hardened pieces of the http source for the API
// sources (sources/apisrc), so that every source that speaks HTTP shares one
// redirect policy, one size limit, one way of wording errors and one way of
// keeping secrets out of messages.

// NewClient returns an HTTP client with the http source's redirect policy
// (at most MaxRedirects, no https→http, credentials dropped once a redirect
// leaves the first origin) and, when caFile is set, its certificates
// trusted in addition to the system pool. The client sets no timeout: the
// caller bounds each request with its context.
func NewClient(caFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if caFile != "" {
		pool, err := loadCAFile(caFile)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, CheckRedirect: checkRedirect}, nil
}

// ErrTooLarge is matched (errors.As) by the error of a body over its limit.
type ErrTooLarge = errTooLarge

// ReadBody reads resp's body whole, decompressing gzip the transport left
// compressed, and fails once the decompressed size passes maxBytes. ctx is
// the caller's context and rctx the request's (with its timeout): a read
// cut short by either is worded as cancelled or timed out after timeout.
func ReadBody(ctx, rctx context.Context, resp *http.Response, maxBytes int64, timeout time.Duration) ([]byte, error) {
	s := &Source{maxBytes: maxBytes, timeout: timeout}
	b, err := s.bodyReader(resp)
	if tooLarge := (errTooLarge{}); errors.As(err, &tooLarge) {
		return nil, tooLarge
	} else if err != nil {
		return nil, s.cutShort(ctx, rctx, "read response body", err)
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	if err != nil {
		var tooLarge errTooLarge
		if errors.As(err, &tooLarge) {
			return nil, tooLarge
		}
		return nil, s.cutShort(ctx, rctx, "read response body", err)
	}
	return data, nil
}

// RequestError words an error of client.Do: cancellation by the caller
// (wrapping ctx.Err()), the request's timeout (wrapping
// context.DeadlineExceeded) or the cause without the URL that url.Error
// adds.
func RequestError(ctx, rctx context.Context, err error, timeout time.Duration) error {
	s := &Source{timeout: timeout}
	return s.cutShort(ctx, rctx, "request failed", err)
}

// StatusError words a non-2xx answer as the http source does: the status
// and a short printable excerpt of the body with secrets redacted.
func StatusError(ctx, rctx context.Context, resp *http.Response, secrets []string) error {
	s := &Source{secrets: secrets}
	return s.statusError(ctx, rctx, resp)
}

// Excerpt is the one-line, printable, redacted start of an error body.
func Excerpt(body []byte, secrets []string) string {
	n := min(len(body), excerptBytes)
	return excerpt(string(body[:n]), false, len(body) > n, secrets)
}

// Secrets returns the values to redact from messages: the token, values
// of headers whose names suggest a credential, and the userinfo and
// secret-looking query values of u (nil: none), longest first.
func Secrets(token string, headers map[string]string, u *url.URL) []string {
	var guessed []string
	if u != nil {
		if u.User != nil {
			guessed = append(guessed, u.User.Username())
			if pw, ok := u.User.Password(); ok {
				guessed = append(guessed, pw)
			}
		}
		for k, vs := range u.Query() {
			if secretName(k) {
				guessed = append(guessed, vs...)
			}
		}
	}
	for k, v := range headers {
		if secretHeader(k) {
			guessed = append(guessed, v)
			if _, cred, ok := cutSpace(v); ok {
				guessed = append(guessed, cred)
			}
		}
	}
	return prepareSecrets(token, guessed)
}

// Redact replaces every secret in text.
func Redact(text string, secrets []string) string { return redactSecrets(text, secrets) }

// RedactURL returns u without secrets, as Target shows it.
func RedactURL(u *url.URL) string { return redactURL(u) }

// SecretHeader reports whether a header's value is treated as a credential.
func SecretHeader(name string) bool { return secretHeader(name) }

// ValidHeaderName reports whether name is an RFC 9110 token.
func ValidHeaderName(name string) bool { return validHeaderName(name) }

// CauseError is an error with its own wording that unwraps to cause.
func CauseError(msg string, cause error) error { return &causeError{msg: msg, err: cause} }

// cutSpace splits "Scheme credentials" at the first space.
func cutSpace(v string) (before, after string, ok bool) {
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' {
			after = v[i+1:]
			for len(after) > 0 && after[0] == ' ' {
				after = after[1:]
			}
			return v[:i], after, after != ""
		}
	}
	return v, "", false
}
