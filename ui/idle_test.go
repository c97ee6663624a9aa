package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"
)

// runNow runs cmd and what it returns synchronously, feeding the messages
// to m, like Bubble Tea would; the tests' ticks are nil commands.
func runNow(m *Model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			runNow(m, c)
		}
	default:
		_, next := m.Update(msg)
		runNow(m, next)
	}
}

// uncached is m's screen drawn from scratch, without any cached panel.
func uncached(m *Model) string {
	dash, footer, detail := m.dash.cache, m.footerCache, m.detailCache
	m.dash.cache, m.footerCache, m.detailCache = panels{}, panelCache{}, panelCache{}
	v := m.render(m.c.width, m.c.height)
	m.dash.cache, m.footerCache, m.detailCache = dash, footer, detail
	return v
}

// idleRun advances m's clock second by second for secs seconds, delivering
// a tick only when one is due (as the Bubble Tea runtime would) and calling
// View after each. It returns how many ticks were delivered and how many
// of them changed the screen.
func idleRun(t testing.TB, m *Model, now *time.Time, secs int) (ticks, changed int) {
	t.Helper()
	last := m.View()
	for range secs {
		*now = now.Add(time.Second)
		if m.tickAt.IsZero() || now.Before(m.tickAt) {
			continue
		}
		ticks++
		_, cmd := m.Update(tickMsg{t: *now, at: m.tickAt})
		runNow(m, cmd)
		if v := m.View(); v != last {
			changed++
			last = v
		}
	}
	return ticks, changed
}

// TestIdleTicksOnlyWhenTheScreenChanges: over ten idle minutes at every
// size the clock wakes the model only when an age on screen ticks over or
// the window slides, never every second, and the view is the one drawn
// from scratch.
func TestIdleTicksOnlyWhenTheScreenChanges(t *testing.T) {
	for _, s := range namedSizes {
		t.Run(s.name, func(t *testing.T) {
			now := testNow
			m := settledWithClock(t, &now)
			m.Update(tea.WindowSizeMsg{Width: s.w, Height: s.h})
			if m.tickAt.IsZero() {
				t.Fatal("no tick scheduled although ages are shown")
			}
			ticks, changed := idleRun(t, m, &now, 600)
			// Ages over a minute tick per minute, each on its own phase;
			// the window slides once a minute.
			if ticks > 10*(1+len(m.c.snap.report.OpenIncidents)+len(m.dash.resolvedWithAges(m.layout()))) {
				t.Errorf("%d ticks in 600 s", ticks)
			}
			if changed == 0 || ticks-changed > 11 {
				t.Errorf("%d ticks, %d changed the screen: the others must be window slides only", ticks, changed)
			}
			if got, want := m.View(), uncached(m); got != want {
				t.Errorf("cached view differs from a fresh one:\n%s\n---\n%s", got, want)
			}
		})
	}
}

// TestTickAtTheInstantTheTextChanges: the view reads the same up to the
// scheduled instant and differs at it.
func TestTickAtTheInstantTheTextChanges(t *testing.T) {
	now := testNow
	m := settledWithClock(t, &now)
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 45})
	at := m.tickAt
	if at.IsZero() || !at.After(now) {
		t.Fatalf("tick at %v, now %v", at, now)
	}
	if at.Equal(m.c.snap.report.Window.End.Add(time.Minute)) {
		t.Skip("the next change is the window slide")
	}
	before := m.View()
	m.c.now = at.Add(-time.Millisecond)
	if v := m.View(); v != before {
		t.Error("the view changed before the scheduled tick")
	}
	m.c.now = at
	if v := m.View(); v == before {
		t.Error("the view did not change at the scheduled tick")
	}
}

// TestFixedClockStopsTicking: with --now nothing moves; after one tick
// that finds the clock unchanged no more are scheduled.
func TestFixedClockStopsTicking(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 100, 30)
	if m.tickAt.IsZero() {
		t.Fatal("no tick scheduled")
	}
	m.tickReal = m.tickReal.Add(-time.Minute) // the tick's wait went by
	m.Update(tickMsg{t: testNow, at: m.tickAt})
	if cmd := m.scheduleTick(); cmd != nil || !m.tickAt.Equal(neverAgain) || m.nextChange(testNow).IsZero() {
		t.Error("a fixed clock keeps ticking")
	}
}

// TestLiveClockKeepsTicking: a tick that comes before real time moved on
// (a clock coarser than the wait) does not stop the ticks.
func TestLiveClockKeepsTicking(t *testing.T) {
	now := testNow
	m := settledWithClock(t, &now)
	m.Update(tickMsg{t: now, at: m.tickAt})
	if m.tickAt.IsZero() || m.tickAt.Equal(neverAgain) {
		t.Errorf("tick at %v", m.tickAt)
	}
}

// TestAgeResolution: ages under a minute count seconds, then minutes,
// hours and days, truncated; nextAgeChange is exactly when the text turns.
func TestAgeResolution(t *testing.T) {
	start := testNow
	for _, c := range []struct {
		age  time.Duration
		want string
	}{
		{0, "0s"}, {59 * time.Second, "59s"}, {time.Minute + 59*time.Second, "1m"}, {9*time.Minute + 59*time.Second, "9m"},
		{119*time.Minute + 59*time.Second, "1h 59m"}, {24*time.Hour + 59*time.Minute, "1d"},
		{55*time.Hour + 59*time.Minute, "2d 7h"}, {10*24*time.Hour + 23*time.Hour, "10d"}, {-time.Hour, "0s"},
	} {
		now := start.Add(c.age)
		if got := ago(now, start); got != c.want {
			t.Errorf("ago(%v) = %q, want %q", c.age, got, c.want)
		}
		next := nextAgeChange(now, start)
		if !next.After(now) || ago(next.Add(-time.Nanosecond), start) != c.want || ago(next, start) == c.want {
			t.Errorf("age %v: next change at +%v is not where %q turns", c.age, next.Sub(now), c.want)
		}
	}
}

// TestHealthLineHasNoSecondsCounter: the source lines say when a source
// last succeeded to the minute, with no running counter.
func TestHealthLineHasNoSecondsCounter(t *testing.T) {
	v := demoModel(t, termenv.Ascii, 160, 45).View()
	if strings.Contains(v, " ago)") || !strings.Contains(v, "updated 14:03") {
		t.Errorf("health lines:\n%s", v)
	}
}

// TestCachedViewMatchesFresh drives keys, resizes, versions and the clock
// and compares every view with one drawn from scratch.
func TestCachedViewMatchesFresh(t *testing.T) {
	now := testNow
	m := settledWithClock(t, &now)
	steps := []func(){
		func() { press(t, m, "tab") },
		func() { press(t, m, "down", "down") },
		func() { m.Update(tea.WindowSizeMsg{Width: 160, Height: 45}) },
		func() { now = now.Add(90 * time.Second); m.Update(tickMsg{t: now}) },
		func() { press(t, m, "tab", "tab", "tab", "tab", "down") },
		func() { _, cmd := m.Update(versionMsg{v: partialVersion()}); settle(t, m, cmd) },
		func() { press(t, m, "?") },
		func() { m.Update(tea.WindowSizeMsg{Width: 80, Height: 24}) },
		func() { press(t, m, "]") },
		func() { m.Update(tea.WindowSizeMsg{Width: 30, Height: 8}) },
		func() { m.Update(tea.WindowSizeMsg{Width: 300, Height: 80}) },
		func() { press(t, m, "tab", "enter") },
		func() { now = now.Add(25 * time.Hour); m.Update(tickMsg{t: now}) },
		func() { press(t, m, "esc") },
	}
	for i, step := range steps {
		step()
		if got, want := m.View(), uncached(m); got != want {
			t.Fatalf("step %d: cached view differs from a fresh one:\n%s\n---\n%s", i, got, want)
		}
	}
}

// BenchmarkIdleSecond is one second of a dashboard left alone at 300×80 on
// demo data with a live clock: most seconds nothing happens at all; a tick
// (an age turning over, the window sliding once a minute) recomputes what
// it must and redraws from the cached panels.
func BenchmarkIdleSecond(b *testing.B) {
	now := testNow
	m := settledWithClock(b, &now)
	m.Update(tea.WindowSizeMsg{Width: 300, Height: 80})
	m.View()
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Second)
		if m.tickAt.IsZero() || now.Before(m.tickAt) {
			continue
		}
		_, cmd := m.Update(tickMsg{t: now, at: m.tickAt})
		runNow(m, cmd)
		m.View()
	}
}

// BenchmarkViewCached is View at 300×80 when a status-only version came
// in: the header and the source lines are redrawn, the panels come from
// the cache.
func BenchmarkViewCached(b *testing.B) {
	m := demoModel(b, termenv.TrueColor, 300, 80)
	v := *m.c.version
	b.ReportAllocs()
	for b.Loop() {
		vv := v
		m.c.version = &vv
		if len(m.View()) == 0 {
			b.Fatal("empty view")
		}
	}
}
