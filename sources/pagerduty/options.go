// Package pagerduty is the `pagerduty` source of SPEC §8.4: incidents
// read from PagerDuty's REST API v2 with the engine of sources/apisrc.
package pagerduty

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"doradash/sources/apisrc"
	"doradash/sources/httpsrc"
)

// Defaults of SPEC §8.4.
const (
	DefaultAPIURL = "https://api.pagerduty.com"
	// MinHistory is the shortest default history (SPEC §8.1).
	MinHistory = 180 * 24 * time.Hour
)

// Options configures a PagerDuty source; the cmd package fills it from the
// configuration, then calls Validate.
type Options struct {
	Name string
	// ServiceIDs, when set, reads only these services' incidents.
	ServiceIDs []string
	// SeverityFrom is "priority" (default: the priority's name when the
	// incident has one, else the urgency) or "urgency".
	SeverityFrom string
	// APIURL is the API's base; "": DefaultAPIURL. EU accounts:
	// "https://api.eu.pagerduty.com".
	APIURL string
	// Token is a REST API key; cmd reads it from token_env.
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
	// Now is the end of the window (now, or --now); history counts back
	// from it. nil: time.Now.
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
	for i, id := range o.ServiceIDs {
		if id == "" || strings.TrimSpace(id) != id || strings.ContainsAny(id, "/?#&") {
			return fmt.Errorf("service_ids: element %d, %q, is not a PagerDuty service id", i+1, id)
		}
	}
	switch o.SeverityFrom {
	case "":
		o.SeverityFrom = "priority"
	case "priority", "urgency":
	default:
		return fmt.Errorf("severity_from: %q is not priority or urgency", o.SeverityFrom)
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
