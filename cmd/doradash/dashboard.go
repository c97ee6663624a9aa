package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/mattn/go-isatty"

	"doradash/ui"
)

// dashboardFPS caps Bubble Tea's redraw rate.
const dashboardFPS = 20

// configHint is the header's one line on leaving the demo.
const configHint = "no configuration found: copy config.example.toml to ./doradash.toml and point it at your data"

// runDashboard implements `doradash`: the live dashboard.
func runDashboard(ctx context.Context, args []string, e *env) error {
	var c commonFlags
	fs := newFlagSet("", e, &c)
	s, p, err := prepare(fs, &c, args, e, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	if !isTerminal(e.stdin) || !isTerminal(e.stdout) {
		return usagef("the dashboard needs a terminal; for output to a pipe or a file use doradash snapshot")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.Run(ctx)
	}()
	m := ui.New(s.uiOptions(p))
	defer m.Close()
	g := newGuard(m)
	// 20 frames a second is plenty for a dashboard that changes once a
	// second, and a third of Bubble Tea's default idle cost.
	prog := tea.NewProgram(g, tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithContext(ctx),
		tea.WithInput(e.stdin), tea.WithOutput(e.stdout), tea.WithFPS(dashboardFPS))
	g.setQuit(prog.Quit)
	_, runErr := prog.Run()
	cancel()
	wg.Wait()
	if err := g.Err(); err != nil {
		return err
	}
	if runErr != nil && !(errors.Is(runErr, tea.ErrProgramKilled) && ctx.Err() != nil) {
		return runErr
	}
	return nil
}

// uiOptions are the dashboard's options for feed f.
func (s *settings) uiOptions(f ui.Feed) ui.Options {
	o := ui.Options{
		Feed: f, Clock: s.clock(), Days: s.cfg.Window,
		Environments: s.cfg.Environments, Services: s.cfg.Services,
		DowntimeMaxSeverity: s.cfg.DowntimeMaxSeverity,
		LinkWithin:          s.cfg.LinkIncidentsWithin,
		Demo:                s.demo,
	}
	if s.noConfig {
		o.ConfigHint = configHint
	}
	return o
}

// isTerminal reports whether f is a terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && (isatty.IsTerminal(file.Fd()) || isatty.IsCygwinTerminal(file.Fd()))
}
