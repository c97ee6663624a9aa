package pagerduty

// The fields of PagerDuty's REST API v2 answers that the source uses.
// Compact versions of pages are what the cache keeps.

// apiIncidentPage is GET /incidents.
type apiIncidentPage struct {
	Incidents []apiIncident `json:"incidents"`
	More      bool          `json:"more"`
}

// apiIncident is one incident of the list.
type apiIncident struct {
	ID                 string   `json:"id"`
	Title              string   `json:"title"`
	Status             string   `json:"status"`
	Urgency            string   `json:"urgency"`
	CreatedAt          string   `json:"created_at"`
	ResolvedAt         string   `json:"resolved_at"`
	LastStatusChangeAt string   `json:"last_status_change_at"`
	Service            *apiRef  `json:"service"`
	Priority           *apiRef  `json:"priority"`
	Acknowledgements   []apiAck `json:"acknowledgements"`
}

// apiRef is a reference to another object (a service, a priority): a
// priority carries its name, a reference only its summary.
type apiRef struct {
	Name    string `json:"name,omitempty"`
	Summary string `json:"summary,omitempty"`
}

// apiAck is an element of an incident's acknowledgements.
type apiAck struct {
	At string `json:"at"`
}

// apiLogPage is GET /incidents/{id}/log_entries.
type apiLogPage struct {
	LogEntries []apiLogEntry `json:"log_entries"`
	More       bool          `json:"more"`
}

// apiLogEntry is one log entry.
type apiLogEntry struct {
	Type      string `json:"type"`
	CreatedAt string `json:"created_at"`
}
