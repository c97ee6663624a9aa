package ui

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"doradash/model"
)

// stateGlyph marks a source state so that it reads without colour.
func stateGlyph(s model.SourceState) string {
	switch s {
	case model.SourceOK:
		return "●"
	case model.SourceStale:
		return "◐"
	case model.SourceFailing:
		return "✗"
	}
	return "○"
}

// dataStale says whether a source's data is stale: the poller says so, or
// it is failing and its last success is older than two intervals. A source
// that never succeeded has no data to be stale: it has no data yet
// (noDataSources).
func dataStale(s *model.SourceStatus, now time.Time) bool {
	if s.LastSuccess.IsZero() {
		return false
	}
	switch s.State {
	case model.SourceStale:
		return true
	case model.SourceFailing:
		return s.Interval <= 0 || now.Sub(s.LastSuccess) > 2*s.Interval
	}
	return false
}

// staleSources names the sources whose data is stale.
func staleSources(v *model.Version, now time.Time) []string {
	if v == nil {
		return nil
	}
	var names []string
	for i := range v.Sources {
		if dataStale(&v.Sources[i], now) {
			names = append(names, v.Sources[i].Name)
		}
	}
	return names
}

// noDataSources names the sources that have never succeeded. Until every
// source has, the figures on screen lack their data and are marked.
func noDataSources(v *model.Version) []string {
	if v == nil {
		return nil
	}
	var names []string
	for i := range v.Sources {
		if v.Sources[i].LastSuccess.IsZero() {
			names = append(names, v.Sources[i].Name)
		}
	}
	return names
}

// coverage is how much of the configured data the figures rest on.
type coverage int

const (
	coverageFull    coverage = iota // every source has succeeded at least once
	coveragePartial                 // some source has no data yet
	coverageNone                    // no source has any data yet
)

// coverageOf says how complete the data of v is.
func coverageOf(v *model.Version) coverage {
	if v == nil {
		return coverageNone
	}
	missing := len(noDataSources(v))
	switch {
	case missing == 0:
		return coverageFull
	case missing == len(v.Sources):
		return coverageNone
	}
	return coveragePartial
}

// problem orders sources with trouble first.
func problem(s model.SourceState) int {
	switch s {
	case model.SourceFailing:
		return 0
	case model.SourceStale:
		return 1
	}
	return 2
}

// strip is the source health strip: one line per source (sources with
// trouble first when not all fit), or all sources on one line when h is 1.
// A failing source shows its error on its line, never more.
func (d *dashboard) strip(w, h int) []string {
	if h <= 0 {
		return nil
	}
	st := d.c.st
	var srcs []model.SourceStatus
	if d.c.version != nil {
		srcs = d.c.version.Sources
	}
	if len(srcs) == 0 {
		return block([]string{" " + st.dim.Render("no sources")}, w, h)
	}
	if h == 1 && len(srcs) > 1 {
		return []string{fit(" "+d.stripLine(srcs), w)}
	}
	if len(srcs) > h {
		srcs = slices.Clone(srcs)
		slices.SortStableFunc(srcs, func(a, b model.SourceStatus) int { return problem(a.State) - problem(b.State) })
	}
	nameW, typeW := 0, 0
	for _, s := range srcs {
		nameW = max(nameW, textWidth(s.Name))
		typeW = max(typeW, textWidth(s.Type))
	}
	nameW = min(nameW, 20)
	lines := make([]string, 0, h)
	for i, s := range srcs {
		if i == h-1 && len(srcs) > h {
			lines = append(lines, " "+st.dim.Render(d.moreSources(srcs[i:])))
			break
		}
		lines = append(lines, " "+d.sourceLine(&s, nameW, typeW))
	}
	return block(lines, w, h)
}

// sourceLine is one source's health: state, age of its data and, when
// failing, how often and since when, and the error.
func (d *dashboard) sourceLine(s *model.SourceStatus, nameW, typeW int) string {
	st := d.c.st
	ss := st.stateStyle(s.State)
	head := ss.Render(stateGlyph(s.State)) + " " + fit(s.Name, nameW) + " " + st.dim.Render(fit(s.Type, typeW)) +
		" " + ss.Render(fit(string(s.State), 7))
	var parts []string
	if s.State == model.SourceFailing {
		// Failure count, the error and since when first: it is what the
		// reader needs, and the rest is the first to be cut.
		parts = append(parts, st.bad.Render(failureText(s, d.c.now)))
		if s.Error != "" {
			parts = append(parts, st.bad.Render(oneLine(s.Error)))
		}
	} else if s.State != model.SourcePending {
		parts = append(parts, st.dim.Render(plural(s.Deployments, "deployment")+", "+plural(s.Incidents, "incident")))
	}
	parts = append(parts, st.dim.Render(d.dataAge(s)))
	if s.Rejected > 0 {
		rej := plural(s.Rejected, "rejected record")
		if s.FirstRejection != "" {
			rej += ", first: " + oneLine(s.FirstRejection)
		}
		parts = append(parts, st.warn.Render(rej))
	}
	return head + "  " + strings.Join(parts, st.dim.Render(" · "))
}

// dataAge is when a source last succeeded, to the minute: the state says
// when that is too long ago, and a per-second counter would redraw the
// line every second.
func (d *dashboard) dataAge(s *model.SourceStatus) string {
	if s.LastSuccess.IsZero() {
		return "no data yet"
	}
	return "updated " + s.LastSuccess.In(d.c.now.Location()).Format("15:04")
}

// failureText is "×3 since 13:40:02": consecutive failures and since when.
func failureText(s *model.SourceStatus, now time.Time) string {
	t := "×" + strconv.Itoa(max(1, s.Failures))
	if !s.FailingSince.IsZero() {
		t += " since " + s.FailingSince.In(now.Location()).Format("15:04:05")
	}
	return t
}

// stripLine is every source on one line, for the glance layout.
func (d *dashboard) stripLine(srcs []model.SourceStatus) string {
	st := d.c.st
	parts := make([]string, 0, len(srcs))
	for i := range srcs {
		s := &srcs[i]
		ss := st.stateStyle(s.State)
		p := ss.Render(stateGlyph(s.State)) + " " + s.Name + " " + ss.Render(string(s.State))
		switch {
		case s.State == model.SourceFailing:
			p += st.bad.Render(" ×" + strconv.Itoa(max(1, s.Failures)))
			if s.Error != "" {
				p += st.dim.Render(": " + oneLine(s.Error))
			}
		case !s.LastSuccess.IsZero():
			p += " " + st.dim.Render(s.LastSuccess.In(d.c.now.Location()).Format("15:04"))
		default:
			p += " " + st.dim.Render("no data yet")
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, st.dim.Render(" · "))
}

// moreSources summarises the sources that do not get a line of their own.
func (d *dashboard) moreSources(srcs []model.SourceStatus) string {
	counts := map[model.SourceState]int{}
	for _, s := range srcs {
		counts[s.State]++
	}
	parts := []string{}
	for _, s := range []model.SourceState{model.SourceFailing, model.SourceStale, model.SourceOK, model.SourcePending} {
		if counts[s] > 0 {
			parts = append(parts, strconv.Itoa(counts[s])+" "+string(s))
		}
	}
	return "+ " + plural(len(srcs), "more source") + ": " + strings.Join(parts, ", ")
}

// oneLine folds an error message onto one line, printable: an error may
// quote a record's id or a server's reply (model.Printable).
func oneLine(s string) string {
	return model.Printable(strings.Join(strings.Fields(s), " "))
}

// printableList joins names for display, each made printable: filters and
// source names are kept as given (model.Printable).
func printableList(names []string, sep string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return model.Printable(names[0])
	}
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(model.Printable(n))
	}
	return b.String()
}
