package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"doradash/model"
)

// The sizes of the issue: wall, desk, glance and tiny.
var namedSizes = []struct {
	name string
	w, h int
	size sizeClass
}{
	{"wall", 160, 45, sizeWall},
	{"desk", 100, 30, sizeDesk},
	{"glance", 80, 24, sizeGlance},
	{"tiny", 30, 8, sizeTiny},
}

func keyMsg(s string) tea.KeyMsg {
	switch s {
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "shift+tab":
		return tea.KeyMsg{Type: tea.KeyShiftTab}
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "pgup":
		return tea.KeyMsg{Type: tea.KeyPgUp}
	case "home":
		return tea.KeyMsg{Type: tea.KeyHome}
	case "end":
		return tea.KeyMsg{Type: tea.KeyEnd}
	}
	// Several runes are one message, as Bubble Tea delivers fast typing.
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// press sends keys and runs what they start.
func press(t testing.TB, m *Model, keys ...string) {
	t.Helper()
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		settle(t, m, cmd)
	}
}

// TestGolden compares the view at the four sizes with golden files
// (regenerate with go test ./ui/ -update): monochrome, plus the desk size
// in 256 colours, the detail screen and the full help.
func TestGolden(t *testing.T) {
	for _, s := range namedSizes {
		t.Run(s.name, func(t *testing.T) {
			m := demoModel(t, termenv.Ascii, s.w, s.h)
			if got := m.layout().size; got != s.size {
				t.Fatalf("%d×%d is laid out as %v, want %v", s.w, s.h, got, s.size)
			}
			golden.RequireEqual(t, []byte(m.View()))
		})
	}
	t.Run("desk-ansi256", func(t *testing.T) {
		m := demoModel(t, termenv.ANSI256, 100, 30)
		golden.RequireEqualEscape(t, []byte(m.View()), true)
	})
	t.Run("desk-detail", func(t *testing.T) {
		m := demoModel(t, termenv.Ascii, 100, 30)
		press(t, m, "tab", "enter")
		golden.RequireEqual(t, []byte(m.View()))
	})
	t.Run("wall-detail", func(t *testing.T) {
		m := demoModel(t, termenv.Ascii, 160, 45)
		press(t, m, "tab", "tab", "tab", "enter")
		golden.RequireEqual(t, []byte(m.View()))
	})
	t.Run("desk-help", func(t *testing.T) {
		m := demoModel(t, termenv.Ascii, 100, 30)
		press(t, m, "?")
		golden.RequireEqual(t, []byte(m.View()))
	})
}

// checkFits fails unless view is exactly h lines of exactly w cells with
// no escape sequence cut.
func checkFits(t *testing.T, label, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != h {
		t.Errorf("%s: %d lines, want %d", label, len(lines), h)
		return
	}
	for i, l := range lines {
		if got := ansi.StringWidth(l); got != w {
			t.Errorf("%s: line %d is %d cells wide, want %d: %q", label, i, got, w, ansi.Strip(l))
			return
		}
		if strings.ContainsAny(ansi.Strip(l), "\x1b\n\r\t") {
			t.Errorf("%s: line %d has a broken escape sequence or control character: %q", label, i, l)
			return
		}
	}
}

// TestEveryLineFits renders every screen at a spread of sizes from 20×5 to
// 300×90 and checks that every line fills the width exactly.
func TestEveryLineFits(t *testing.T) {
	widths := []int{20, 27, 39, 40, 41, 59, 79, 80, 81, 99, 100, 101, 133, 159, 160, 161, 211, 300}
	heights := []int{5, 7, 9, 10, 11, 12, 15, 16, 23, 24, 25, 29, 30, 31, 44, 45, 46, 64, 90}
	if testing.Short() {
		widths, heights = []int{20, 80, 100, 160, 300}, []int{5, 24, 30, 45, 90}
	}
	empty := New(testOptions(nil, termenv.ANSI256))
	_, cmd := empty.Update(versionMsg{v: &model.Version{Seq: 1}})
	settle(t, empty, cmd)
	screens := []struct {
		name string
		m    *Model
	}{
		{"dashboard", demoModel(t, termenv.ANSI256, 100, 30)},
		{"waiting", New(testOptions(nil, termenv.ANSI256))},
		{"empty dataset", empty},
	}
	detail := demoModel(t, termenv.ANSI256, 100, 30)
	press(t, detail, "tab", "enter")
	screens = append(screens, struct {
		name string
		m    *Model
	}{"detail", detail})
	helpful := demoModel(t, termenv.ANSI256, 100, 30)
	press(t, helpful, "?", "tab", "tab", "tab", "tab", "tab", "tab", "down", "down", "down")
	screens = append(screens, struct {
		name string
		m    *Model
	}{"help, deployments scrolled", helpful})

	for kind := range numDrills {
		drilled := demoModel(t, termenv.ANSI256, 100, 30)
		press(t, drilled, drillKeys[kind]...)
		screens = append(screens, struct {
			name string
			m    *Model
		}{"drill-down " + drillNames[kind], drilled})
	}
	filtered := demoModel(t, termenv.ANSI256, 100, 30)
	press(t, filtered, drillKeys[drillFailure]...)
	press(t, filtered, "/", "check", "enter", "n")
	screens = append(screens, struct {
		name string
		m    *Model
	}{"drill-down filtered", filtered})
	waiting := New(testOptions(nil, termenv.ANSI256))
	press(t, waiting, "tab", "tab", "tab", "tab", "enter")
	screens = append(screens, struct {
		name string
		m    *Model
	}{"drill-down before data", waiting})

	for _, s := range screens {
		for _, w := range widths {
			for _, h := range heights {
				s.m.Update(tea.WindowSizeMsg{Width: w, Height: h})
				checkFits(t, fmt.Sprintf("%s at %d×%d", s.name, w, h), s.m.View(), w, h)
			}
		}
	}
}

// TestMonochromeLosesNothing checks that the colourless rendering (NO_COLOR,
// terminals without colour) has exactly the text of the coloured one.
func TestMonochromeLosesNothing(t *testing.T) {
	for _, s := range namedSizes {
		colour := demoModel(t, termenv.ANSI256, s.w, s.h)
		mono := demoModel(t, termenv.Ascii, s.w, s.h)
		for _, keys := range [][]string{nil, {"tab", "tab", "enter"}} {
			press(t, colour, keys...)
			press(t, mono, keys...)
			cv, mv := colour.View(), mono.View()
			if !strings.Contains(cv, "\x1b[") && s.size != sizeTiny {
				t.Errorf("%s: the 256-colour view has no colour", s.name)
			}
			if strings.Contains(mv, "\x1b") {
				t.Errorf("%s: the monochrome view has escape sequences", s.name)
			}
			if ansi.Strip(cv) != mv {
				t.Errorf("%s %v: monochrome text differs from the coloured text:\n%s\n---\n%s", s.name, keys, ansi.Strip(cv), mv)
			}
		}
	}
}

// TestNoColorEnvironment: with NO_COLOR set, a renderer on a colour
// terminal renders without colour.
func TestNoColorEnvironment(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	var b strings.Builder
	r := lipgloss.NewRenderer(&b, termenv.WithTTY(true), termenv.WithProfile(termenv.TrueColor))
	r.SetHasDarkBackground(true)
	o := testOptions(nil, termenv.TrueColor)
	o.Renderer = r
	m := New(o)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	_, cmd := m.Update(versionMsg{v: demoVersion()})
	settle(t, m, cmd)
	v := m.View()
	if strings.Contains(v, "\x1b") {
		t.Error("NO_COLOR view has escape sequences")
	}
	for _, want := range []string{"elite", "●●●●", "better", "worse", "OPEN INCIDENTS", "failing", "DEMO DATA", "stale data"} {
		if !strings.Contains(v, want) {
			t.Errorf("NO_COLOR view lacks %q", want)
		}
	}
}

// TestViewShowsTheReport checks the desk view against the report it was
// computed from, independently of the golden files.
func TestViewShowsTheReport(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 150, 40)
	v := m.View()
	r := m.c.snap.report
	want := []string{
		"last 30 days",
		"updated 14:03",
		"DEMO DATA",
		"stale data: incidents",
		formatFrequency(r.DeploymentFrequency.PerDay),
		formatSeconds(*r.LeadTime.Median),
		formatRate(r.ChangeFailureRate.Rate),
		formatSeconds(*r.TimeToRestore.Median),
		"availability " + formatAvailability(r.Incidents.Availability),
		"failing  ×3 since 13:40:22",
		"GET https://incidents.example.com/api/export: dial tcp",
		"deployments, 0 incidents · updated 14:03",
	}
	for _, in := range r.OpenIncidents {
		want = append(want, in.Title, ago(testNow, in.StartedAt))
	}
	for _, w := range want {
		if !strings.Contains(v, w) {
			t.Errorf("view lacks %q", w)
		}
	}
}

// TestOpenIncidentAgesTick: the age of an open incident follows the clock.
func TestOpenIncidentAgesTick(t *testing.T) {
	now := testNow
	m := settledWithClock(t, &now)
	open := m.c.snap.report.OpenIncidents
	if len(open) == 0 {
		t.Skip("the demo data has no open incident at testNow")
	}
	before := ago(now, open[0].StartedAt)
	if !strings.Contains(m.View(), before) {
		t.Fatalf("view lacks the age %q", before)
	}
	now = now.Add(61 * time.Minute)
	m.Update(tickMsg{t: now})
	after := ago(now, open[0].StartedAt)
	if after == before || !strings.Contains(m.View(), after) {
		t.Errorf("after a tick the age is not %q (was %q)", after, before)
	}
}
