package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"sync"

	tea "github.com/charmbracelet/bubbletea"
)

// guard wraps the dashboard so that a panic in Update, View or any command
// ends the program cleanly: Bubble Tea restores the terminal, and the user
// gets one short line instead of a stack trace (which goes to a file).
// Bubble Tea's own panic catching stays on underneath as a last resort.
type guard struct {
	inner tea.Model
	st    *guardState
}

// guardState is shared by every copy of a guard (models are values).
type guardState struct {
	mu   sync.Mutex
	err  error
	quit func() // set once the program exists; asynchronous
}

// panicMsg carries a panic out of a command goroutine into Update.
type panicMsg struct {
	value any
	stack []byte
}

func newGuard(m tea.Model) guard { return guard{inner: m, st: &guardState{}} }

// Err returns the panic that ended the program, if any, as a short error
// that names the file holding the details.
func (g guard) Err() error {
	g.st.mu.Lock()
	defer g.st.mu.Unlock()
	return g.st.err
}

func (g guard) record(v any, stack []byte) {
	g.st.mu.Lock()
	defer g.st.mu.Unlock()
	if g.st.err != nil {
		return
	}
	where := "(could not write details)"
	if f, err := os.CreateTemp("", "doradash-panic-*.log"); err == nil {
		fmt.Fprintf(f, "doradash %s panic: %v\n\n%s", versionString(), v, stack)
		f.Close()
		where = "details in " + f.Name()
	}
	g.st.err = fmt.Errorf("internal error: %v (%s)", v, where)
}

func (g guard) Init() (cmd tea.Cmd) {
	defer func() {
		if r := recover(); r != nil {
			g.record(r, debug.Stack())
			cmd = tea.Quit
		}
	}()
	return wrapCmd(g.inner.Init())
}

func (g guard) Update(msg tea.Msg) (m tea.Model, cmd tea.Cmd) {
	if pm, ok := msg.(panicMsg); ok {
		g.record(pm.value, pm.stack)
		return g, tea.Quit
	}
	defer func() {
		if r := recover(); r != nil {
			g.record(r, debug.Stack())
			m, cmd = g, tea.Quit
		}
	}()
	inner, c := g.inner.Update(msg)
	g.inner = inner
	return g, wrapCmd(c)
}

func (g guard) View() (v string) {
	defer func() {
		if r := recover(); r != nil {
			g.record(r, debug.Stack())
			g.st.mu.Lock()
			quit := g.st.quit
			g.st.mu.Unlock()
			if quit != nil {
				go quit() // View runs on the event loop: quitting must not wait for it
			}
			v = ""
		}
	}()
	return g.inner.View()
}

// setQuit tells the guard how to stop the program after a panic in View.
func (g guard) setQuit(f func()) {
	g.st.mu.Lock()
	g.st.quit = f
	g.st.mu.Unlock()
}

// wrapCmd makes cmd turn a panic into a panicMsg, also for the commands of
// a tea.Batch it returns.
func wrapCmd(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() (msg tea.Msg) {
		defer func() {
			if r := recover(); r != nil {
				msg = panicMsg{value: r, stack: debug.Stack()}
			}
		}()
		msg = cmd()
		if batch, ok := msg.(tea.BatchMsg); ok {
			wrapped := make(tea.BatchMsg, len(batch))
			for i, c := range batch {
				wrapped[i] = wrapCmd(c)
			}
			return wrapped
		}
		return msg
	}
}
