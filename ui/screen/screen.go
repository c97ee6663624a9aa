// Package screen draws a Bubble Tea program's frames itself, for the local
// dashboard. Bubble Tea v1's standard renderer wakes at its frame rate (20
// to 60 times a second) for as long as the program runs, to look for a new
// frame; a dashboard left on a wall for months pays for those wake-ups
// while nothing changes. Here a frame is written when View's output
// changed, at once, and nothing runs otherwise: the program runs with
// tea.WithoutRenderer, and Wrap puts a model in front of it that draws.
//
// What the standard renderer did for the dashboard is done here too: the
// alternate screen, a hidden cursor, mouse cell motion with SGR reports,
// bracketed paste, raw input, window sizes (Run), and only the lines that
// changed are rewritten, inside a synchronized update (DEC mode 2026) that
// terminals without it ignore. The screen is cleared only on resize.
package screen

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"sync/atomic"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// Terminal modes, as Bubble Tea's standard renderer sets them.
const (
	enter = "\x1b[?1049h" + // alternate screen
		"\x1b[?25l" + // hide the cursor
		"\x1b[2J\x1b[H" + // clear
		"\x1b[?2004h" + // bracketed paste
		"\x1b[?1002h\x1b[?1006h" // mouse cell motion, SGR reports
	leave = "\x1b[?1002l\x1b[?1003l\x1b[?1006l" +
		"\x1b[?2004l" +
		"\x1b[?1049l" +
		"\x1b[?25h"
	mouseOn   = "\x1b[?1002h\x1b[?1006h"
	mouseOff  = "\x1b[?1002l\x1b[?1003l\x1b[?1006l"
	syncBegin = "\x1b[?2026h"
	syncEnd   = "\x1b[?2026l"
	clear     = "\x1b[2J"
)

// Screen is the terminal as the frames left it. Its methods are called
// from the program's event loop only (Update and View), never at once.
type Screen struct {
	out  io.Writer
	w, h int
	last []string // the lines on the terminal; nil: unknown (repaint)
	buf  bytes.Buffer
	err  error

	views, frames, bytes atomic.Int64
}

// New returns a Screen that writes to out.
func New(out io.Writer) *Screen { return &Screen{out: out} }

// Start puts the terminal in the dashboard's modes.
func (s *Screen) Start() error { return s.write(enter) }

// Stop restores the terminal's modes.
func (s *Screen) Stop() error { return s.write(leave) }

// Stats returns how many views were drawn, how many of them were frames
// (something changed) and the bytes written for them. Safe to call from
// any goroutine.
func (s *Screen) Stats() (views, frames, bytes int64) {
	return s.views.Load(), s.frames.Load(), s.bytes.Load()
}

// Err is the first write error, if any: the terminal went away.
func (s *Screen) Err() error { return s.err }

// resize notes a new size: the next frame repaints everything.
func (s *Screen) resize(w, h int) {
	if w == s.w && h == s.h && s.last != nil {
		return
	}
	s.w, s.h, s.last = w, h, nil
}

// Draw brings the terminal to view: it writes the lines that differ from
// the previous frame, nothing when none does.
func (s *Screen) Draw(view string) {
	s.views.Add(1)
	if s.w <= 0 || s.h <= 0 || s.err != nil {
		return
	}
	lines := strings.Split(view, "\n")
	if len(lines) > s.h {
		lines = lines[:s.h]
	}
	s.buf.Reset()
	s.buf.WriteString(syncBegin)
	empty := s.buf.Len()
	repaint := s.last == nil
	if repaint {
		s.buf.WriteString(clear)
	}
	for i, line := range lines {
		if !repaint && i < len(s.last) && s.last[i] == line {
			continue
		}
		s.buf.WriteString("\x1b[")
		s.buf.WriteString(strconv.Itoa(i + 1))
		s.buf.WriteString(";1H")
		s.buf.WriteString(line)
		if ansi.StringWidth(line) < s.w {
			s.buf.WriteString("\x1b[K") // the rest of the old line
		}
	}
	if !repaint && len(lines) < len(s.last) {
		// Fewer lines than before: clear the rest.
		s.buf.WriteString("\x1b[" + strconv.Itoa(len(lines)+1) + ";1H\x1b[J")
	}
	if s.buf.Len() == empty {
		return
	}
	s.buf.WriteString(syncEnd)
	s.last = lines
	s.frames.Add(1)
	s.bytes.Add(int64(s.buf.Len()))
	if _, err := s.out.Write(s.buf.Bytes()); err != nil {
		s.err = err
	}
}

func (s *Screen) write(seq string) error {
	_, err := io.WriteString(s.out, seq)
	return err
}

// Bubble Tea's mouse commands reach the model as messages of unexported
// types after the program acted on them; without a renderer it did
// nothing, so the screen sets the terminal's modes itself.
var (
	disableMouse = tea.DisableMouse()
	enableMouse  = tea.EnableMouseCellMotion()
)

// mouse writes a mouse mode; a failure is kept like a frame's.
func (s *Screen) mouse(seq string) {
	if s.err == nil {
		s.err = s.write(seq)
	}
}

// model draws inner's views on the screen; Bubble Tea runs it without a
// renderer of its own.
type model struct {
	inner tea.Model
	s     *Screen
}

// Wrap returns a model that draws inner's frames on s.
func Wrap(inner tea.Model, s *Screen) tea.Model { return &model{inner: inner, s: s} }

func (m *model) Init() tea.Cmd { return m.inner.Init() }

func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg {
	case disableMouse:
		m.s.mouse(mouseOff)
	case enableMouse:
		m.s.mouse(mouseOn)
	}
	if ws, ok := msg.(tea.WindowSizeMsg); ok {
		m.s.resize(ws.Width, ws.Height)
	}
	inner, cmd := m.inner.Update(msg)
	m.inner = inner
	return m, cmd
}

// View draws and returns nothing: there is no renderer to give it to.
func (m *model) View() string {
	m.s.Draw(m.inner.View())
	return ""
}
