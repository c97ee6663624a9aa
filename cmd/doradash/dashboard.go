package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/mattn/go-isatty"

	"doradash/cmd/doradash/internal/reports"
	"doradash/ui"
	"doradash/ui/screen"
	"doradash/ui/termbg"
)

// configHint is the header's one line on leaving the demo.
const configHint = "no configuration found: copy config.example.toml to ./doradash.toml and point it at your data"

// runDashboard implements `doradash`: the live dashboard.
func runDashboard(ctx context.Context, args []string, e *env) error {
	var c commonFlags
	fs := dashboardFlags(e, &c)
	s, p, err := prepare(fs, &c, args, e, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	if !isTerminal(e.stdin) || !isTerminal(e.stdout) {
		return usagef("the dashboard needs a terminal; for output to a pipe or a file use doradash snapshot")
	}
	defer tightHeap()() // memory.go: a heap close to its live data
	s.resolveTeamFirst(ctx, p)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.Run(ctx)
	}()
	o := s.uiOptions(p)
	// Switching back to a view seen within the minute costs nothing.
	o.Reports = newUIReports(reports.New(0), s.fixed)
	// Decided before the program starts, so that a terminal that never
	// answers the background query holds the first frame at most
	// termbg.Timeout instead of termenv's 5 s.
	o.Renderer = lipgloss.NewRenderer(e.stdout)
	o.Renderer.SetHasDarkBackground(termbg.Dark(s.cfg.Theme, e.stdin, e.stdout, e.getenv))
	m := ui.New(o)
	defer m.Close()
	g := newGuard(m)
	in, _ := e.stdin.(*os.File) // a terminal, checked above
	out, _ := e.stdout.(*os.File)
	// The dashboard draws its own frames, only when one changed
	// (ui/screen): nothing wakes while nothing on screen changes.
	prog := screen.NewProgram(g, in, out, tea.WithContext(ctx))
	g.setQuit(prog.Quit)
	if path := e.getenv("DORADASH_FRAMES"); path != "" {
		// bench/idle.sh: frame counts on SIGUSR1 and at the end.
		defer prog.WriteStats(path)
		defer prog.StatsOnSignal(path)()
	}
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
		Feed: f, Clock: s.clock(), Query: s.cfg.Query,
		Demo:   s.demo,
		Teams:  s.uiTeams(),
		Team:   s.team,
		Rotate: s.cfg.Rotate,
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
