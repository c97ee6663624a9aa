package httpapi

import (
	"context"
	"math"
	"runtime"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"doradash/model"
)

// The labels of /metrics. Series are per service (never per sha or
// incident id: cardinality stays bounded by the services) with its team;
// delivery metrics also per environment of the configuration, and every
// windowed metric per window of `[http] windows`.
var (
	deliveryLabels = []string{"service", "environment", "team", "window"}
	incidentLabels = []string{"service", "team", "window"}
	openLabels     = []string{"service", "team"}
	sourceLabels   = []string{"source"}
)

// tierValues are the states of the tier state sets, best first.
var tierValues = []model.Tier{model.TierElite, model.TierHigh, model.TierMedium, model.TierLow}

func desc(name, help string, labels []string, extra ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, append(append([]string{}, labels...), extra...), nil)
}

// The metrics; README "Prometheus and Grafana" documents each. They are
// built on the first scrape (buildDescs), not when the program starts:
// only `serve` with [http] scrapes, and the dashboard and the other
// commands should not pay for them.
var (
	descDeployments              *prometheus.Desc
	descDeploymentsPerDay        *prometheus.Desc
	descLeadTime                 *prometheus.Desc
	descChangeFailures           *prometheus.Desc
	descChangeFailureDeployments *prometheus.Desc
	descChangeFailureRatio       *prometheus.Desc
	descRecovery                 *prometheus.Desc
	descRestore                  *prometheus.Desc
	descIncidents                *prometheus.Desc
	descOpenIncidents            *prometheus.Desc
	descDowntime                 *prometheus.Desc
	descAvailability             *prometheus.Desc
	descTierDeployFreq           *prometheus.Desc
	descTierLeadTime             *prometheus.Desc
	descTierChangeFailure        *prometheus.Desc
	descTierRecovery             *prometheus.Desc
	descTierRestore              *prometheus.Desc
	descSourceUp                 *prometheus.Desc
	descSourceLastSuccess        *prometheus.Desc
	descSourceRejected           *prometheus.Desc
	descSourceHeadroom           *prometheus.Desc
	descBuildInfo                *prometheus.Desc

	allDescs  []*prometheus.Desc
	descsOnce sync.Once
)

// buildDescs builds the metrics' descriptions once.
func buildDescs() {
	descsOnce.Do(func() {
		descDeployments = desc("doradash_deployments",
			"Counted deployments (success or rolled back) that finished in the window.", deliveryLabels)
		descDeploymentsPerDay = desc("doradash_deployments_per_day",
			"Deployment frequency: counted deployments in the window divided by its days.", deliveryLabels)
		descLeadTime = desc("doradash_lead_time_seconds",
			"Lead time for changes: first deployment minus commit time of each change first deployed in the window.", deliveryLabels)
		descChangeFailures = desc("doradash_change_failures",
			"Counted deployments in the window that were rolled back or caused an incident (change failure rate numerator).", deliveryLabels)
		descChangeFailureDeployments = desc("doradash_change_failure_deployments",
			"Counted deployments in the window (change failure rate denominator).", deliveryLabels)
		descChangeFailureRatio = desc("doradash_change_failure_ratio",
			"Change failure rate: failures divided by deployments; absent when there were no deployments.", deliveryLabels)
		descRecovery = desc("doradash_failed_deployment_recovery_time_seconds",
			"Failed deployment recovery time: resolution minus the causing deployment's finish, of incidents started in the window.", deliveryLabels)
		descRestore = desc("doradash_time_to_restore_seconds",
			"Time to restore: resolution minus start of the resolved incidents started in the window.", incidentLabels)
		descIncidents = desc("doradash_incidents",
			"Incidents started in the window, by severity (SEV1 worst … SEV5, unknown).", incidentLabels, "severity")
		descOpenIncidents = desc("doradash_open_incidents",
			"Incidents started and not resolved.", openLabels)
		descDowntime = desc("doradash_downtime_seconds",
			"Downtime in the window: the union of the incidents of severity up to downtime_max_severity.", incidentLabels)
		descAvailability = desc("doradash_availability_ratio",
			"Availability in the window: 1 minus downtime divided by the window's length.", incidentLabels)

		descTierDeployFreq = desc("doradash_deployment_frequency_tier",
			"DORA tier of the deployment frequency, as a state set: 1 for the current tier, 0 for the others, all 0 without one.", deliveryLabels, "tier")
		descTierLeadTime = desc("doradash_lead_time_tier",
			"DORA tier of the median lead time, as a state set.", deliveryLabels, "tier")
		descTierChangeFailure = desc("doradash_change_failure_rate_tier",
			"DORA tier of the change failure rate, as a state set.", deliveryLabels, "tier")
		descTierRecovery = desc("doradash_failed_deployment_recovery_time_tier",
			"DORA tier of the median failed deployment recovery time, as a state set.", deliveryLabels, "tier")
		descTierRestore = desc("doradash_time_to_restore_tier",
			"DORA tier of the median time to restore, as a state set.", incidentLabels, "tier")

		descSourceUp = desc("doradash_source_up",
			"1 when the source's last poll succeeded, else 0.", sourceLabels)
		descSourceLastSuccess = desc("doradash_source_last_success_timestamp_seconds",
			"When the source last polled successfully, in Unix seconds; absent before its first success.", sourceLabels)
		descSourceRejected = desc("doradash_source_rejected_records",
			"Records of the source's last good data that were rejected one by one.", sourceLabels)
		descSourceHeadroom = desc("doradash_source_rate_limit_remaining_ratio",
			"Requests left of the source's API rate limit, as a ratio of the limit; only for sources with one.", sourceLabels)

		descBuildInfo = desc("doradash_build_info",
			"Always 1; the labels say which doradash serves.", []string{"version", "goversion"})

		allDescs = []*prometheus.Desc{
			descDeployments, descDeploymentsPerDay, descLeadTime, descChangeFailures,
			descChangeFailureDeployments, descChangeFailureRatio, descRecovery, descRestore,
			descIncidents, descOpenIncidents, descDowntime, descAvailability,
			descTierDeployFreq, descTierLeadTime, descTierChangeFailure, descTierRecovery, descTierRestore,
			descSourceUp, descSourceLastSuccess, descSourceRejected, descSourceHeadroom, descBuildInfo,
		}
	})
}

// collector turns the latest data into metrics at each scrape. The
// reports come from the server's cache, so scrapes within a minute over
// unchanged data compute nothing.
type collector struct{ s *Server }

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	buildDescs()
	for _, d := range allDescs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	buildDescs()
	s := c.s
	v := s.o.Feed.Latest()
	ch <- prometheus.MustNewConstMetric(descBuildInfo, prometheus.GaugeValue, 1, s.o.Version, runtime.Version())
	c.collectSources(ch, v)

	envs := s.o.Base.Normalized().Environments
	services := s.o.Base.Services
	if len(services) == 0 {
		services = v.Data.Services()
	}
	end := s.end()
	ctx := context.Background()
	for wi, days := range s.windows {
		window := strconv.Itoa(days) + "d"
		for _, svc := range services {
			if svc == "" {
				continue // a filter of "" matches nothing (SPEC §2)
			}
			team := s.teamOfService(svc)
			for ei, env := range envs {
				q := s.o.Base
				q.End, q.Days, q.Environments, q.Services = end, days, []string{env}, []string{svc}
				r := s.cachedReport(ctx, v.Data, q)
				if r == nil {
					continue
				}
				collectDelivery(ch, r, svc, env, team, window)
				// Incidents have no environment: they are reported once,
				// from the first environment's report.
				if ei == 0 {
					collectIncidents(ch, r, svc, team, window)
					if wi == 0 {
						ch <- gauge(descOpenIncidents, float64(r.Incidents.Open), svc, team)
					}
				}
			}
		}
	}
}

func gauge(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

// summary is a duration statistics block as a summary: the median and
// p90 as quantiles 0.5 and 0.9, the mean times the count as the sum.
func summary(d *prometheus.Desc, st model.Stats, labels ...string) prometheus.Metric {
	sum := 0.0
	q := map[float64]float64{0.5: math.NaN(), 0.9: math.NaN()}
	if st.Count > 0 && st.Mean != nil && st.Median != nil && st.P90 != nil {
		sum = *st.Mean * float64(st.Count)
		q[0.5], q[0.9] = *st.Median, *st.P90
	}
	return prometheus.MustNewConstSummary(d, uint64(st.Count), sum, q, labels...)
}

// stateSet sends one series per tier, 1 for t and 0 for the others.
func stateSet(ch chan<- prometheus.Metric, d *prometheus.Desc, t *model.Tier, labels ...string) {
	for _, tv := range tierValues {
		v := 0.0
		if t != nil && *t == tv {
			v = 1
		}
		ch <- gauge(d, v, append(labels, string(tv))...)
	}
}

func collectDelivery(ch chan<- prometheus.Metric, r *model.Report, labels ...string) {
	df, cfr := r.DeploymentFrequency, r.ChangeFailureRate
	ch <- gauge(descDeployments, float64(df.Count), labels...)
	ch <- gauge(descDeploymentsPerDay, df.PerDay, labels...)
	ch <- summary(descLeadTime, r.LeadTime.Stats, labels...)
	ch <- gauge(descChangeFailures, float64(cfr.Failures), labels...)
	ch <- gauge(descChangeFailureDeployments, float64(cfr.Deployments), labels...)
	if cfr.Rate != nil {
		ch <- gauge(descChangeFailureRatio, *cfr.Rate, labels...)
	}
	ch <- summary(descRecovery, r.FailedDeploymentRecoveryTime.Stats, labels...)
	stateSet(ch, descTierDeployFreq, df.Tier, labels...)
	stateSet(ch, descTierLeadTime, r.LeadTime.Tier, labels...)
	stateSet(ch, descTierChangeFailure, cfr.Tier, labels...)
	stateSet(ch, descTierRecovery, r.FailedDeploymentRecoveryTime.Tier, labels...)
}

func collectIncidents(ch chan<- prometheus.Metric, r *model.Report, labels ...string) {
	in := r.Incidents
	ch <- summary(descRestore, r.TimeToRestore.Stats, labels...)
	stateSet(ch, descTierRestore, r.TimeToRestore.Tier, labels...)
	for _, sev := range []model.Severity{1, 2, 3, 4, 5, model.SeverityUnknown} {
		ch <- gauge(descIncidents, float64(in.BySeverity[sev.String()]), append(labels, sev.String())...)
	}
	ch <- gauge(descDowntime, in.DowntimeSeconds, labels...)
	ch <- gauge(descAvailability, in.Availability, labels...)
}

func (c *collector) collectSources(ch chan<- prometheus.Metric, v *model.Version) {
	for _, st := range v.Sources {
		up := 0.0
		if st.OK {
			up = 1
		}
		ch <- gauge(descSourceUp, up, st.Name)
		if !st.LastSuccess.IsZero() {
			ch <- gauge(descSourceLastSuccess, float64(st.LastSuccess.UnixNano())/1e9, st.Name)
		}
		ch <- gauge(descSourceRejected, float64(st.Rejected), st.Name)
		if c.s.o.Headroom != nil {
			if ratio, ok := c.s.o.Headroom(st); ok {
				ch <- gauge(descSourceHeadroom, ratio, st.Name)
			}
		}
	}
}
