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
	case model.SourceSyncing:
		return "↻"
	case model.SourceRateLimited:
		return "◷"
	}
	return "○"
}

// stateWord is a source state as the screen and the text report say it.
func stateWord(s model.SourceState) string {
	if s == model.SourceRateLimited {
		return "rate limited"
	}
	return string(s)
}

// stateWidth is the width of the widest state word of srcs, at least
// that of "failing".
func stateWidth[S any](srcs []S, state func(*S) model.SourceState) int {
	w := len("failing")
	for i := range srcs {
		w = max(w, textWidth(stateWord(state(&srcs[i]))))
	}
	return w
}

// untilText is when a rate limit resets, in now's location: "14:05",
// with the day when it is not today ("Nov 21 14:05").
func untilText(t, now time.Time) string {
	t = t.In(now.Location())
	if !dayOf(t).Equal(dayOf(now)) {
		return t.Format("Jan 2 15:04")
	}
	return t.Format("15:04")
}

// staleSources names the sources whose data is stale at now, as the poller
// rules it (model.SourceStatus.DataStale): the ui only compares its clock
// with the published StaleAt.
func staleSources(v *model.Version, now time.Time) []string {
	if v == nil {
		return nil
	}
	var names []string
	for i := range v.Sources {
		if v.Sources[i].DataStale(now) {
			names = append(names, v.Sources[i].Name)
		}
	}
	return names
}

// staleChange is the first published StaleAt after now: the instant the
// stale data warning next changes with the clock alone. Zero: none.
func staleChange(v *model.Version, now time.Time) time.Time {
	var next time.Time
	if v == nil {
		return next
	}
	for i := range v.Sources {
		if at := v.Sources[i].StaleAt; at.After(now) && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	return next
}

// noDataSources names the sources that have never succeeded and have
// nothing to show: not syncing, no records read so far. Until every
// source has, the figures on screen lack their data and are marked.
func noDataSources(v *model.Version) []string {
	if v == nil {
		return nil
	}
	var names []string
	for i := range v.Sources {
		if s := &v.Sources[i]; noData(s.LastSuccess.IsZero(), s.State, s.Deployments+s.Incidents) {
			names = append(names, s.Name)
		}
	}
	return names
}

// noData says whether a source has nothing to show: it never succeeded,
// is not syncing and read no records so far. (A source syncing its first
// read, or rate limited during it, shows what it read: partial data.)
func noData(neverSucceeded bool, state model.SourceState, records int) bool {
	return neverSucceeded && state != model.SourceSyncing && records == 0
}

// syncingSources names the sources whose first full read is under way.
func syncingSources(v *model.Version) []string {
	if v == nil {
		return nil
	}
	var names []string
	for i := range v.Sources {
		if v.Sources[i].State == model.SourceSyncing {
			names = append(names, v.Sources[i].Name)
		}
	}
	return names
}

// coverage is how much of the configured data the figures rest on.
type coverage int

const (
	coverageFull    coverage = iota // every source has succeeded at least once
	coveragePartial                 // some source has no data yet, or only part of its first read
	coverageNone                    // no source has any data yet
)

// coverageOf says how complete the data of v is.
func coverageOf(v *model.Version) coverage {
	if v == nil {
		return coverageNone
	}
	missing, incomplete := 0, 0
	for i := range v.Sources {
		s := &v.Sources[i]
		if noData(s.LastSuccess.IsZero(), s.State, s.Deployments+s.Incidents) {
			missing++
		}
		if s.LastSuccess.IsZero() || s.State == model.SourceSyncing {
			incomplete++
		}
	}
	return coverageFrom(missing, incomplete, len(v.Sources))
}

// coverageFrom is the coverage of n sources of which missing have no data
// and incomplete (missing included) lack part of it.
func coverageFrom(missing, incomplete, n int) coverage {
	switch {
	case n > 0 && missing == n:
		return coverageNone
	case incomplete > 0:
		return coveragePartial
	}
	return coverageFull
}

// problem orders sources with trouble first.
func problem(s model.SourceState) int {
	switch s {
	case model.SourceFailing:
		return 0
	case model.SourceStale:
		return 1
	case model.SourceRateLimited:
		return 2
	}
	return 3
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
	mark := " "
	if d.focus == focusHealth {
		mark = st.borderFocus.Render("▸")
	}
	if h == 1 && len(srcs) > 1 {
		return []string{fit(mark+d.stripLine(srcs), w)}
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
	stW := stateWidth(srcs, func(s *model.SourceStatus) model.SourceState { return s.State })
	lines := make([]string, 0, h)
	for i, s := range srcs {
		if i == h-1 && len(srcs) > h {
			lines = append(lines, " "+st.dim.Render(d.moreSources(srcs[i:])))
			break
		}
		lines = append(lines, mark+d.sourceLine(&s, nameW, typeW, stW))
		mark = " "
	}
	return block(lines, w, h)
}

// sourceLine is one source's health: state, age of its data and, when
// failing, how often and since when, and the error; when syncing, how far
// its first read got; when rate limited, until when.
func (d *dashboard) sourceLine(s *model.SourceStatus, nameW, typeW, stateW int) string {
	st := d.c.st
	ss := st.stateStyle(s.State)
	head := ss.Render(stateGlyph(s.State)) + " " + fit(s.Name, nameW) + " " + st.dim.Render(fit(s.Type, typeW)) +
		" " + ss.Render(fit(stateWord(s.State), stateW))
	var parts []string
	switch s.State {
	case model.SourceSyncing:
		// "syncing  412 deployments, page 5": the data so far is on screen.
		progress := "first read"
		if s.Progress != "" {
			progress = oneLine(s.Progress)
		}
		parts = append(parts, ss.Render(progress))
	case model.SourceRateLimited:
		if !s.RateLimitedUntil.IsZero() {
			parts = append(parts, ss.Render("until "+untilText(s.RateLimitedUntil, d.c.now)))
		}
	}
	if s.State == model.SourceFailing {
		// Failure count, the error and since when first: it is what the
		// reader needs, and the rest is the first to be cut.
		parts = append(parts, st.bad.Render(failureText(s, d.c.now)))
		if s.Error != "" {
			parts = append(parts, st.bad.Render(oneLine(s.Error)))
		}
	} else if s.State != model.SourcePending && (s.State != model.SourceSyncing || s.Progress == "") {
		// A syncing source's progress says how much it read.
		parts = append(parts, st.dim.Render(plural(s.Deployments, "deployment")+", "+plural(s.Incidents, "incident")))
	}
	if s.State != model.SourceSyncing || !s.LastSuccess.IsZero() {
		parts = append(parts, st.dim.Render(d.dataAge(s)))
	}
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
		return firstReadText(s)
	}
	return "updated " + s.LastSuccess.In(d.c.now.Location()).Format("15:04")
}

// firstReadText is the age of a source that never succeeded: it has no
// data yet, or part of its first read (rate limited during it).
func firstReadText(s *model.SourceStatus) string {
	if s.Deployments+s.Incidents > 0 {
		return "first read unfinished"
	}
	return "no data yet"
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
		p := ss.Render(stateGlyph(s.State)) + " " + s.Name + " " + ss.Render(stateWord(s.State))
		switch {
		case s.State == model.SourceSyncing && s.Progress != "":
			p += ss.Render(": " + oneLine(s.Progress))
		case s.State == model.SourceSyncing:
		case s.State == model.SourceRateLimited && !s.RateLimitedUntil.IsZero():
			p += ss.Render(" until " + untilText(s.RateLimitedUntil, d.c.now))
		case s.State == model.SourceFailing:
			p += st.bad.Render(" ×" + strconv.Itoa(max(1, s.Failures)))
			if s.Error != "" {
				p += st.dim.Render(": " + oneLine(s.Error))
			}
		case !s.LastSuccess.IsZero():
			p += " " + st.dim.Render(s.LastSuccess.In(d.c.now.Location()).Format("15:04"))
		default:
			p += " " + st.dim.Render(firstReadText(s))
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
	for _, s := range []model.SourceState{model.SourceFailing, model.SourceStale, model.SourceRateLimited,
		model.SourceSyncing, model.SourceOK, model.SourcePending} {
		if counts[s] > 0 {
			parts = append(parts, strconv.Itoa(counts[s])+" "+stateWord(s))
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
