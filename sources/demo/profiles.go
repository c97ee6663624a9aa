package demo

import (
	"hash/fnv"
	"time"
)

// profile is one demo service: how often its team ships, how big and how
// old its changes are, how often a change breaks production and how long
// the team takes to restore. The table below is tuned so the DORA tiers
// differ per service and the whole organisation lands in a mix of tiers.
type profile struct {
	name string
	seed uint64 // derived from name

	// Cadence: a Poisson number of production deployments per weekday
	// (weekends scaled by weekend), at a time inside [hourFrom, hourTo) UTC
	// or, for a share offHours of them, at any time. A release train
	// (trainProb > 0) instead ships once on trainDay with that probability.
	perWeekday       float64
	weekend          float64
	trainDay         time.Weekday
	trainProb        float64
	hourFrom, hourTo int
	offHours         float64

	// Changes: commits per deployment in [commitsMin, commitsMax], skewed
	// toward the minimum; commit → staging time log-normal around
	// leadMedian; staging → production in [stagingMin, stagingMax).
	commitsMin, commitsMax int
	leadMedian             time.Duration
	leadSigma              float64
	stagingMin, stagingMax time.Duration

	// Reliability: per production deployment, the chance it fails (nothing
	// shipped, retried), is rolled back (then re-deployed with a fix) or,
	// when it succeeds, causes an incident; restore times are log-normal
	// around restoreMedian; incidentsPerDay unrelated incidents a day.
	pFailed, pRolledBack, pIncident float64
	restoreMedian                   time.Duration
	restoreSigma                    float64
	incidentsPerDay                 float64
	severity                        []int // weights of unknown, SEV1…SEV5

	// pagerWeight is the service's share of the on-call alert stream.
	pagerWeight int
	titles      []string
}

var (
	// everyday severities: mostly SEV3/SEV4, a rare SEV1.
	sevNormal = []int{2, 3, 14, 44, 30, 7}
	// the struggling team's incidents are worse more often.
	sevRough = []int{1, 6, 24, 44, 20, 5}
)

// services is the demo organisation: a team deploying many times a day
// (checkout), a weekly release train with a high failure rate and slow
// restores (payments), and teams in between; search and notifications
// carry most of the on-call alert noise.
var services = withSeeds([]profile{
	{
		name: "checkout", perWeekday: 7, weekend: 0.15, hourFrom: 8, hourTo: 19, offHours: 0.08,
		commitsMin: 1, commitsMax: 4, leadMedian: 150 * time.Minute, leadSigma: 1.1,
		stagingMin: 10 * time.Minute, stagingMax: time.Hour,
		pFailed: 0.04, pRolledBack: 0.02, pIncident: 0.02,
		restoreMedian: 28 * time.Minute, restoreSigma: 0.7, incidentsPerDay: 0.04, severity: sevNormal,
		titles: []string{"5xx on /checkout", "cart totals wrong for multi-currency orders",
			"p99 latency above 2s", "order confirmation emails delayed", "promo codes rejected"},
	},
	{
		name: "payments", trainDay: time.Wednesday, trainProb: 0.85, hourFrom: 10, hourTo: 12,
		commitsMin: 6, commitsMax: 30, leadMedian: 9 * 24 * time.Hour, leadSigma: 0.8,
		stagingMin: 24 * time.Hour, stagingMax: 5 * 24 * time.Hour,
		pFailed: 0.12, pRolledBack: 0.2, pIncident: 0.22,
		restoreMedian: 30 * time.Hour, restoreSigma: 0.8, incidentsPerDay: 0.03, severity: sevRough,
		titles: []string{"5xx on /pay", "card authorisations failing for Visa", "settlement batch stuck",
			"duplicate charges reported", "PSP webhook timeouts", "refunds not processed"},
	},
	{
		name: "search", perWeekday: 0.8, weekend: 0.05, hourFrom: 9, hourTo: 18,
		commitsMin: 2, commitsMax: 12, leadMedian: 40 * time.Hour, leadSigma: 1.0,
		stagingMin: 2 * time.Hour, stagingMax: 48 * time.Hour,
		pFailed: 0.06, pRolledBack: 0.05, pIncident: 0.06,
		restoreMedian: 2 * time.Hour, restoreSigma: 1.0, incidentsPerDay: 0.05, severity: sevNormal,
		pagerWeight: 3,
		titles: []string{"p99 latency above 2s", "index lag above 10 min", "empty results for some queries",
			"search-indexer OOM-killed", "autocomplete timing out"},
	},
	{
		name: "catalog", perWeekday: 0.6, weekend: 0.05, hourFrom: 9, hourTo: 18,
		commitsMin: 2, commitsMax: 10, leadMedian: 60 * time.Hour, leadSigma: 1.0,
		stagingMin: time.Hour, stagingMax: 24 * time.Hour,
		pFailed: 0.05, pRolledBack: 0.04, pIncident: 0.05,
		restoreMedian: 90 * time.Minute, restoreSigma: 0.9, incidentsPerDay: 0.04, severity: sevNormal,
		pagerWeight: 2,
		titles: []string{"stale prices on product pages", "image CDN 404s", "catalog import job failing",
			"missing stock levels", "product pages slow"},
	},
	{
		name: "auth", perWeekday: 0.9, weekend: 0.05, hourFrom: 8, hourTo: 17,
		commitsMin: 1, commitsMax: 8, leadMedian: 16 * time.Hour, leadSigma: 1.1,
		stagingMin: time.Hour, stagingMax: 24 * time.Hour,
		pFailed: 0.03, pRolledBack: 0.02, pIncident: 0.02,
		restoreMedian: 35 * time.Minute, restoreSigma: 0.8, incidentsPerDay: 0.02, severity: sevNormal,
		pagerWeight: 1,
		titles: []string{"login failures above 2%", "token refresh errors", "SSO callback 500s",
			"MFA codes delayed"},
	},
	{
		name: "notifications", perWeekday: 0.35, weekend: 0, hourFrom: 9, hourTo: 17,
		commitsMin: 3, commitsMax: 15, leadMedian: 4 * 24 * time.Hour, leadSigma: 1.1,
		stagingMin: 2 * time.Hour, stagingMax: 72 * time.Hour,
		pFailed: 0.08, pRolledBack: 0.08, pIncident: 0.08,
		restoreMedian: 3 * time.Hour, restoreSigma: 1.1, incidentsPerDay: 0.05, severity: sevNormal,
		pagerWeight: 3,
		titles: []string{"queue backlog growing", "push notifications delayed", "SMS provider rate-limited",
			"duplicate emails sent"},
	},
	{
		name: "gateway", perWeekday: 2.2, weekend: 0.1, hourFrom: 9, hourTo: 17, offHours: 0.05,
		commitsMin: 1, commitsMax: 6, leadMedian: 9 * time.Hour, leadSigma: 1.0,
		stagingMin: 30 * time.Minute, stagingMax: 3 * time.Hour,
		pFailed: 0.05, pRolledBack: 0.03, pIncident: 0.03,
		restoreMedian: 45 * time.Minute, restoreSigma: 0.8, incidentsPerDay: 0.03, severity: sevNormal,
		pagerWeight: 2,
		titles: []string{"elevated 502s at the edge", "TLS handshake errors", "rate limiter rejecting valid traffic",
			"p99 latency above 2s"},
	},
})

// pagerTitles are the alerts of the on-call stream that fit any service;
// half of the stream's incidents take one of the service's own titles.
var pagerTitles = []string{
	"p99 latency above 2s", "error rate above SLO", "pods restarting", "5xx above 1%",
	"memory pressure on workers", "CPU throttling on pods", "health checks flapping",
}

// lingering are the long-running low-severity incidents that stay open for
// days; each names its service.
var lingering = []struct{ service, title string }{
	{"search", "disk usage above 80% on search-indexer"},
	{"notifications", "flaky health check on notifications-worker"},
	{"catalog", "nightly catalog export slower than usual"},
	{"gateway", "certificate for api.internal expires in 14 days"},
	{"auth", "dependency CVE pending upgrade"},
}

func withSeeds(ps []profile) []profile {
	for i := range ps {
		h := fnv.New64a()
		h.Write([]byte(ps[i].name))
		ps[i].seed = h.Sum64()
	}
	return ps
}
