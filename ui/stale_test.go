package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"doradash/model"
)

// freshVersion is demoVersion with both sources ok; the incidents source's
// data turns stale at staleAt, as its poller published it.
func freshVersion(staleAt time.Time) *model.Version {
	v := demoVersion()
	v.Sources = slices.Clone(v.Sources)
	s := &v.Sources[1]
	s.State, s.OK, s.Error, s.Failures, s.FailingSince = model.SourceOK, true, "", 0, time.Time{}
	s.LastSuccess = testNow.Add(-10 * time.Second)
	s.StaleAt = staleAt
	return v
}

// TestStaleExactlyAtThePublishedInstant: the header warns of stale data
// from the StaleAt the poller published, not a nanosecond before, and the
// idle clock wakes the model at that instant (no new version needed).
// The instant is deliberately not two intervals after the last success:
// the dashboard compares, it does not derive.
func TestStaleExactlyAtThePublishedInstant(t *testing.T) {
	at := testNow.Add(37*time.Second + 5*time.Millisecond)
	now := testNow
	o := testOptions(nil, termenv.Ascii)
	o.Clock = func() time.Time { return now }
	m := New(o)
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 45})
	_, cmd := m.Update(versionMsg{v: freshVersion(at)})
	settle(t, m, cmd)
	if v := m.View(); strings.Contains(v, "stale") {
		t.Fatalf("stale before StaleAt:\n%s", v)
	}
	// Idle: deliver the ticks the model asks for until it is past at.
	woke := false
	for i := 0; i < 100 && !m.tickAt.IsZero() && !m.tickAt.After(at); i++ {
		tick := m.tickAt
		if tick.Equal(at) {
			woke = true
			now = at.Add(-time.Nanosecond)
			m.c.now = now
			if v := m.View(); strings.Contains(v, "stale") {
				t.Fatalf("stale a nanosecond before StaleAt:\n%s", v)
			}
		}
		now = tick
		_, cmd := m.Update(tickMsg{t: now, at: tick})
		runNow(m, cmd)
	}
	if !woke {
		t.Fatalf("no tick at StaleAt %v (next tick %v)", at, m.tickAt)
	}
	if v := m.View(); !strings.Contains(v, "stale data: incidents") {
		t.Errorf("at StaleAt the header does not warn:\n%s", v)
	}
}

// TestNoStaleWithoutPublishedInstant: a failing source whose last success
// is long past reads stale only by the StaleAt its poller published; the
// dashboard has no rule of its own (it used to derive it from the
// interval).
func TestNoStaleWithoutPublishedInstant(t *testing.T) {
	v := demoVersion()
	v.Sources = slices.Clone(v.Sources)
	v.Sources[1].StaleAt = time.Time{}
	if view := versionModel(t, v, 160, 45).View(); strings.Contains(view, "stale data") {
		t.Errorf("stale without a published StaleAt:\n%s", view)
	}
	v.Sources[1].StaleAt = testNow.Add(-time.Minute)
	if view := versionModel(t, v, 160, 45).View(); !strings.Contains(view, "stale data: incidents") {
		t.Errorf("not stale after the published StaleAt:\n%s", view)
	}
}
