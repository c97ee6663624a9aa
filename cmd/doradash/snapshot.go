package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"doradash/model"
	"doradash/ui"
)

// runSnapshot implements `doradash snapshot`: poll every source once, print
// the report, exit 1 when a source failed (after printing what there is).
func runSnapshot(ctx context.Context, args []string, e *env) error {
	var c commonFlags
	fs, o := snapshotFlags(e, &c)
	s, p, err := prepare(fs, &c, args, e, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	formatGiven := false
	fs.Visit(func(f *flag.Flag) { formatGiven = formatGiven || f.Name == "format" })
	if o.populations && !formatGiven {
		o.format = "json" // --explain alone asks for the JSON with populations
	}
	if o.format != "text" && o.format != "json" {
		return usagef("snapshot: --format must be text or json, not %q", o.format)
	}
	if o.populations && o.format != "json" {
		return usagef("snapshot: --populations adds to the JSON output; for text use doradash explain METRIC")
	}
	if s.noConfig {
		// On stderr, so the output stays what a script expects.
		fmt.Fprintln(e.stderr, "doradash: no configuration found, showing the built-in demo data ("+configHint[len("no configuration found: "):]+")")
	}
	v := p.PollOnce(ctx)
	if ctx.Err() != nil {
		return errInterrupted // a report of half-polled sources would mislead
	}
	r := s.report(v)
	if o.populations {
		err = writeJSON(e.stdout, reportWithPopulations{Report: r, Populations: r.Populations()})
	} else {
		err = writeReport(e.stdout, r, o.format, colorFor(e))
	}
	if err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	return failedSources(v)
}

// snapshotOptions are the flags of snapshot besides the common ones.
type snapshotOptions struct {
	format      string
	populations bool
}

// snapshotFlags is the flag set of `doradash snapshot`.
func snapshotFlags(e *env, c *commonFlags) (*flag.FlagSet, *snapshotOptions) {
	o := &snapshotOptions{}
	fs := newFlagSet("snapshot", e, c)
	fs.StringVar(&o.format, "format", "text", "output `format`: text or json")
	fs.BoolVar(&o.populations, "populations", false, "add the records behind every number to the JSON (implies --format json)")
	fs.BoolVar(&o.populations, "explain", false, "the same as --populations")
	return fs, o
}

// reportWithPopulations is the snapshot JSON of SPEC §5 with the
// populations object added; every other key stays as it is.
type reportWithPopulations struct {
	*model.Report
	Populations *model.Populations `json:"populations"`
}

// writeReport prints r as JSON (SPEC §5) or as text for people.
func writeReport(w io.Writer, r *model.Report, format string, color bool) error {
	if format == "json" {
		return writeJSON(w, r)
	}
	return ui.WriteText(w, r, color)
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// failedSources returns an error wrapping errSourceFailed that names every
// source whose last poll failed (their errors are in the output), or nil.
func failedSources(v *model.Version) error {
	var failed []string
	limited := 0
	for _, st := range v.Sources {
		if !st.OK {
			name := strconv.Quote(st.Name)
			if st.State == model.SourceRateLimited && !st.RateLimitedUntil.IsZero() {
				name += " is rate limited until " + st.RateLimitedUntil.Local().Format("15:04")
				limited++
			}
			failed = append(failed, name)
		}
	}
	switch {
	case len(failed) == 0:
		return nil
	case len(failed) == 1 && limited == 1:
		return fmt.Errorf("%w: source %s", errSourceFailed, failed[0])
	case len(failed) == 1:
		return fmt.Errorf("%w: source %s failed", errSourceFailed, failed[0])
	}
	return fmt.Errorf("%w: %d of %d sources failed: %s", errSourceFailed, len(failed), len(v.Sources), strings.Join(failed, ", "))
}

// colorFor says whether text output may use colour: stdout is a terminal
// and NO_COLOR is not set.
func colorFor(e *env) bool {
	if e.getenv("NO_COLOR") != "" {
		return false
	}
	return isTerminal(e.stdout)
}

// runCheck implements `doradash check`: validate the configuration, poll
// every source once and print one line per source.
func runCheck(ctx context.Context, args []string, e *env) error {
	var c commonFlags
	fs, rejections := checkFlags(e, &c)
	s, p, err := prepare(fs, &c, args, e, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	if *rejections < 0 || *rejections > maxRejectionsShown {
		return usagef("check: --rejections must be from 0 to %d, not %d", maxRejectionsShown, *rejections)
	}
	where := s.cfg.Path
	switch {
	case s.noConfig:
		where = "built-in demo (no configuration file found)"
	case s.demo:
		where = "built-in demo (--demo)"
	}
	fmt.Fprintf(e.stdout, "configuration: %s: ok, %d source(s), window %dd\n", where, len(s.cfg.Sources), s.cfg.Query.Days)
	v := p.PollOnce(ctx)
	if ctx.Err() != nil {
		return errInterrupted
	}
	nameW, targetW := 0, 0
	for _, st := range v.Sources {
		nameW, targetW = max(nameW, len(st.Name)), max(targetW, len(st.Target))
	}
	for _, st := range v.Sources {
		fmt.Fprintln(e.stdout, checkLine(st, nameW, targetW))
		for _, r := range rejectionLines(st, *rejections) {
			fmt.Fprintln(e.stdout, "      rejected: "+r)
		}
	}
	return failedSources(v)
}

// maxRejectionsShown is the most rejections a source keeps for check.
const maxRejectionsShown = model.MaxRejections

// checkFlags is the flag set of `doradash check`.
func checkFlags(e *env, c *commonFlags) (*flag.FlagSet, *int) {
	fs := newFlagSet("check", e, c)
	n := fs.Int("rejections", 0, "list up to `N` rejected records of each source with their places (at most 20)")
	return fs, n
}

// rejectionLines are up to n of st's rejected records, each with its
// place, made safe for a terminal.
func rejectionLines(st model.SourceStatus, n int) []string {
	rej := st.Rejections.List()
	if len(rej) == 0 && st.FirstRejection != "" {
		rej = []string{st.FirstRejection}
	}
	var out []string
	for _, r := range rej[:min(n, len(rej))] {
		out = append(out, model.Printable(r))
	}
	return out
}

// checkLine is one source's line of `check`, its name and target padded
// to the given widths:
// "ok    incidents  http://…  0 deployments, 214 incidents, 0 rejected, 120ms".
func checkLine(st model.SourceStatus, nameW, targetW int) string {
	state := "ok"
	if !st.OK {
		state = "FAIL"
	}
	if st.State == model.SourceRateLimited {
		state = "RATE"
	}
	var facts []string
	if st.OK {
		facts = append(facts, fmt.Sprintf("%d deployments, %d incidents, %d rejected", st.Deployments, st.Incidents, st.Rejected))
		if st.FirstRejection != "" {
			facts = append(facts, "first rejected: "+st.FirstRejection)
		}
	} else {
		facts = append(facts, st.Error)
		if st.State == model.SourceRateLimited {
			// What was read before the limit is kept and shown.
			facts = append(facts, fmt.Sprintf("kept %d deployments, %d incidents", st.Deployments, st.Incidents))
		}
	}
	if st.Progress != "" {
		// A first read cut short (by a rate limit) says how far it got.
		facts = append(facts, "first read unfinished: "+st.Progress)
	}
	if st.API != nil {
		facts = append(facts, apiFacts(st.API))
	}
	facts = append(facts, fmt.Sprintf("%d ms", st.LastDuration.Milliseconds()))
	return fmt.Sprintf("%-4s  %-*s  %-*s  %s", state, nameW, st.Name, targetW, st.Target, strings.Join(facts, ", "))
}

// apiFacts words an API source's cost for `check`: "412 requests, 380
// answers from the cache or 304, rate limit 4612 of 5000 left". Answers
// from the cache need no request, so they may outnumber the requests.
func apiFacts(a *model.APIStats) string {
	out := fmt.Sprintf("%d requests, %d answers from the cache or 304", a.Requests, a.Cached)
	switch {
	case a.RateRemaining >= 0 && a.RateLimit > 0:
		out += fmt.Sprintf(", rate limit %d of %d left", a.RateRemaining, a.RateLimit)
	case a.RateRemaining >= 0:
		out += fmt.Sprintf(", rate limit %d left", a.RateRemaining)
	default:
		out += ", rate limit not reported"
	}
	return out
}
