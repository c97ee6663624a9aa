package model

import "time"

// Tier is a DORA performance cluster; "" stands for null.
type Tier string

// The tiers of SPEC §4.
const (
	TierNone   Tier = ""
	TierElite  Tier = "elite"
	TierHigh   Tier = "high"
	TierMedium Tier = "medium"
	TierLow    Tier = "low"
)

// Stats is a duration statistics block; durations are seconds. With Count 0
// the three values are nil.
type Stats struct {
	Count  int      `json:"count"`
	Median *float64 `json:"median_seconds"`
	Mean   *float64 `json:"mean_seconds"`
	P90    *float64 `json:"p90_seconds"`
}

// TieredStats is a Stats block with the tier of its median.
type TieredStats struct {
	Stats
	Tier *Tier `json:"tier"`
}

// DeploymentFrequency is SPEC §3's deployment frequency block.
type DeploymentFrequency struct {
	Count      int     `json:"count"`
	PerDay     float64 `json:"per_day"`
	PerWeek    float64 `json:"per_week"`
	DeployDays int     `json:"deploy_days"`
	Daily      []int   `json:"daily"`
	Tier       *Tier   `json:"tier"`
}

// ChangeFailureRate is SPEC §3's change failure rate block.
type ChangeFailureRate struct {
	Deployments int      `json:"deployments"`
	Failures    int      `json:"failures"`
	Rate        *float64 `json:"rate"`
	Tier        *Tier    `json:"tier"`
}

// Incidents is SPEC §3's incidents block.
type Incidents struct {
	Total             int            `json:"total"`
	Open              int            `json:"open"`
	BySeverity        map[string]int `json:"by_severity"`
	TimeToDetect      Stats          `json:"time_to_detect"`
	TimeToAcknowledge Stats          `json:"time_to_acknowledge"`
	DowntimeSeconds   float64        `json:"downtime_seconds"`
	Availability      float64        `json:"availability"`
	// DailyCount is the number of incidents started on each day of the
	// window, oldest first (for charts).
	DailyCount []int `json:"daily"`
}

// Metrics is every metric of SPEC §3 over one window.
type Metrics struct {
	Window                       Window              `json:"window"`
	DeploymentFrequency          DeploymentFrequency `json:"deployment_frequency"`
	LeadTime                     TieredStats         `json:"lead_time"`
	ChangeFailureRate            ChangeFailureRate   `json:"change_failure_rate"`
	TimeToRestore                TieredStats         `json:"time_to_restore"`
	FailedDeploymentRecoveryTime TieredStats         `json:"failed_deployment_recovery_time"`
	Incidents                    Incidents           `json:"incidents"`
	// Daily series for charts, oldest first, one element per day:
	// median lead time and median time to restore of the keys/incidents
	// falling on that day (nil where none), change failure rate per day.
	DailyLeadTimeMedian []*float64 `json:"daily_lead_time_median_seconds"`
	DailyRestoreMedian  []*float64 `json:"daily_time_to_restore_median_seconds"`
	DailyFailureRate    []*float64 `json:"daily_change_failure_rate"`
}

// Window is the computed window: S, E and its length.
type Window struct {
	Days  int       `json:"days"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Filters echoes the filters a report was computed with.
type Filters struct {
	Environments []string `json:"environments"`
	Services     []string `json:"services"`
}

// SourceState is a source's health as the poller sees it.
type SourceState string

// Source states.
const (
	SourcePending SourceState = "pending" // not polled yet
	SourceOK      SourceState = "ok"
	SourceStale   SourceState = "stale"   // no success for more than 2 intervals
	SourceFailing SourceState = "failing" // the last poll failed
	// SourceSyncing: an API source's first full read is under way; its
	// data so far is shown, marked partial (SourceStatus.Progress).
	SourceSyncing SourceState = "syncing"
	// SourceRateLimited: an API source waits for a rate limit's reset
	// (SourceStatus.RateLimitedUntil), keeping its data.
	SourceRateLimited SourceState = "rate_limited"
)

// APIStats is what an API source (SPEC §8) cost and the rate-limit
// headroom it was last told.
type APIStats struct {
	Requests int `json:"requests"` // HTTP requests made since start
	Cached   int `json:"cached"`   // answered by a 304 or from the cache
	// RateLimit and RateRemaining as the vendor last reported them; -1
	// when not reported.
	RateLimit     int       `json:"rate_limit"`
	RateRemaining int       `json:"rate_limit_remaining"`
	RateReset     time.Time `json:"-"`
}

// SourceStatus is the health of one source and the size of its last good
// data. It is a value: the poller hands out copies.
type SourceStatus struct {
	Name           string        `json:"name"`
	Type           string        `json:"type"`
	Target         string        `json:"target"` // path or URL, never with secrets
	State          SourceState   `json:"state"`
	OK             bool          `json:"ok"` // the last poll succeeded
	Deployments    int           `json:"deployments"`
	Incidents      int           `json:"incidents"`
	Rejected       int           `json:"rejected"`
	FirstRejection string        `json:"first_rejection,omitempty"`
	LastSuccess    time.Time     `json:"-"`
	LastAttempt    time.Time     `json:"-"`
	Error          string        `json:"-"`
	Failures       int           `json:"consecutive_failures"`
	FailingSince   time.Time     `json:"-"`
	Interval       time.Duration `json:"-"`
	LastDuration   time.Duration `json:"-"` // how long the last poll took
	// Progress says how far a syncing source got ("412 deployments,
	// page 5"); "" otherwise.
	Progress string `json:"progress,omitempty"`
	// RateLimitedUntil is the reset a rate-limited source waits for; zero
	// otherwise.
	RateLimitedUntil time.Time `json:"-"`
	// API is set for API sources only.
	API *APIStats `json:"-"`
	// Rejections are the first rejected records' errors with their
	// places, FirstRejection first.
	Rejections Rejections `json:"-"`
	// StaleAt is the first instant at which the source's data is stale
	// (no success for more than two intervals, SPEC §8.7), as the poller
	// rules it; zero when the source has no data that could turn stale
	// (never succeeded, syncing, rate limited). See DataStale.
	StaleAt time.Time `json:"-"`
}

// MaxRejections is how many rejected records' errors a source keeps.
const MaxRejections = 20

// Rejections are the first rejected records' errors with their places, in
// order, unused entries empty. An array, so that the values holding it
// stay comparable.
type Rejections [MaxRejections]string

// List returns the errors kept, in order.
func (r Rejections) List() []string {
	n := 0
	for n < len(r) && r[n] != "" {
		n++
	}
	return r[:n:n]
}

// Add keeps e when there is room; it reports whether there was.
func (r *Rejections) Add(e string) bool {
	for i := range r {
		if r[i] == "" {
			r[i] = e
			return true
		}
	}
	return false
}

// Version is one immutable state of all sources: the merged dataset and
// every source's status. Seq grows by one with every published version.
type Version struct {
	Seq     uint64
	Data    *Dataset
	Sources []SourceStatus
	// Updated is when the newest data arrived (the last successful poll
	// that changed something).
	Updated time.Time
}

// Report is the snapshot of SPEC §5: the metrics of the window, the same
// metrics for the previous window of equal length, and the sources.
type Report struct {
	GeneratedAt time.Time `json:"generated_at"`
	Filters     Filters   `json:"filters"`
	Metrics
	Previous      *Metrics       `json:"previous"`
	OpenIncidents []IncidentView `json:"open_incidents"`
	Sources       []SourceReport `json:"sources"`

	// LatestDeployments are the newest deployments passing the filters
	// up to E, failed ones included, newest first (ties: the larger id
	// first), at most MaxLatestDeployments: the deployments panel. Not
	// in the snapshot JSON.
	LatestDeployments []LatestDeployment `json:"-"`
	// RecentlyResolved are the incidents passing the filters resolved in
	// the window, newest resolution first, at most MaxRecentlyResolved:
	// the incidents panel's resolved list. Not in the snapshot JSON.
	RecentlyResolved []IncidentView `json:"-"`

	// explain holds the records behind the window's numbers
	// (Populations); nil for a report not made by Compute.
	explain *explanation
}

// SourceReport is one entry of the report's "sources" list.
type SourceReport struct {
	Name        string      `json:"name"`
	Type        string      `json:"type"`
	OK          bool        `json:"ok"`
	State       SourceState `json:"state"`
	Deployments int         `json:"deployments"`
	Incidents   int         `json:"incidents"`
	Rejected    int         `json:"rejected"`
	// FirstRejection is the first rejected record's error with its place
	// (SPEC §1), null when nothing was rejected.
	FirstRejection *string    `json:"first_rejection"`
	LastSuccess    *time.Time `json:"last_success"`
	Error          *string    `json:"error"`
	// Progress of a syncing source (SPEC §8.7), omitted otherwise.
	Progress string `json:"progress,omitempty"`
	// RateLimitedUntil is present while the source is rate limited.
	RateLimitedUntil *time.Time `json:"rate_limited_until,omitempty"`
	// API is present for API sources: requests made, answered from the
	// cache or with 304, and the rate-limit headroom left.
	API *APIStats `json:"api,omitempty"`
}

// IncidentView is an incident as the report and the dashboard list it.
type IncidentView struct {
	ID           string     `json:"id"`
	Service      string     `json:"service"`
	Title        string     `json:"title"`
	Severity     Severity   `json:"severity"`
	StartedAt    time.Time  `json:"started_at"`
	ResolvedAt   *time.Time `json:"resolved_at"`
	DeploymentID string     `json:"deployment_id,omitempty"`
	// AcknowledgedAt is when it was acknowledged, as of the report's E;
	// nil: not (yet). For the dashboard: not in the snapshot JSON (SPEC §5).
	AcknowledgedAt *time.Time `json:"-"`
}
