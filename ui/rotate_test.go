package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// deliver advances *now to m's scheduled tick and delivers it, as the
// Bubble Tea runtime would; it fails when none is scheduled.
func deliver(t testing.TB, m *Model, now *time.Time) {
	t.Helper()
	if m.tickAt.IsZero() || m.tickAt.Equal(neverAgain) {
		t.Fatal("no tick scheduled")
	}
	*now = m.tickAt
	_, cmd := m.Update(tickMsg{t: *now, at: m.tickAt})
	settle(t, m, cmd)
}

// TestRotationAdvancesAtItsInstants: with rotate = 20s the wall wakes for
// the progress mark's four steps and the switch only (ages aside), shows
// each team then the unassigned services, and wraps around.
func TestRotationAdvancesAtItsInstants(t *testing.T) {
	now := testNow
	start := now
	m := teamModel(t, &now, 160, 45, testTeams, 20*time.Second)
	var switches []time.Time
	var sels []int
	var marks []string
	for now.Before(start.Add(80 * time.Second)) {
		sel := m.c.teams.sel
		deliver(t, m, &now)
		if m.c.teams.sel != sel {
			switches = append(switches, now)
			sels = append(sels, m.c.teams.sel)
			if !slices.Equal(m.c.snap.q.Services, m.c.teams.filter(m.c.teams.sel, m.services())) {
				t.Errorf("at %v the report is of %q", now.Sub(start), m.c.snap.q.Services)
			}
		}
		marks = append(marks, m.rotateMark(now).String())
	}
	want := []time.Time{start.Add(20 * time.Second), start.Add(40 * time.Second), start.Add(60 * time.Second), start.Add(80 * time.Second)}
	if !slices.EqualFunc(switches, want, time.Time.Equal) {
		t.Errorf("switched at %v, want every 20 s", switches)
	}
	if !slices.Equal(sels, []int{1, 2, 3, 1}) {
		t.Errorf("selections %v, want payments, shop, unassigned, payments", sels)
	}
	for _, w := range []string{"↻ ▰▰▱▱", "team 1/3 ▰▱▱▱", "team 1/3 ▰▰▰▰", "team 3/3 ▰▰▰▱"} {
		if !slices.Contains(marks, w) {
			t.Errorf("mark %q never shown; shown: %q", w, marks)
		}
	}
	if h := headerLine(m); !strings.Contains(h, "team 1/3 ▰▱▱▱") || !strings.Contains(h, "team payments") {
		t.Errorf("header %q lacks the mark or the team", h)
	}
}

// TestRotationWakesOnlyForTheMark: the instants the rotation adds to the
// schedule are the mark's steps, 5 s apart at rotate = 20s, never a
// per-second tick.
func TestRotationWakesOnlyForTheMark(t *testing.T) {
	now := testNow
	m := teamModel(t, &now, 160, 45, testTeams, 20*time.Second)
	at := now
	for i := range 8 {
		next := m.rotateChange(at)
		if d := next.Sub(at); d != 5*time.Second {
			t.Fatalf("step %d: next change %v after the previous", i, d)
		}
		if i == 3 || i == 7 { // the switch, as rotate() does it on the tick
			m.rot.start = next
		} else if m.rotateMark(next) == m.rotateMark(next.Add(-time.Millisecond)) {
			t.Errorf("step %d: the mark does not change at %v", i, next)
		}
		at = next
	}
	// An odd period: the instants are rounded up, so the mark changes at
	// each of them.
	m.rot = rotation{every: 7*time.Second + 1, start: now}
	at = now
	for i := range 3 {
		next := m.rotateChange(at)
		if m.rotateMark(next) == m.rotateMark(next.Add(-1)) {
			t.Errorf("step %d at %v: no change", i, next.Sub(now))
		}
		at = next
	}
}

// TestRotationPausesAfterAKey: a key pauses the rotation for one period
// ("paused"), then a full period runs: the next switch comes twice the
// period after the last key.
func TestRotationPausesAfterAKey(t *testing.T) {
	now := testNow
	m := teamModel(t, &now, 160, 45, testTeams, 20*time.Second)
	for now.Before(testNow.Add(12 * time.Second)) {
		deliver(t, m, &now)
	}
	press(t, m, "j") // a scroll: the rotation pauses
	key := now
	if mk := m.rotateMark(now); !mk.paused {
		t.Fatalf("mark %+v after a key", mk)
	}
	if !strings.Contains(headerLine(m), "paused") {
		t.Errorf("header %q does not say paused", headerLine(m))
	}
	if got := m.rotateChange(now); !got.Equal(key.Add(20 * time.Second)) {
		t.Errorf("next change %v after the key, want the pause's end", got.Sub(key))
	}
	for m.c.teams.sel == 0 {
		deliver(t, m, &now)
		if mk := m.rotateMark(now); mk.paused != now.Before(key.Add(20*time.Second)) {
			t.Errorf("%v after the key: mark %+v", now.Sub(key), mk)
		}
		if now.Sub(key) > time.Minute {
			t.Fatal("the rotation never resumed")
		}
	}
	if d := now.Sub(key); d != 40*time.Second {
		t.Errorf("switched %v after the key, want 40s", d)
	}
	// A key that changes nothing else still redraws the mark.
	before := m.View()
	press(t, m, "x")
	if after := m.View(); after == before || !strings.Contains(after, "paused") {
		t.Error("a key without an action did not show the pause")
	}
}

// TestGlanceDoesNotRotate: the on-call glance layout stays on its view
// (and its open incidents), and the detail screen too; back on the wall
// the rotation starts a fresh period.
func TestGlanceDoesNotRotate(t *testing.T) {
	now := testNow
	m := teamModel(t, &now, 80, 24, testTeams, 20*time.Second)
	if m.layout().size != sizeGlance {
		t.Fatal("not the glance layout")
	}
	open := len(m.c.snap.report.OpenIncidents)
	for range 20 {
		now = now.Add(10 * time.Second)
		_, cmd := m.Update(tickMsg{t: now})
		settle(t, m, cmd)
	}
	if m.c.teams.sel != 0 || m.c.q.Services != nil || len(m.c.snap.report.OpenIncidents) != open {
		t.Errorf("the glance rotated to %q", m.c.q.Services)
	}
	if !m.rotateChange(now).IsZero() || strings.Contains(headerLine(m), "▱") {
		t.Error("the glance schedules or shows a rotation")
	}
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 45})
	if got := m.rotateChange(now); !got.Equal(now.Add(5 * time.Second)) {
		t.Errorf("on the wall the next change is %v away", got.Sub(now))
	}
	press(t, m, "tab", "enter") // the detail screen: no rotation
	if m.screen != screenDetail || m.rotating() {
		t.Errorf("screen %v rotating %v", m.screen, m.rotating())
	}
}

// TestRotationThroughServices: without teams the wall rotates through the
// services; with one service there is nothing to rotate.
func TestRotationThroughServices(t *testing.T) {
	now := testNow
	m := teamModel(t, &now, 160, 45, nil, 10*time.Second)
	var got []string
	for len(got) < 8 {
		q := m.c.q.Services
		deliver(t, m, &now)
		if !slices.Equal(q, m.c.q.Services) {
			got = append(got, strings.Join(m.c.q.Services, ","))
		}
	}
	want := []string{"auth", "catalog", "checkout", "gateway", "notifications", "payments", "search", "auth"}
	if !slices.Equal(got, want) {
		t.Errorf("rotated through %q, want %q", got, want)
	}
	if h := headerLine(m); !strings.Contains(h, "service 1/7") {
		t.Errorf("header %q lacks the position", h)
	}
	one := teamModel(t, &now, 160, 45, []Team{{Name: "all", Services: []string{"auth", "catalog", "checkout", "gateway", "notifications", "payments", "search"}}}, 10*time.Second)
	if one.rotating() {
		t.Error("rotating through one team")
	}
}

// TestRotationOffSchedulesNothing: without rotate no rotation instant is
// scheduled and no mark shown.
func TestRotationOffSchedulesNothing(t *testing.T) {
	now := testNow
	m := teamModel(t, &now, 160, 45, testTeams, 0)
	if !m.rotateChange(now).IsZero() || m.rotateMark(now).on {
		t.Error("rotation without rotate")
	}
}
