//go:build unix

package screen

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/term"
)

const supported = true

// Run runs the program: raw input, the screen's modes and window sizes
// for as long as it runs, the terminal restored when it returns.
func (p *Program) Run() (tea.Model, error) {
	state, err := term.MakeRaw(p.in.Fd())
	if err != nil {
		return nil, fmt.Errorf("enter raw mode: %w", err)
	}
	defer term.Restore(p.in.Fd(), state) //nolint:errcheck // nothing better to do on the way out
	if err := p.s.Start(); err != nil {
		return nil, fmt.Errorf("set up the terminal: %w", err)
	}
	defer p.s.Stop() //nolint:errcheck
	stop := p.watchSize()
	defer stop()
	return p.Program.Run()
}

// watchSize sends the terminal's size now and after every SIGWINCH, until
// stop is called.
func (p *Program) watchSize() (stop func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGWINCH)
	done := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		for {
			if w, h, err := term.GetSize(p.out.Fd()); err == nil {
				// Send returns once the program ended.
				p.Send(tea.WindowSizeMsg{Width: w, Height: h})
			}
			select {
			case <-sig:
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sig)
		close(done)
		<-ended
	}
}

// StatsOnSignal writes the stats to path on every SIGUSR1 until stop is
// called (bench/idle.sh reads them at the start and end of its measure).
func (p *Program) StatsOnSignal(path string) (stop func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-sig:
				p.WriteStats(path)
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(sig); close(done) }
}
