package apisrc

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"doradash/sources/httpsrc"
)

// Access is what every vendor API source (github, gitlab, pagerduty,
// incidentio) is configured with besides its own keys: where the API is,
// the token, how far back to read, the request options shared with the
// http source and the process's clock, cache and pacing. Each vendor's
// Options embeds it.
type Access struct {
	// Name is the source's name, for messages.
	Name string
	// APIURL is the API's base; "": the vendor's default.
	APIURL string
	// Token is the API token; cmd reads it from token_env.
	Token string
	// History is how far back before now records are read; 0: the
	// vendor's minimum (cmd passes twice the window, at least that).
	History time.Duration
	// Timeout and MaxBytes apply to each request; CAFile and Headers as
	// for the http source.
	Timeout  time.Duration
	MaxBytes int64
	CAFile   string
	Headers  map[string]string
	// UserAgent is "doradash/VERSION".
	UserAgent string
	// Now is the end of the window (now, or --now); history counts back
	// from it. nil: time.Now.
	Now func() time.Time
	// Clock paces requests and waits for rate limits; nil: the real clock.
	Clock Clock
	// Cache is shared by the process's API sources; nil: memory only.
	Cache *Cache
	// MaxWait is the longest rate-limit reset one Fetch waits for; 0:
	// DefaultMaxWait.
	MaxWait time.Duration
	// HTTPClient replaces the hardened client (tests).
	HTTPClient *http.Client
}

// Validate checks the shared options and fills their defaults (the
// vendor's API base and minimum history, the real clock); its errors
// start with the configuration key at fault.
func (a *Access) Validate(defaultAPIURL string, minHistory time.Duration) error {
	switch {
	case a.Token == "":
		return errors.New("token_env: the token is empty")
	case a.History < 0:
		return fmt.Errorf("history: %v is negative", a.History)
	}
	if err := httpsrc.CheckRequestOptions(a.Timeout, a.MaxBytes, a.CAFile, a.Headers); err != nil {
		return err
	}
	if a.APIURL != "" {
		if err := httpsrc.CheckURL("api_url", a.APIURL); err != nil {
			return err
		}
	}
	if a.APIURL == "" {
		a.APIURL = defaultAPIURL
	}
	if a.History == 0 {
		a.History = minHistory
	}
	if a.Now == nil {
		a.Now = time.Now
	}
	return nil
}

// Client makes the source's client: the configured headers, then the
// vendor's own (auth, Accept, version) over them, paced and rate-limited
// by rate.
func (a *Access) Client(rate RateHeaders, vendor http.Header) (*Client, error) {
	h := http.Header{}
	for k, v := range a.Headers {
		h.Set(k, v)
	}
	for k, v := range vendor {
		h[k] = v
	}
	return New(Options{
		Name: a.Name, BaseURL: a.APIURL, Header: h, Token: a.Token,
		Timeout: a.Timeout, MaxBytes: a.MaxBytes, CAFile: a.CAFile, UserAgent: a.UserAgent,
		Rate: rate, MaxWait: a.MaxWait, Cache: a.Cache, Clock: a.Clock,
		HTTPClient: a.HTTPClient,
	})
}
