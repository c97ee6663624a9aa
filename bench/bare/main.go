// Command bare is the yardstick of bench/idle.sh: the smallest live Bubble
// Tea program, with Bubble Tea's defaults (60 frames a second), the alternate
// screen and mouse reporting like the dashboard, a screen full of static
// text and a clock that changes once a second. q quits.
//
// With DORADASH_FRAMES set to a file name it writes, on SIGUSR1 and on exit,
// how many times View ran and how many of those views differed from the
// previous one (what the renderer had to draw), like the dashboard does.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

type tickMsg time.Time

type model struct {
	w, h          int
	now           time.Time
	views, frames atomic.Int64
	last          string
}

func tick() tea.Cmd {
	return tea.Every(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

func (m *model) Init() tea.Cmd { return tick() }

func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case tea.KeyMsg:
		if msg.String() == "q" || msg.String() == "ctrl+c" {
			return m, tea.Quit
		}
	case tickMsg:
		m.now = time.Time(msg)
		return m, tick()
	}
	return m, nil
}

func (m *model) View() string {
	m.views.Add(1)
	if m.h <= 0 {
		return ""
	}
	lines := make([]string, m.h)
	lines[0] = "bare Bubble Tea program " + m.now.Format("15:04:05")
	for i := 1; i < m.h; i++ {
		lines[i] = strings.Repeat(".", m.w)
	}
	v := strings.Join(lines, "\n")
	if v != m.last {
		m.frames.Add(1)
		m.last = v
	}
	return v
}

func (m *model) writeCounts(path string) {
	_ = os.WriteFile(path, fmt.Appendf(nil, "views %d frames %d\n", m.views.Load(), m.frames.Load()), 0o644)
}

func main() {
	m := &model{now: time.Now()}
	path := os.Getenv("DORADASH_FRAMES")
	if path != "" {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGUSR1)
		go func() {
			for range sig {
				m.writeCounts(path)
			}
		}()
	}
	_, err := tea.NewProgram(m, tea.WithAltScreen(), tea.WithMouseCellMotion()).Run()
	if path != "" {
		m.writeCounts(path)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(1)
	}
}
