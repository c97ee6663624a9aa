// Package pagerduty is the `pagerduty` source of SPEC §8.4: incidents
// read from PagerDuty's REST API v2 with the engine of sources/apisrc.
package pagerduty

import (
	"fmt"
	"strings"
	"time"

	"doradash/sources/apisrc"
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
	// ServiceIDs, when set, reads only these services' incidents.
	ServiceIDs []string
	// SeverityFrom is "priority" (default: the priority's name when the
	// incident has one, else the urgency) or "urgency".
	SeverityFrom string
	// Access: an empty APIURL is DefaultAPIURL; EU accounts use
	// "https://api.eu.pagerduty.com".
	apisrc.Access
}

// Validate checks the options and fills defaults; its errors start with
// the key at fault.
func (o *Options) Validate() error {
	if err := o.Access.Validate(DefaultAPIURL, MinHistory); err != nil {
		return err
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
	return nil
}
