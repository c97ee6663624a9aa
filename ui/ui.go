// Package ui is doradash's terminal interface: the live dashboard (a Bubble
// Tea model with layouts for every terminal size, keys, help and per-session
// styles) and the plain-text rendering of a report.
//
// The dashboard never fetches: it subscribes to a Feed and computes reports
// from the versions it delivers, off the UI goroutine.
package ui

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"doradash/model"
)

// Options configures one dashboard (the local one, or one SSH session's).
type Options struct {
	Feed     Feed               // the shared poller (ui/feed.go)
	Renderer *lipgloss.Renderer // per-session renderer; nil: lipgloss.DefaultRenderer()
	Clock    func() time.Time   // nil: time.Now; fixed with --now, making the screen deterministic
	// Query is the initial query; its End is ignored (the clock says
	// when). Days 0 is model.DefaultDays; [ and ] step through 1, 7, 30,
	// 90 and this one; s cycles the services filter through all → each
	// service (from the dataset).
	Query      model.Query
	Demo       bool   // header shows a demo marker and ConfigHint
	ConfigHint string // one line on how to configure real sources
	// Reports shares the computed snapshots among the dashboards of one
	// process; nil: every dashboard computes its own.
	Reports Reports
	Teams   []Team        // t cycles everyone → each team → unassigned (teams.go)
	Team    string        // the team Services came from (--team); Unassigned: the services of none
	Rotate  time.Duration // wall rotation through the teams or services (rotate.go); 0: off
}

// Reports shares computations among dashboards, so that many sessions on
// the same view compute once. Share returns what compute returned, or the
// value an earlier or concurrent call with the same ds and key computed
// for the same instant: the implementation decides which ends are the
// same (the minute of a live clock, the exact instant of a fixed one). key
// names everything else the value depends on. Share is called from many
// goroutines at once; the values are shared and never modified.
type Reports interface {
	Share(ds *model.Dataset, key string, end time.Time, compute func() any) any
}

// screen is the state of the root model: which child gets the keys.
type screen int

const (
	screenDashboard screen = iota
	screenDetail
	screenDrill  // the records behind a number (drill.go)
	screenSource // one source's health in full (sourcedetail.go)
)

// common is what the root model shares with its children.
type common struct {
	width, height int
	st            *styles
	keys          keyMap
	now           time.Time
	demo          bool
	hint          string
	version       *model.Version // newest version from the feed; nil before the first
	snap          *snapshot      // newest computed snapshot; nil before the first
	q             model.Query    // the query asked for, End zero (snap.q lags while computing)
	qGen          uint64         // counts changes of q
	computing     bool
	mouseOff      bool // mouse reports are off, so that the terminal selects text
	// teams are the configured teams and the one selected.
	teams teams
}

// Model is the dashboard: a Bubble Tea model that routes messages to the
// screen that owns them. Create it with New; it implements tea.Model.
type Model struct {
	c      *common
	screen screen
	dash   dashboard
	detail detail
	drill  drill
	src    sourceDetail
	help   help.Model

	feed   Feed
	clock  func() time.Time
	ctx    context.Context
	cancel context.CancelFunc
	ch     <-chan *model.Version

	// The clock only wakes the model when something on screen changes
	// with it: tickAt is the pending wake-up (zero: none), scheduled when
	// the clock read tickFrom and the real time was tickReal. A tick that
	// finds the clock still at tickFrom although real time passed means a
	// fixed clock (--now): then tickAt is neverAgain.
	tickAt   time.Time
	tickFrom time.Time
	tickReal time.Time

	footerCache panelCache
	detailCache panelCache
	lastKey     viewKey // the inputs of lastView
	lastView    string  // View's previous output; valid when lastKey.w > 0

	reqID     uint64         // id of the newest compute request
	inFlight  bool           // a compute is running
	requested bool           // a compute was ever requested
	computed  *model.Dataset // the data of the newest request
	reports   Reports        // nil: compute alone
	popBusy   bool           // a population is being built

	windows []int // the window lengths [ and ] step through, ascending

	rot rotation // the wall rotation (rotate.go)
}

// New returns the dashboard model (implements tea.Model).
func New(o Options) *Model {
	r := o.Renderer
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	clock := o.Clock
	if clock == nil {
		clock = time.Now
	}
	q := o.Query
	if q.Days <= 0 {
		q.Days = model.DefaultDays
	}
	q = q.Normalized()
	q.End = time.Time{}
	c := &common{
		st:    newStyles(r),
		keys:  newKeyMap(),
		now:   clock(),
		demo:  o.Demo,
		hint:  o.ConfigHint,
		q:     q,
		teams: newTeams(o.Teams, o.Team),
	}
	c.keys.Team.SetEnabled(len(o.Teams) > 0)
	c.keys.TeamBack.SetEnabled(len(o.Teams) > 0)
	h := help.New()
	h.Styles = c.st.help
	ctx, cancel := context.WithCancel(context.Background())
	return &Model{
		c:       c,
		dash:    dashboard{c: c},
		detail:  detail{c: c},
		drill:   drill{c: c},
		help:    h,
		feed:    o.Feed,
		clock:   clock,
		ctx:     ctx,
		cancel:  cancel,
		reports: o.Reports,
		windows: windowsWith(q.Days),
		rot:     rotation{every: o.Rotate},
	}
}

// Init subscribes to the feed. Ticks start with the first snapshot.
func (m *Model) Init() tea.Cmd {
	if m.feed != nil && m.ch == nil {
		m.ch = m.feed.Subscribe(m.ctx)
	}
	if m.ch != nil {
		return waitVersion(m.ch)
	}
	return nil
}

// Close ends the model's subscription to the feed. The model calls it
// itself on quit; call it after the program returns for any other reason
// (an SSH session that closed, a killed program). It is idempotent.
func (m *Model) Close() { m.cancel() }

// Update routes a message to whoever owns it, then makes sure the clock
// wakes the model when the screen next changes with it.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.route(msg)
	if rot := m.rotate(msg); rot != nil {
		cmd = tea.Batch(cmd, rot)
	}
	if tick := m.scheduleTick(); tick != nil {
		cmd = tea.Batch(cmd, tick)
	}
	return m, cmd
}

func (m *Model) route(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.width, m.c.height = msg.Width, msg.Height
		m.help.Width = msg.Width - 1
		m.dash.clamp(m.layout())
	case versionMsg:
		return m.onVersion(msg.v)
	case feedClosedMsg:
		m.ch = nil
	case computedMsg:
		return m.onComputed(msg)
	case populationMsg:
		return m.onPopulation(msg.pop)
	case tickMsg:
		return m.onTick(msg)
	case tea.KeyMsg:
		return m.onKeys(msg)
	case tea.MouseMsg:
		return m.onMouse(msg)
	}
	return nil
}

// onVersion takes a new version and recomputes when its data changed;
// a version that only changes source statuses needs no computation.
func (m *Model) onVersion(v *model.Version) tea.Cmd {
	m.c.version = v
	m.c.now = m.clock()
	m.src.observe(v, m.c.now)
	var cmds []tea.Cmd
	if m.ch != nil {
		cmds = append(cmds, waitVersion(m.ch))
	}
	// A source's first success always brings new data; the coverage test
	// is for a dataset that happens to be shared by both versions.
	covChanged := m.c.snap != nil && coverageOf(v) != m.c.snap.cov
	if v != nil && (!m.requested || v.Data != m.computed || covChanged) {
		m.requested = true
		m.computed = v.Data
		cmds = append(cmds, m.requestCompute())
	}
	m.dash.clamp(m.layout())
	return tea.Batch(cmds...)
}

// requestCompute asks for a new snapshot of the current query. Only one
// computation runs at a time: a request made meanwhile is started when the
// running one returns, and the running one's result is then dropped.
func (m *Model) requestCompute() tea.Cmd {
	if m.c.version == nil {
		return nil
	}
	m.reqID++
	m.c.computing = true
	if m.inFlight {
		return nil
	}
	return m.startCompute()
}

func (m *Model) startCompute() tea.Cmd {
	m.inFlight = true
	m.c.now = m.clock()
	return computeCmd(m.reports, m.reqID, m.c.version.Data, m.c.q, m.c.now, coverageOf(m.c.version))
}

// onComputed shows a fresh result or, when a newer request came in while
// it ran, drops it and starts that one.
func (m *Model) onComputed(msg computedMsg) tea.Cmd {
	m.inFlight = false
	if msg.id != m.reqID {
		return m.startCompute()
	}
	m.c.snap = msg.snap
	m.c.computing = false
	m.dash.clamp(m.layout())
	return m.requestPopulation()
}

// onTick advances the clock for live ages. The window slides with a live
// clock, so the report is recomputed once its end is a minute old (never
// with a fixed clock).
func (m *Model) onTick(msg tickMsg) tea.Cmd {
	m.c.now = m.clock()
	if !msg.at.IsZero() && msg.at.Equal(m.tickAt) {
		m.tickAt = time.Time{}
		if m.c.now.Equal(m.tickFrom) && time.Since(m.tickReal) >= 50*time.Millisecond {
			m.tickAt = neverAgain
		}
	}
	if s := m.c.snap; s != nil && !m.inFlight &&
		m.c.now.Sub(s.report.Window.End) >= time.Minute {
		return m.requestCompute()
	}
	return nil
}

// scheduleTick returns a tick for the next instant the screen changes
// with the clock alone, unless one is pending for that instant or sooner.
func (m *Model) scheduleTick() tea.Cmd {
	if m.tickAt.Equal(neverAgain) {
		return nil
	}
	now := m.c.now
	next := m.nextChange(now)
	if next.IsZero() || (!m.tickAt.IsZero() && !m.tickAt.After(next)) {
		return nil
	}
	m.tickAt, m.tickFrom, m.tickReal = next, now, time.Now()
	return newTick(next.Sub(now), next)
}

// neverAgain is tickAt once the clock turned out to be fixed.
var neverAgain = time.Time{}.Add(-1)

// nextChange is the first instant after now at which the screen reads
// differently with the clock alone: an age shown ticks over, a source's
// data turns stale, or the window is due to slide. Zero: nothing on
// screen depends on the clock.
func (m *Model) nextChange(now time.Time) time.Time {
	s := m.c.snap
	if s == nil {
		return time.Time{}
	}
	var next time.Time
	sooner := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	// A slide already due is being computed: onComputed schedules anew.
	sooner(s.report.Window.End.Add(time.Minute))
	if l := m.layout(); m.screen == screenDashboard || l.size == sizeTiny {
		sooner(m.dash.agesChange(l, now))
	}
	// The header warns of stale data from the instant the poller published.
	sooner(staleChange(m.c.version, now))
	// The deployments feed says "Today".
	sooner(dayOf(now).AddDate(0, 0, 1))
	sooner(m.rotateChange(now))
	return next
}

// onKeys acts on every key of msg. Bubble Tea v1 delivers the runes it
// reads at once as one message: fast typing, a laggy SSH link or tmux
// send-keys make "jjjjj" or "]]" one message, and each rune is a key
// press. Pasted text (bracketed paste) is ignored: the dashboard has no
// text input, and a paste is text, not commands (a "q" in it must not
// quit).
func (m *Model) onKeys(msg tea.KeyMsg) tea.Cmd {
	if msg.Paste {
		return nil
	}
	if msg.Type != tea.KeyRunes || len(msg.Runes) < 2 {
		return m.onKey(msg)
	}
	cmds := make([]tea.Cmd, 0, len(msg.Runes))
	for _, r := range msg.Runes {
		cmds = append(cmds, m.onKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}))
		if m.ctx.Err() != nil {
			break // quit: the rest is not for this dashboard
		}
	}
	return tea.Batch(cmds...)
}

// onKey handles the global keys, then hands the key to the active screen.
func (m *Model) onKey(msg tea.KeyMsg) tea.Cmd {
	k := &m.c.keys
	if m.screen == screenDrill && m.drill.editing && msg.Type != tea.KeyCtrlC {
		m.drill.update(msg, m.layout().bodyH)
		return nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		m.cancel()
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.dash.clamp(m.layout())
	case key.Matches(msg, k.Refresh):
		if m.feed != nil {
			m.feed.Refresh()
		}
	case key.Matches(msg, k.WindowPrev):
		return m.setDays(stepDays(m.windows, m.c.q.Days, -1))
	case key.Matches(msg, k.WindowNext):
		return m.setDays(stepDays(m.windows, m.c.q.Days, +1))
	case key.Matches(msg, k.Service):
		return m.stepService(+1)
	case key.Matches(msg, k.ServiceBack):
		return m.stepService(-1)
	case key.Matches(msg, k.Team):
		return m.stepTeam(+1)
	case key.Matches(msg, k.TeamBack):
		return m.stepTeam(-1)
	case key.Matches(msg, k.Mouse):
		return m.toggleMouse()
	case m.screen == screenDetail:
		return m.onDetailKey(msg)
	case m.screen == screenSource:
		return m.onSourceKey(msg)
	case m.screen == screenDrill:
		if !m.drill.update(msg, m.layout().bodyH) {
			m.screen = m.drill.back
		}
	default:
		if f, ok := m.dash.update(msg, m.layout()); ok {
			return m.openFocus(f)
		}
	}
	return nil
}

func (m *Model) setDays(days int) tea.Cmd {
	if days == m.c.q.Days {
		return nil // at the shortest or longest window already
	}
	m.c.q.Days = days
	m.c.qGen++
	return m.requestCompute()
}

func (m *Model) setServices(s []string) tea.Cmd {
	m.c.q.Services = s
	m.c.qGen++
	m.dash.resetScroll()
	return m.requestCompute()
}

// services are the dataset's services, for cycling the filter.
func (m *Model) services() []string {
	if m.c.snap == nil {
		return nil
	}
	return m.c.snap.services
}

// windows are the window lengths [ and ] step through.
var windows = []int{1, 7, 30, 90}

// windowsWith is windows with days (the window asked for on the command
// line or in the configuration) in its place, so that [ and ] lead back
// to it.
func windowsWith(days int) []int {
	ws := slices.Clone(windows)
	if !slices.Contains(ws, days) {
		ws = append(ws, days)
		slices.Sort(ws)
	}
	return ws
}

// stepDays steps from days to the next longer (dir +1) or shorter (−1)
// length of ws (ascending); at the longest or the shortest it stays.
func stepDays(ws []int, days, dir int) int {
	if dir > 0 {
		for _, w := range ws {
			if w > days {
				return w
			}
		}
		return days
	}
	for i := len(ws) - 1; i >= 0; i-- {
		if ws[i] < days {
			return ws[i]
		}
	}
	return days
}

// prevService steps the service filter backwards: all → each service in
// reverse → all. A filter of several services steps to all.
func prevService(cur, all []string) []string {
	if len(all) == 0 {
		return nil
	}
	switch len(cur) {
	case 0:
		return []string{all[len(all)-1]}
	case 1:
		for i, s := range all {
			if s == cur[0] && i > 0 {
				return []string{all[i-1]}
			}
		}
	}
	return nil
}

// nextService steps the service filter: all → each service in turn → all.
// A filter of several services steps to all.
func nextService(cur, all []string) []string {
	if len(all) == 0 {
		return nil
	}
	switch len(cur) {
	case 0:
		return []string{all[0]}
	case 1:
		for i, s := range all {
			if s == cur[0] && i+1 < len(all) {
				return []string{all[i+1]}
			}
		}
	}
	return nil
}

// View renders the active screen, exactly the terminal's width and height.
// Bubble Tea calls it after every message: when none of its inputs changed
// it returns the previous output as it is.
func (m *Model) View() string {
	w, h := m.c.width, m.c.height
	if w <= 0 || h <= 0 {
		return ""
	}
	key := viewKey{version: m.c.version, snap: m.c.snap, w: w, h: h, screen: m.screen, focus: m.dash.focus,
		incOff: m.dash.incOff, depOff: m.dash.depOff, help: m.help.ShowAll, metric: m.detail.metric,
		computing: m.c.computing, qGen: m.c.qGen, now: m.c.now, rot: m.rotateMark(m.c.now), drill: m.drill.drillState, mouseOff: m.c.mouseOff, src: m.src.srcState}
	if key == m.lastKey {
		return m.lastView
	}
	m.lastKey, m.lastView = key, m.render(w, h)
	return m.lastView
}

// render draws the screen.
func (m *Model) render(w, h int) string {
	lay := m.layout()
	var lines []string
	if lay.size == sizeTiny {
		lines = m.tinyView(w, h)
	} else {
		lines = make([]string, 0, h)
		lines = append(lines, m.header(w, lay.headerH)...)
		switch m.screen {
		case screenDrill:
			lines = append(lines, m.drill.view(w, lay.bodyH)...)
		case screenSource:
			lines = append(lines, m.src.view(w, lay.bodyH)...)
		case screenDetail:
			key := panelKey{snap: m.c.snap, r: rect{w: w, h: lay.bodyH}, size: lay.size, metric: m.detail.metric}
			lines = append(lines, m.detailCache.get(key, m.c.now, func() ([]string, time.Time) {
				return m.detail.view(w, lay.bodyH, lay.size), time.Time{}
			})...)
		default:
			lines = append(lines, m.dash.view(lay)...)
		}
		lines = append(lines, m.footer(w, lay.footerH)...)
	}
	return strings.Join(rows(lines, w, h), "\n")
}

// rows makes lines exactly h lines. Every part of the screen is already
// exactly w wide (made with block, frame or joinH of those), so the lines
// are not measured again; TestEveryLineFits holds them to it.
func rows(lines []string, w, h int) []string {
	if len(lines) == h {
		return lines
	}
	if len(lines) > h {
		return lines[:h]
	}
	return append(lines, blank(w, h-len(lines))...)
}

// footer is the help: one line, or the full help when toggled.
func (m *Model) footer(w, h int) []string {
	if h <= 0 {
		return nil
	}
	key := panelKey{r: rect{w: w, h: h}, screen: m.screen, flag: m.help.ShowAll}
	return m.footerCache.get(key, m.c.now, func() ([]string, time.Time) { return m.buildFooter(w, h), time.Time{} })
}

func (m *Model) buildFooter(w, h int) []string {
	v := m.help.View(helpKeys{k: &m.c.keys, screen: m.screen})
	lines := strings.Split(v, "\n")
	for i := range lines {
		lines[i] = " " + lines[i]
	}
	if h > len(lines) {
		lines = append(blank(w, h-len(lines)), lines...)
	}
	return block(lines, w, h)
}
