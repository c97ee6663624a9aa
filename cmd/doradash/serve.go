package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"doradash/cmd/doradash/internal/sshd"
	"doradash/sources/poller"
	"doradash/ui"
)

// shutdownGrace is how long `serve` waits for sessions to close on SIGTERM.
const shutdownGrace = 5 * time.Second

// runServe implements `doradash serve`: one poller, every SSH session its
// own dashboard over it.
func runServe(ctx context.Context, args []string, e *env) error {
	var c commonFlags
	fs := newFlagSet("serve", e, &c)
	listen := fs.String("listen", "", "address to listen on, like 127.0.0.1:2222")
	hostKey := fs.String("host-key", "", "host key file (created when missing)")
	authKeys := fs.String("authorized-keys", "", "authorized_keys file of the keys that may connect")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	s, err := resolve(&c, e)
	if err != nil {
		return err
	}
	ssh := s.cfg.SSH
	if *listen != "" {
		ssh.Listen = *listen
	}
	if *hostKey != "" {
		ssh.HostKey = *hostKey
	}
	if *authKeys != "" {
		ssh.AuthorizedKeys = *authKeys
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	p, err := buildPoller(s, log)
	if err != nil {
		return err
	}
	srv, err := sshd.New(sshd.Options{
		Listen:             ssh.Listen,
		HostKeyPath:        resolvePath("", ssh.HostKey, e.getenv),
		AuthorizedKeysPath: resolvePath("", ssh.AuthorizedKeys, e.getenv),
		AllowAnonymous:     ssh.AllowAnonymous,
		MaxSessions:        ssh.MaxSessions,
		IdleTimeout:        ssh.IdleTimeout,
		Logger:             log,
		NewModel: func(ctx context.Context, r *lipgloss.Renderer, _, _ int) tea.Model {
			o := s.uiOptions(p)
			o.Renderer = r
			m := ui.New(o)
			// The session's end, however it comes, ends the subscription.
			context.AfterFunc(ctx, m.Close)
			return newGuard(m)
		},
		RunCommand: func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
			return runRemote(args, &env{stdout: stdout, stderr: stderr, getenv: e.getenv}, s, p)
		},
	})
	if err != nil {
		return &usageError{fmt.Sprintf("serve: %v", err)}
	}
	ln, err := net.Listen("tcp", ssh.Listen)
	if err != nil {
		return &usageError{fmt.Sprintf("serve: listen on %s: %v", ssh.Listen, err)}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		p.Run(ctx)
	}()
	serveErr := make(chan error, 1)
	go func() {
		defer wg.Done()
		serveErr <- srv.Serve(ln)
	}()
	log.Info("serving the dashboard over SSH", "addr", ln.Addr().String(), "sources", len(s.cfg.Sources), "demo", s.demo)
	var result error
	select {
	case <-ctx.Done():
		log.Info("stopping: telling sessions and closing them")
	case err := <-serveErr:
		result = fmt.Errorf("serve: %w", err)
		serveErr <- nil
	}
	shCtx, shCancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer shCancel()
	if err := srv.Shutdown(shCtx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	cancel()
	wg.Wait()
	return result
}

// runRemote runs a command an SSH client sent without a PTY: `snapshot`
// (also for no command at all), `version` or `help`, computed from the
// shared poller's latest data, never polling again.
func runRemote(args []string, e *env, s *settings, p *poller.Poller) int {
	cmd := "snapshot"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "snapshot":
		err = remoteSnapshot(args, e, s, p)
	case "version":
		fmt.Fprintf(e.stdout, "doradash %s\n", versionString())
	case "help", "--help", "-h":
		fmt.Fprint(e.stdout, "commands over SSH: snapshot [--format text|json] [--window 30d] [--service NAME] [--environment NAME] [--now RFC3339], version\n")
	default:
		err = usagef("unknown command %q (over SSH: snapshot, version)", cmd)
	}
	return exitCode(err, e.stderr)
}

func remoteSnapshot(args []string, e *env, base *settings, p *poller.Poller) error {
	fs := flag.NewFlagSet("snapshot", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "text", "text or json")
	window := fs.String("window", "", "window in whole days")
	now := fs.String("now", "", "compute as of this instant")
	var services, envs multiFlag
	fs.Var(&services, "service", "only this service")
	fs.Var(&envs, "environment", "deployments of this environment")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return usagef("snapshot over SSH takes --format, --window, --service, --environment, --now")
		}
		return usagef("snapshot: %v", err)
	}
	if fs.NArg() > 0 {
		return usagef("snapshot: unexpected argument %q", fs.Arg(0))
	}
	if *format != "text" && *format != "json" {
		return usagef("snapshot: --format must be text or json, not %q", *format)
	}
	// A per-request copy: sessions never change the server's settings.
	cfg := *base.cfg
	s := &settings{cfg: &cfg, demo: base.demo, now: base.now, fixed: base.fixed}
	if *window != "" {
		n, err := parseDays(*window)
		if err != nil {
			return usagef("--window: %v", err)
		}
		cfg.Window = n
	}
	if len(services) > 0 {
		cfg.Services = services
	}
	if len(envs) > 0 {
		cfg.Environments = envs
	}
	if *now != "" {
		t, err := parseNow(*now)
		if err != nil {
			return err
		}
		s.now, s.fixed = t, true
	}
	v := p.Latest()
	if err := writeReport(e.stdout, s.report(v), *format, false); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	return failedSources(v)
}
