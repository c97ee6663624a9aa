// Package incidentio is the `incidentio` source of SPEC §8.5: incidents
// read from incident.io's v2 API with the engine of sources/apisrc.
package incidentio

import (
	"time"

	"doradash/sources/apisrc"
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
	// Started, Detected, Acknowledged and Resolved name the incident
	// timestamps read (keys started, detected, acknowledged, resolved);
	// "": the defaults above.
	Started, Detected, Acknowledged, Resolved string
	// ServiceField names the custom field holding the service; "": none.
	ServiceField string
	// Access: an empty APIURL is DefaultAPIURL, a zero History MinHistory.
	apisrc.Access
}

// Validate checks the options and fills defaults; its errors start with
// the key at fault.
func (o *Options) Validate() error {
	if err := o.Access.Validate(DefaultAPIURL, MinHistory); err != nil {
		return err
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
	return nil
}
