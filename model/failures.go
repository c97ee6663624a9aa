package model

import "time"

// FailingDeployment is one deployment the change failure rate counts as a
// failure, with why: it was rolled back, or incidents link it.
type FailingDeployment struct {
	ID          string    `json:"id"`
	Service     string    `json:"service"`
	Environment string    `json:"environment"`
	FinishedAt  time.Time `json:"finished_at"`
	RolledBack  bool      `json:"rolled_back"`
	// Links are the incidents (started_at ≤ E) that link the deployment,
	// oldest first; empty when only the rollback counts.
	Links []FailureLink `json:"links"`
}

// FailureLink is one incident linking a failing deployment.
type FailureLink struct {
	IncidentID string    `json:"incident_id"`
	StartedAt  time.Time `json:"started_at"`
	// ByTime is true for a link by time (SPEC §3, Query.LinkWithin), false
	// for the incident's own deployment_id.
	ByTime bool `json:"by_time"`
}
