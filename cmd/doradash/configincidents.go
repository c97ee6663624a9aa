package main

import (
	"doradash/sources/apisrc"
	"time"

	"doradash/sources/incidentio"
	"doradash/sources/pagerduty"
)

// IncidentToolConfig holds the keys of the incident-tool sources: SPEC
// §8.4 (pagerduty) and §8.5 (incidentio).
type IncidentToolConfig struct {
	ServiceIDs   []string // pagerduty
	SeverityFrom string   // pagerduty
	// incidentio: names of the incident timestamps, the service field.
	Started, Detected, Acknowledged, Resolved string
	ServiceField                              string
}

// pagerdutyKeys and incidentioKeys are the keys of those sources: SPEC
// §8.1 and §8.4, §8.5.
var (
	pagerdutyKeys = []string{"name", "type", "service_ids", "severity_from",
		"api_url", "token_env", "history", "interval", "timeout", "max_bytes", "ca_file", "headers"}
	incidentioKeys = []string{"name", "type", "started", "detected", "acknowledged", "resolved", "service_field",
		"api_url", "token_env", "history", "interval", "timeout", "max_bytes", "ca_file", "headers"}
)

// incidentToolKey reads one key only the incident-tool sources have; ok is
// false for a key it does not know.
func (p *configParser) incidentToolKey(s *SourceConfig, k, key, label string, v any) (ok bool, err error) {
	c := &s.API.IncidentTool
	dst := map[string]*string{"severity_from": &c.SeverityFrom, "started": &c.Started, "detected": &c.Detected,
		"acknowledged": &c.Acknowledged, "resolved": &c.Resolved, "service_field": &c.ServiceField}
	if d, found := dst[k]; found {
		*d, err = p.str(key, label, v)
		return true, err
	}
	if k == "service_ids" {
		c.ServiceIDs, err = p.strings(key, label, v)
		return true, err
	}
	return false, nil
}

// apiAccess maps what every API source is configured with; history is
// as configured, else twice the window, at least the vendor's min.
func apiAccess(sc SourceConfig, windowDays int, min time.Duration, now func() time.Time, userAgent string) apisrc.Access {
	h := sc.API.History
	if h == 0 {
		h = max(min, 2*time.Duration(windowDays)*24*time.Hour)
	}
	return apisrc.Access{
		Name: sc.Name, APIURL: sc.API.APIURL, Token: sc.API.Token, History: h,
		Timeout: sc.Timeout, MaxBytes: sc.MaxBytes, CAFile: sc.CAFile, Headers: sc.Headers,
		UserAgent: userAgent, Now: now,
	}
}

// pagerdutyOptions maps a pagerduty source's configuration to its options.
func pagerdutyOptions(sc SourceConfig, windowDays int, now func() time.Time, userAgent string) pagerduty.Options {
	c := sc.API.IncidentTool
	return pagerduty.Options{ServiceIDs: c.ServiceIDs, SeverityFrom: c.SeverityFrom,
		Access: apiAccess(sc, windowDays, pagerduty.MinHistory, now, userAgent)}
}

// incidentioOptions maps an incidentio source's configuration to its options.
func incidentioOptions(sc SourceConfig, windowDays int, now func() time.Time, userAgent string) incidentio.Options {
	c := sc.API.IncidentTool
	return incidentio.Options{Started: c.Started, Detected: c.Detected, Acknowledged: c.Acknowledged,
		Resolved: c.Resolved, ServiceField: c.ServiceField,
		Access: apiAccess(sc, windowDays, incidentio.MinHistory, now, userAgent)}
}
