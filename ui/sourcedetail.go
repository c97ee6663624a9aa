package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"doradash/model"
)

// The source detail screen: one source's health in full, opened with enter
// on the focused health strip. The poller keeps no history of its polls,
// so the dashboard keeps one itself: the last maxHistory state changes of
// each source among the versions it received (a dashboard started later
// knows less; nothing is stored).

// maxHistory is how many state changes a source's history keeps.
const maxHistory = 10

// stateChange is one source's state as first seen in a version.
type stateChange struct {
	state model.SourceState
	at    time.Time // the source's last attempt, or when the version came
	err   string
}

// srcState is what of the source detail screen the view depends on.
type srcState struct {
	idx, off int
}

// sourceDetail is the source detail screen and the state histories.
type sourceDetail struct {
	c *common
	srcState
	hist map[string][]stateChange
}

var (
	srcPrev = key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "previous source"))
	srcNext = key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "next source"))
)

// sourceHelp is the source detail screen's help.
func sourceHelp(k *keyMap) []key.Binding {
	return []key.Binding{k.Back, srcPrev, srcNext, k.PageUp, k.PageDown, k.Help, k.Quit}
}

// observe records the state changes of v's sources.
func (s *sourceDetail) observe(v *model.Version, now time.Time) {
	if v == nil {
		return
	}
	if s.hist == nil {
		s.hist = map[string][]stateChange{}
	}
	for i := range v.Sources {
		src := &v.Sources[i]
		h := s.hist[src.Name]
		if n := len(h); n > 0 && h[n-1].state == src.State && h[n-1].err == src.Error {
			continue
		}
		at := src.LastAttempt
		if at.IsZero() {
			at = now
		}
		h = append(h, stateChange{state: src.State, at: at, err: src.Error})
		if len(h) > maxHistory {
			h = h[len(h)-maxHistory:]
		}
		s.hist[src.Name] = h
	}
}

// openSource shows the source the strip puts first: the one with the
// worst trouble.
func (m *Model) openSource() tea.Cmd {
	m.src.c = m.c
	m.src.srcState = srcState{}
	if v := m.c.version; v != nil {
		for i := range v.Sources {
			if problem(v.Sources[i].State) < problem(v.Sources[m.src.idx].State) {
				m.src.idx = i
			}
		}
	}
	m.screen = screenSource
	return nil
}

// onSourceKey: esc back, j/k choose the source, PgUp/PgDn/g/G scroll.
func (m *Model) onSourceKey(msg tea.KeyMsg) tea.Cmd {
	k, s := &m.c.keys, &m.src
	n := 0
	if m.c.version != nil {
		n = len(m.c.version.Sources)
	}
	page := max(1, m.layout().bodyH-1)
	switch {
	case key.Matches(msg, k.Back):
		m.screen = screenDashboard
	case key.Matches(msg, srcPrev) && n > 0:
		s.srcState = srcState{idx: (s.idx + n - 1) % n}
	case key.Matches(msg, srcNext) && n > 0:
		s.srcState = srcState{idx: (s.idx + 1) % n}
	case key.Matches(msg, k.PageUp):
		s.off = max(0, s.off-page)
	case key.Matches(msg, k.PageDown):
		s.off += page
	case key.Matches(msg, k.Top):
		s.off = 0
	case key.Matches(msg, k.Bottom):
		s.off = 1 << 30
	}
	s.off = min(s.off, max(0, len(s.lines(m.c.width))-m.layout().bodyH))
	return nil
}

// view draws the screen, scrolled to off.
func (s *sourceDetail) view(w, h int) []string {
	lines := s.lines(w)
	off := max(0, min(s.off, len(lines)-h))
	return block(lines[off:], w, h)
}

// lines is the whole screen's content, unscrolled.
func (s *sourceDetail) lines(w int) []string {
	v := s.c.version
	if v == nil || len(v.Sources) == 0 {
		return []string{" " + s.c.st.dim.Render("no sources")}
	}
	idx := min(s.idx, len(v.Sources)-1)
	src := &v.Sources[idx]
	st, now := s.c.st, s.c.now
	ss := st.stateStyle(src.State)
	tw := max(10, w-4) // wrapped text, indented by 3
	var out []string
	add := func(l string) { out = append(out, l) }
	wrapped := func(text string, indent string) {
		for _, l := range strings.Split(ansi.Wrap(model.Printable(text), tw, " "), "\n") {
			add(indent + l)
		}
	}
	hdr := ss.Render(stateGlyph(src.State)) + " " + st.title.Render(model.Printable(src.Name)) + "  " +
		st.dim.Render(src.Type) + "  " + ss.Render(stateWord(src.State))
	if len(v.Sources) > 1 {
		hdr += st.dim.Render("   source " + strconv.Itoa(idx+1) + " of " + strconv.Itoa(len(v.Sources)) + " (j/k)")
	}
	add(" " + hdr)
	if src.Target != "" {
		wrapped(src.Target, "   ")
	}
	add("")
	add(" " + st.dim.Render("STATE"))
	add("   " + ss.Render(stateWord(src.State)) + " " + sinceText(s.hist[src.Name], src, now))
	if !src.LastAttempt.IsZero() {
		a := "last poll " + clockText(src.LastAttempt, now)
		if src.LastDuration > 0 {
			a += ", took " + src.LastDuration.Round(time.Millisecond).String()
		}
		if src.Interval > 0 {
			a += " · every " + src.Interval.String()
		}
		add("   " + st.dim.Render(a))
	}
	add("   " + st.dim.Render(s.dataText(src)))
	if src.State == model.SourceSyncing {
		p := "first read under way"
		if src.Progress != "" {
			p = "read so far: " + oneLine(src.Progress)
		}
		add("   " + ss.Render(p))
	}
	if !src.RateLimitedUntil.IsZero() {
		add("   " + ss.Render("rate limited until "+untilText(src.RateLimitedUntil, now)))
	}
	if src.Error != "" {
		add("")
		add(" " + st.bad.Render("ERROR") + st.dim.Render("  "+failureText(src, now)))
		wrapped(src.Error, "   ")
	}
	if a := src.API; a != nil {
		add("")
		add(" " + st.dim.Render("API"))
		add("   " + plural(a.Requests, "request") + ", " + strconv.Itoa(a.Cached) + " answered from the cache or unchanged (304)")
		add("   " + headroomText(a, now))
	}
	if src.Rejected > 0 {
		add("")
		list := src.Rejections.List()
		if len(list) == 0 && src.FirstRejection != "" {
			list = []string{src.FirstRejection}
		}
		t := plural(src.Rejected, "rejected record")
		if len(list) < src.Rejected {
			t += ", the first " + strconv.Itoa(len(list)) + " shown"
		}
		add(" " + st.warn.Render("REJECTED") + st.dim.Render("  "+t))
		for i, r := range list {
			n := strconv.Itoa(i+1) + ". "
			for j, l := range strings.Split(ansi.Wrap(model.Printable(r), max(10, tw-len(n)), " "), "\n") {
				if j > 0 {
					n = spaces(len(n))
				}
				add("   " + n + l)
			}
		}
	}
	if h := s.hist[src.Name]; len(h) > 0 {
		add("")
		add(" " + st.dim.Render("HISTORY  state changes seen by this dashboard, newest first"))
		for i := len(h) - 1; i >= 0; i-- {
			c := h[i]
			l := "   " + st.dim.Render(clockText(c.at, now)) + "  " + st.stateStyle(c.state).Render(fit(stateWord(c.state), 12))
			if c.err != "" {
				l += " " + st.dim.Render(oneLine(c.err))
			}
			add(fit(l, w))
		}
	}
	return out
}

// sinceText says since when a source is in its state: the failures'
// start, or the first change to it this dashboard saw.
func sinceText(h []stateChange, s *model.SourceStatus, now time.Time) string {
	if s.State == model.SourceFailing && !s.FailingSince.IsZero() {
		return "since " + clockText(s.FailingSince, now)
	}
	if n := len(h); n > 0 && h[n-1].state == s.State {
		if n == 1 {
			return "since at least " + clockText(h[0].at, now)
		}
		return "since " + clockText(h[n-1].at, now)
	}
	return ""
}

// dataText is the size and age of a source's last good data, and since
// when it is stale.
func (s *sourceDetail) dataText(src *model.SourceStatus) string {
	t := plural(src.Deployments, "deployment") + ", " + plural(src.Incidents, "incident")
	if src.LastSuccess.IsZero() {
		return t + " · " + firstReadText(src)
	}
	t += " · last success " + clockText(src.LastSuccess, s.c.now)
	if src.DataStale(s.c.now) && !src.StaleAt.IsZero() {
		// Since when, as the poller published it.
		t += " · stale since " + clockText(src.StaleAt, s.c.now)
	}
	return t
}

// headroomText is the rate-limit headroom an API source was last told.
func headroomText(a *model.APIStats, now time.Time) string {
	if a.RateLimit < 0 || a.RateRemaining < 0 {
		return "rate limit not reported"
	}
	t := "rate limit: " + strconv.Itoa(a.RateRemaining) + " of " + strconv.Itoa(a.RateLimit) + " left"
	if !a.RateReset.IsZero() {
		t += ", resets " + untilText(a.RateReset, now)
	}
	return t
}

// clockText is an instant to the second, with the day when not today.
func clockText(t, now time.Time) string {
	t = t.In(now.Location())
	if !dayOf(t).Equal(dayOf(now)) {
		return t.Format("Jan 2 15:04:05")
	}
	return t.Format("15:04:05")
}
