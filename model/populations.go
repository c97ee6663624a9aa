package model

import "time"

// Populations are the records behind every number of a Report's window
// (not the previous one), so that each number can be audited: counting or
// taking statistics over a population gives exactly the Report's value.
// JSON keys name the metrics as the snapshot does (SPEC §5).
type Populations struct {
	DeploymentFrequency          FrequencyPopulation `json:"deployment_frequency"`
	LeadTime                     LeadTimePopulation  `json:"lead_time"`
	ChangeFailureRate            FailurePopulation   `json:"change_failure_rate"`
	TimeToRestore                RestorePopulation   `json:"time_to_restore"`
	FailedDeploymentRecoveryTime RecoveryPopulation  `json:"failed_deployment_recovery_time"`
	Incidents                    IncidentPopulation  `json:"incidents"`
}

// FrequencyPopulation is the counted deployments in the window, oldest
// first, and their count per day.
type FrequencyPopulation struct {
	Deployments []CountedDeployment `json:"deployments"`
	Daily       []DayCount          `json:"daily"`
}

// CountedDeployment is one deployment SPEC §2 counts.
type CountedDeployment struct {
	ID          string    `json:"id"`
	Service     string    `json:"service"`
	Environment string    `json:"environment"`
	FinishedAt  time.Time `json:"finished_at"`
	Status      string    `json:"status"`
}

// DayCount is one element of the daily series: Start < t ≤ End.
type DayCount struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Count int       `json:"count"`
}

// LeadTimePopulation is the changes whose lead time is counted.
type LeadTimePopulation struct {
	Changes []LeadTimeChange `json:"changes"`
}

// LeadTimeChange is one (service, sha) key of SPEC §3's lead time: its
// earliest commit time and its first counted deployment.
type LeadTimeChange struct {
	Service      string    `json:"service"`
	SHA          string    `json:"sha"`
	CommittedAt  time.Time `json:"committed_at"`
	DeploymentID string    `json:"deployment_id"`
	DeployedAt   time.Time `json:"deployed_at"`
	Seconds      float64   `json:"seconds"`
}

// FailurePopulation is the failing deployments of the change failure
// rate; the deployments it divides by are DeploymentFrequency's.
type FailurePopulation struct {
	Failures []FailingDeployment `json:"failures"`
}

// RestorePopulation is the incidents behind time to restore.
type RestorePopulation struct {
	Incidents []RestoredIncident `json:"incidents"`
}

// RestoredIncident is one incident of time to restore.
type RestoredIncident struct {
	ID         string    `json:"id"`
	Service    string    `json:"service"`
	Title      string    `json:"title"`
	Severity   Severity  `json:"severity"`
	StartedAt  time.Time `json:"started_at"`
	ResolvedAt time.Time `json:"resolved_at"`
	Seconds    float64   `json:"seconds"`
}

// RecoveryPopulation is the incidents behind failed deployment recovery
// time.
type RecoveryPopulation struct {
	Incidents []RecoveredIncident `json:"incidents"`
}

// RecoveredIncident is one incident of failed deployment recovery time
// with the deployment it counts from.
type RecoveredIncident struct {
	ID           string    `json:"id"`
	Service      string    `json:"service"`
	DeploymentID string    `json:"deployment_id"`
	DeployedAt   time.Time `json:"deployed_at"`
	// ByTime is true when a link by time (SPEC §3) names the deployment,
	// false for the incident's own deployment_id.
	ByTime     bool      `json:"by_time"`
	StartedAt  time.Time `json:"started_at"`
	ResolvedAt time.Time `json:"resolved_at"`
	Seconds    float64   `json:"seconds"`
}

// IncidentPopulation is the incidents block's records: the incidents
// started in the window, the open ones (any start up to E), and the
// downtime intervals before their union is taken.
type IncidentPopulation struct {
	Incidents []IncidentRecord   `json:"incidents"`
	Open      []OpenIncident     `json:"open"`
	Downtime  []DowntimeInterval `json:"downtime"`
}

// IncidentRecord is one incident started in the window with its times as
// of E (nil: not happened yet) and the detect and acknowledge durations
// that count (nil: not counted).
type IncidentRecord struct {
	ID                 string     `json:"id"`
	Service            string     `json:"service"`
	Title              string     `json:"title"`
	Severity           Severity   `json:"severity"`
	StartedAt          time.Time  `json:"started_at"`
	DetectedAt         *time.Time `json:"detected_at"`
	AcknowledgedAt     *time.Time `json:"acknowledged_at"`
	ResolvedAt         *time.Time `json:"resolved_at"`
	DetectSeconds      *float64   `json:"time_to_detect_seconds"`
	AcknowledgeSeconds *float64   `json:"time_to_acknowledge_seconds"`
}

// OpenIncident is one incident without a resolution as of E, and whether
// and when it was acknowledged.
type OpenIncident struct {
	ID             string     `json:"id"`
	Service        string     `json:"service"`
	Title          string     `json:"title"`
	Severity       Severity   `json:"severity"`
	StartedAt      time.Time  `json:"started_at"`
	Acknowledged   bool       `json:"acknowledged"`
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
}

// DowntimeInterval is one incident's part of the downtime, cut to the
// window; overlapping intervals count once in downtime_seconds.
type DowntimeInterval struct {
	ID       string    `json:"id"`
	Severity Severity  `json:"severity"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
}
