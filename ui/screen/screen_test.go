package screen

import (
	"bytes"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// view is a w×h screen of dots with the given lines on top.
func view(w, h int, top ...string) string {
	lines := make([]string, h)
	for i := range lines {
		lines[i] = strings.Repeat(".", w)
		if i < len(top) {
			lines[i] = top[i] + lines[i][len(top[i]):]
		}
	}
	return strings.Join(lines, "\n")
}

func TestDrawWritesOnlyChanges(t *testing.T) {
	var out bytes.Buffer
	s := New(&out)
	m := Wrap(&fixed{}, s)
	m.Update(tea.WindowSizeMsg{Width: 20, Height: 5})

	s.Draw(view(20, 5, "first"))
	first := out.String()
	if !strings.Contains(first, clear) || strings.Count(first, ";1H") != 5 {
		t.Fatalf("first frame is not a full repaint: %q", first)
	}

	out.Reset()
	s.Draw(view(20, 5, "first"))
	if out.Len() != 0 {
		t.Fatalf("an unchanged view wrote %q", out.String())
	}

	out.Reset()
	s.Draw(view(20, 5, "first", "", "", "third"))
	got := out.String()
	want := syncBegin + "\x1b[4;1Hthird..............." + syncEnd
	if got != want {
		t.Fatalf("one changed line wrote %q, want %q", got, want)
	}

	out.Reset()
	m.Update(tea.WindowSizeMsg{Width: 20, Height: 5})
	s.Draw(view(20, 5, "first", "", "", "third"))
	if out.Len() != 0 {
		t.Fatalf("a size message without a change of size repainted: %q", out.String())
	}
	m.Update(tea.WindowSizeMsg{Width: 10, Height: 3})
	s.Draw(view(10, 3, "x"))
	if got := out.String(); !strings.Contains(got, clear) || strings.Count(got, ";1H") != 3 {
		t.Fatalf("a resize did not repaint: %q", got)
	}
	if v, f, b := s.Stats(); v != 5 || f != 3 || b == 0 {
		t.Errorf("stats %d views, %d frames, %d bytes; want 5 views, 3 frames", v, f, b)
	}
}

func TestDrawPadsShortLinesAndCuts(t *testing.T) {
	var out bytes.Buffer
	s := New(&out)
	s.resize(10, 2)
	s.Draw("short\n" + strings.Repeat("y", 10) + "\nbeyond the height")
	got := out.String()
	if !strings.Contains(got, "short\x1b[K") || strings.Contains(got, "beyond") {
		t.Errorf("frame %q", got)
	}
	out.Reset()
	s.Draw("short")
	if got := out.String(); !strings.Contains(got, "\x1b[2;1H\x1b[J") {
		t.Errorf("fewer lines did not clear the rest: %q", got)
	}
}

func TestNothingBeforeASize(t *testing.T) {
	var out bytes.Buffer
	m := Wrap(&fixed{v: "x"}, New(&out))
	if v := m.View(); v != "" || out.Len() != 0 {
		t.Errorf("view %q, wrote %q before the size was known", v, out.String())
	}
}

// fixed is a model with a fixed view.
type fixed struct{ v string }

func (f *fixed) Init() tea.Cmd                       { return nil }
func (f *fixed) Update(tea.Msg) (tea.Model, tea.Cmd) { return f, nil }
func (f *fixed) View() string                        { return f.v }

// TestMouseCommands checks that Bubble Tea's mouse commands, which do
// nothing without its renderer, switch the terminal's mouse reports here.
func TestMouseCommands(t *testing.T) {
	var out bytes.Buffer
	m := Wrap(&fixed{v: "x"}, New(&out))
	m.Update(tea.DisableMouse())
	if got := out.String(); got != mouseOff {
		t.Errorf("DisableMouse wrote %q, want %q", got, mouseOff)
	}
	out.Reset()
	m.Update(tea.EnableMouseCellMotion())
	if got := out.String(); got != mouseOn {
		t.Errorf("EnableMouseCellMotion wrote %q, want %q", got, mouseOn)
	}
	out.Reset()
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("m")})
	if out.Len() != 0 {
		t.Errorf("a key wrote %q", out.String())
	}
}
