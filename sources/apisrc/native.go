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

// NativeDeployment is a deployment as the native format writes it (SPEC
// §1), for sources that map a vendor's deployments. Environment and
// FinishedAt are pointers so that each source decides, explicitly, whether
// an unknown value is written as "" or left out (nil): the decoder reads
// an absent environment as production and an absent finished_at as
// missing.
type NativeDeployment struct {
	ID          string         `json:"id"`
	Service     string         `json:"service"`
	Environment *string        `json:"environment,omitempty"`
	FinishedAt  *string        `json:"finished_at,omitempty"`
	Status      string         `json:"status"`
	Commits     []NativeCommit `json:"commits,omitempty"`
}

// NativeCommit is one commit of a NativeDeployment.
type NativeCommit struct {
	SHA         string `json:"sha"`
	CommittedAt string `json:"committed_at"`
}

// Document writes deployments and incidents (of the vendor's incident
// record type I) as a native JSON document; a nil list is written as [].
func Document[I any](deployments []NativeDeployment, incidents []I) []byte {
	if deployments == nil {
		deployments = []NativeDeployment{}
	}
	if incidents == nil {
		incidents = []I{}
	}
	b, err := json.Marshal(struct {
		Deployments []NativeDeployment `json:"deployments"`
		Incidents   []I                `json:"incidents"`
	}{deployments, incidents})
	if err != nil {
		return []byte(`{}`) // cannot happen: strings and numbers only
	}
	return b
}

// IncidentDocument writes incidents as a native JSON document.
func IncidentDocument(incidents []NativeIncident) []byte {
	return Document(nil, incidents)
}

// StringPtr returns a pointer to a copy of v, nil when v is "".
func StringPtr(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

// NonEmpty returns p, nil when *p is "": for an optional field that is
// left out when unknown, without copying the string.
func NonEmpty(p *string) *string {
	if *p == "" {
		return nil
	}
	return p
}
