package apisrc

import "encoding/json"

// NativeIncident is an incident as the native format writes it (SPEC §1),
// for sources that map a vendor's incidents: it passes through the same
// decoder as a file's, so validation and rejections are the same. Absent
// optional timestamps are nil (written as null).
type NativeIncident struct {
	ID             string  `json:"id"`
	Service        string  `json:"service"`
	Title          string  `json:"title"`
	Severity       any     `json:"severity,omitempty"` // a name (string) or 1–5 (int); nil: unknown
	StartedAt      string  `json:"started_at"`
	DetectedAt     *string `json:"detected_at"`
	AcknowledgedAt *string `json:"acknowledged_at"`
	ResolvedAt     *string `json:"resolved_at"`
}

// IncidentDocument writes incidents as a native JSON document.
func IncidentDocument(incidents []NativeIncident) []byte {
	if incidents == nil {
		incidents = []NativeIncident{}
	}
	b, err := json.Marshal(struct {
		Deployments []struct{}       `json:"deployments"`
		Incidents   []NativeIncident `json:"incidents"`
	}{[]struct{}{}, incidents})
	if err != nil {
		return []byte(`{}`) // cannot happen: strings and ints only
	}
	return b
}

// StringPtr returns a pointer to a copy of v, nil when v is "".
func StringPtr(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}
