// Package incidentio is the `incidentio` source of SPEC §8.5: incidents
// read from incident.io's v2 API with the engine of sources/apisrc.
package incidentio

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"doradash/sources/apisrc"
	"doradash/sources/httpsrc"
)

// Defaults of SPEC §8.5.
const (
	DefaultAPIURL = "https://api.incident.io"
	// MinHistory is the shortest default history (SPEC §8.1).
	MinHistory          = 180 * 24 * time.Hour
	DefaultStarted      = "Impact started at"
	DefaultDetected     = "Reported at"
	DefaultAcknowledged = "Accepted at"
	DefaultResolved     = "Resolved at"
)

// Options configures an incident.io source; the cmd package fills it from
// the configuration, then calls Validate.
type Options struct {
	Name string
	// Started, Detected, Acknowledged and Resolved name the incident
	// timestamps read (keys started, detected, acknowledged, resolved);
	// "": the defaults above.
	Started, Detected, Acknowledged, Resolved string
	// ServiceField names the custom field holding the service; "": none.
	ServiceField string
	// APIURL is the API's base; "": DefaultAPIURL.
	APIURL string
	// Token is an API key; cmd reads it from token_env.
	Token string
	// History is how far back before now incidents are read; 0:
	// MinHistory (cmd passes twice the window, at least MinHistory).
	History time.Duration
	// Timeout and MaxBytes apply to each request; CAFile and Headers as
	// for the http source.
	Timeout  time.Duration
	MaxBytes int64
	CAFile   string
	Headers  map[string]string
	// UserAgent is "doradash/VERSION".
	UserAgent string
	// Now is the end of the window (now, or --now). nil: time.Now.
	Now func() time.Time
	// Clock paces requests and waits for rate limits; nil: the real clock.
	Clock apisrc.Clock
	// Cache is shared by the process's API sources; nil: memory only.
	Cache *apisrc.Cache
	// MaxWait is the longest rate-limit reset one Fetch waits for; 0:
	// apisrc.DefaultMaxWait.
	MaxWait time.Duration
	// HTTPClient replaces the hardened client (tests).
	HTTPClient *http.Client
}

// Validate checks the options and fills defaults; its errors start with
// the key at fault.
func (o *Options) Validate() error {
	switch {
	case o.Token == "":
		return errors.New("token_env: the token is empty")
	case o.History < 0:
		return fmt.Errorf("history: %v is negative", o.History)
	}
	if err := httpsrc.CheckRequestOptions(o.Timeout, o.MaxBytes, o.CAFile, o.Headers); err != nil {
		return err
	}
	if o.APIURL != "" {
		if err := httpsrc.CheckURL("api_url", o.APIURL); err != nil {
			return err
		}
	}
	for _, k := range []struct {
		key string
		v   *string
		def string
	}{{"started", &o.Started, DefaultStarted}, {"detected", &o.Detected, DefaultDetected},
		{"acknowledged", &o.Acknowledged, DefaultAcknowledged}, {"resolved", &o.Resolved, DefaultResolved}} {
		if *k.v == "" {
			*k.v = k.def
		}
	}
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
	}
	if o.History == 0 {
		o.History = MinHistory
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}
