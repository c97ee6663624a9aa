package incidentio

// The fields of incident.io's v2 answers that the source uses.

// apiPage is GET /v2/incidents.
type apiPage struct {
	Incidents      []apiIncident `json:"incidents"`
	PaginationMeta *struct {
		After string `json:"after,omitempty"`
	} `json:"pagination_meta,omitempty"`
}

// apiIncident is one incident (IncidentV2).
type apiIncident struct {
	ID                      string           `json:"id"`
	Name                    string           `json:"name"`
	Mode                    string           `json:"mode"`
	CreatedAt               string           `json:"created_at"`
	Severity                *apiNamed        `json:"severity,omitempty"`
	IncidentStatus          *apiStatus       `json:"incident_status,omitempty"`
	IncidentTimestampValues []apiTimestamp   `json:"incident_timestamp_values,omitempty"`
	CustomFieldEntries      []apiCustomField `json:"custom_field_entries,omitempty"`
}

type apiNamed struct {
	Name string `json:"name"`
}

type apiStatus struct {
	Category string `json:"category"`
}

// apiTimestamp is an element of incident_timestamp_values.
type apiTimestamp struct {
	IncidentTimestamp *apiNamed `json:"incident_timestamp,omitempty"`
	Value             *struct {
		Value string `json:"value"`
	} `json:"value,omitempty"`
}

// apiCustomField is an element of custom_field_entries.
type apiCustomField struct {
	CustomField *apiNamed       `json:"custom_field,omitempty"`
	Values      []apiFieldValue `json:"values,omitempty"`
}

// apiFieldValue is one value of a custom field.
type apiFieldValue struct {
	ValueCatalogEntry *apiNamed `json:"value_catalog_entry,omitempty"`
	ValueOption       *struct {
		Value string `json:"value"`
	} `json:"value_option,omitempty"`
	ValueText string `json:"value_text,omitempty"`
}
