package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"doradash/model"
)

// metricNames are the metrics `explain` takes, named as the snapshot JSON
// names them (SPEC §5).
var metricNames = []string{"deployment_frequency", "lead_time", "change_failure_rate",
	"time_to_restore", "failed_deployment_recovery_time", "incidents"}

// explainOptions are the flags of explain besides the common ones.
type explainOptions struct {
	format string
}

// explainFlags is the flag set of `doradash explain`.
func explainFlags(e *env, c *commonFlags) (*flag.FlagSet, *explainOptions) {
	o := &explainOptions{}
	fs := newFlagSet("explain", e, c)
	fs.StringVar(&o.format, "format", "text", "output `format`: text (one record a line) or json (the metric's populations object)")
	return fs, o
}

// runExplain implements `doradash explain METRIC`: poll every source once
// and list the records behind one number of the window.
func runExplain(ctx context.Context, args []string, e *env) error {
	var c commonFlags
	fs, o := explainFlags(e, &c)
	pos, err := parseArgs(fs, args, e)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return usagef("explain: name a metric: %s", strings.Join(metricNames, ", "))
	case len(pos) > 1:
		return usagef("explain: unexpected argument %q (one metric at a time)", pos[1])
	case !slices.Contains(metricNames, pos[0]):
		return usagef("explain: unknown metric %q (%s)%s", pos[0], strings.Join(metricNames, ", "), suggestion(pos[0], metricNames))
	}
	if o.format != "text" && o.format != "json" {
		return usagef("explain: --format must be text or json, not %q", o.format)
	}
	s, p, err := setup(fs, &c, e, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	if s.noConfig {
		fmt.Fprintln(e.stderr, "doradash: no configuration found, explaining the built-in demo data")
	}
	v := p.PollOnce(ctx)
	if ctx.Err() != nil {
		return errInterrupted
	}
	r := s.report(v)
	pop := r.Populations()
	if o.format == "json" {
		err = writeJSON(e.stdout, metricPopulation(pop, pos[0]))
	} else {
		err = writeExplain(e.stdout, pos[0], r, pop)
	}
	if err != nil {
		return fmt.Errorf("write explain: %w", err)
	}
	return failedSources(v)
}

// metricPopulation is the part of p that explains metric.
func metricPopulation(p *model.Populations, metric string) any {
	switch metric {
	case "deployment_frequency":
		return p.DeploymentFrequency
	case "lead_time":
		return p.LeadTime
	case "change_failure_rate":
		return p.ChangeFailureRate
	case "time_to_restore":
		return p.TimeToRestore
	case "failed_deployment_recovery_time":
		return p.FailedDeploymentRecoveryTime
	}
	return p.Incidents
}

// writeExplain prints the records behind metric for a terminal: a line
// saying which number they explain, then a table, one record a line, with
// every id in full (made safe for a terminal with model.Printable).
func writeExplain(w io.Writer, metric string, r *model.Report, p *model.Populations) error {
	fmt.Fprintf(w, "%s, window %dd: %s to %s\n", metric, r.Window.Days, stamp(r.Window.Start), stamp(r.Window.End))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	switch metric {
	case "deployment_frequency":
		explainFrequency(w, tw, r, p.DeploymentFrequency)
	case "lead_time":
		explainLeadTime(w, tw, r, p.LeadTime)
	case "change_failure_rate":
		explainFailures(w, tw, r, p.ChangeFailureRate)
	case "time_to_restore":
		explainRestore(w, tw, r, p.TimeToRestore)
	case "failed_deployment_recovery_time":
		explainRecovery(w, tw, r, p.FailedDeploymentRecoveryTime)
	case "incidents":
		explainIncidents(w, tw, r, p.Incidents)
	}
	return tw.Flush()
}

// row writes one tab-separated table row.
func row(w io.Writer, cells ...string) { fmt.Fprintln(w, strings.Join(cells, "\t")) }

// stamp is t in RFC 3339, UTC, with as many fraction digits as it has.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// stampOrDash is stamp for a time that may not have happened.
func stampOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return stamp(*t)
}

// cell is a value made safe for a terminal; an empty one shows as "-".
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return model.Printable(s)
}

// dur words seconds as a Go duration (1h30m0s), exact to the nanosecond.
func dur(sec float64) string { return time.Duration(sec * 1e9).Round(time.Nanosecond).String() }

func durOrDash(sec *float64) string {
	if sec == nil {
		return "-"
	}
	return dur(*sec)
}

// statsLine words a statistics block: "4 changes, median 1h30m0s, mean …, p90 …".
func statsLine(st model.Stats, what string) string {
	if st.Count == 0 {
		return "0 " + what
	}
	return fmt.Sprintf("%d %s, median %s, mean %s, p90 %s", st.Count, what, dur(*st.Median), dur(*st.Mean), dur(*st.P90))
}

func explainFrequency(w io.Writer, tw *tabwriter.Writer, r *model.Report, p model.FrequencyPopulation) {
	df := r.DeploymentFrequency
	fmt.Fprintf(w, "%d counted deployments (success or rolled_back), %s a day, on %d of %d days\n\n",
		df.Count, strconv.FormatFloat(df.PerDay, 'f', -1, 64), df.DeployDays, len(df.Daily))
	row(tw, "FINISHED_AT", "ID", "SERVICE", "ENVIRONMENT", "STATUS")
	for _, d := range p.Deployments {
		row(tw, stamp(d.FinishedAt), cell(d.ID), cell(d.Service), cell(d.Environment), d.Status)
	}
	row(tw)
	row(tw, "DAY_FROM", "DAY_TO", "DEPLOYMENTS")
	for _, d := range p.Daily {
		row(tw, stamp(d.Start), stamp(d.End), strconv.Itoa(d.Count))
	}
}

func explainLeadTime(w io.Writer, tw *tabwriter.Writer, r *model.Report, p model.LeadTimePopulation) {
	fmt.Fprintf(w, "%s (first deployment in the window − earliest commit time)\n\n", statsLine(r.LeadTime.Stats, "changes"))
	row(tw, "DEPLOYED_AT", "DEPLOYMENT", "SERVICE", "SHA", "COMMITTED_AT", "LEAD_TIME")
	for _, c := range p.Changes {
		row(tw, stamp(c.DeployedAt), cell(c.DeploymentID), cell(c.Service), cell(c.SHA), stamp(c.CommittedAt), dur(c.Seconds))
	}
}

func explainFailures(w io.Writer, tw *tabwriter.Writer, r *model.Report, p model.FailurePopulation) {
	cfr := r.ChangeFailureRate
	rate := "no deployments"
	if cfr.Rate != nil {
		rate = strconv.FormatFloat(*cfr.Rate*100, 'f', 1, 64) + "%"
	}
	fmt.Fprintf(w, "%d failures of %d counted deployments (%s); the deployments: doradash explain deployment_frequency\n\n",
		cfr.Failures, cfr.Deployments, rate)
	row(tw, "FINISHED_AT", "ID", "SERVICE", "ENVIRONMENT", "WHY")
	for _, f := range p.Failures {
		var why []string
		if f.RolledBack {
			why = append(why, "rolled back")
		}
		for _, l := range f.Links {
			how := "deployment_id"
			if l.ByTime {
				how = "by time"
			}
			why = append(why, fmt.Sprintf("incident %s (%s, started %s)", cell(l.IncidentID), how, stamp(l.StartedAt)))
		}
		row(tw, stamp(f.FinishedAt), cell(f.ID), cell(f.Service), cell(f.Environment), strings.Join(why, "; "))
	}
}

func explainRestore(w io.Writer, tw *tabwriter.Writer, r *model.Report, p model.RestorePopulation) {
	fmt.Fprintf(w, "%s (resolved_at − started_at)\n\n", statsLine(r.TimeToRestore.Stats, "incidents"))
	row(tw, "STARTED_AT", "ID", "SERVICE", "SEVERITY", "RESOLVED_AT", "TIME_TO_RESTORE", "TITLE")
	for _, in := range p.Incidents {
		row(tw, stamp(in.StartedAt), cell(in.ID), cell(in.Service), in.Severity.String(), stamp(in.ResolvedAt), dur(in.Seconds), cell(in.Title))
	}
}

func explainRecovery(w io.Writer, tw *tabwriter.Writer, r *model.Report, p model.RecoveryPopulation) {
	fmt.Fprintf(w, "%s (resolved_at − the deployment's finished_at)\n\n", statsLine(r.FailedDeploymentRecoveryTime.Stats, "incidents"))
	row(tw, "STARTED_AT", "ID", "SERVICE", "DEPLOYMENT", "LINK", "DEPLOYED_AT", "RESOLVED_AT", "RECOVERY_TIME")
	for _, in := range p.Incidents {
		link := "deployment_id"
		if in.ByTime {
			link = "by time"
		}
		row(tw, stamp(in.StartedAt), cell(in.ID), cell(in.Service), cell(in.DeploymentID), link,
			stamp(in.DeployedAt), stamp(in.ResolvedAt), dur(in.Seconds))
	}
}

func explainIncidents(w io.Writer, tw *tabwriter.Writer, r *model.Report, p model.IncidentPopulation) {
	in := r.Incidents
	fmt.Fprintf(w, "%d incidents started in the window, %d open, downtime %s (the union of the intervals below), availability %s\n\n",
		in.Total, in.Open, dur(in.DowntimeSeconds), strconv.FormatFloat(in.Availability, 'f', -1, 64))
	row(tw, "STARTED_AT", "ID", "SERVICE", "SEVERITY", "TIME_TO_DETECT", "TIME_TO_ACK", "RESOLVED_AT", "TITLE")
	for _, x := range p.Incidents {
		row(tw, stamp(x.StartedAt), cell(x.ID), cell(x.Service), x.Severity.String(), durOrDash(x.DetectSeconds),
			durOrDash(x.AcknowledgeSeconds), stampOrDash(x.ResolvedAt), cell(x.Title))
	}
	row(tw)
	row(tw, "OPEN_SINCE", "ID", "SERVICE", "SEVERITY", "ACKNOWLEDGED", "TITLE")
	for _, x := range p.Open {
		ack := "no"
		if x.Acknowledged {
			ack = stamp(*x.AcknowledgedAt)
		}
		row(tw, stamp(x.StartedAt), cell(x.ID), cell(x.Service), x.Severity.String(), ack, cell(x.Title))
	}
	row(tw)
	row(tw, "DOWN_FROM", "DOWN_TO", "ID", "SEVERITY")
	for _, x := range p.Downtime {
		row(tw, stamp(x.From), stamp(x.To), cell(x.ID), x.Severity.String())
	}
}
