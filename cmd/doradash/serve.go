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

	"doradash/cmd/doradash/internal/reports"
	"doradash/cmd/doradash/internal/sshd"
	"doradash/model"
	"doradash/sources/poller"
	"doradash/ui"
)

// shutdownGrace is how long `serve` waits for sessions to close on SIGTERM.
const shutdownGrace = 5 * time.Second

// serveOptions are the flags of serve besides the common ones.
type serveOptions struct {
	listen, hostKey, authKeys, httpListen string
	noSSH                                 bool
}

// serveFlags is the flag set of `doradash serve`.
func serveFlags(e *env, c *commonFlags) (*flag.FlagSet, *serveOptions) {
	o := &serveOptions{}
	fs := newFlagSet("serve", e, c)
	rotateFlag(fs, c)
	fs.StringVar(&o.listen, "listen", "", "`address` to listen on, like 127.0.0.1:2222")
	fs.StringVar(&o.hostKey, "host-key", "", "host key `file` (created when missing)")
	fs.StringVar(&o.authKeys, "authorized-keys", "", "authorized_keys `file` of the keys that may connect")
	fs.BoolVar(&o.noSSH, "no-ssh", false, "serve only the HTTP endpoints (headless)")
	fs.StringVar(&o.httpListen, "http", "", "`address` of the HTTP endpoints, like 127.0.0.1:9187 (overrides [http] listen)")
	return fs, o
}

// runServe implements `doradash serve`: one poller, every SSH session its
// own dashboard over it.
func runServe(ctx context.Context, args []string, e *env) error {
	var c commonFlags
	fs, o := serveFlags(e, &c)
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	s, p, err := prepare(fs, &c, args, e, log)
	if err != nil {
		return err
	}
	s.resolveTeamFirst(ctx, p)
	if o.noSSH {
		return serveHeadless(ctx, s, p, o.httpListen, log)
	}
	ssh := s.cfg.SSH
	if o.listen != "" {
		ssh.Listen = o.listen
	}
	if o.hostKey != "" {
		ssh.HostKey = o.hostKey
	}
	if o.authKeys != "" {
		ssh.AuthorizedKeys = o.authKeys
	}
	// One computation per view for every session and HTTP request.
	cache := reports.New(0)
	shared := newUIReports(cache, s.fixed)
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
			o.Reports = shared
			m := ui.New(o)
			// The session's end, however it comes, ends the subscription.
			context.AfterFunc(ctx, m.Close)
			// A panic ends the session, not the server: sshd logs the
			// guard's error (sshd.Failer) and tells the client.
			return sessionGuard{newGuard(m)}
		},
		RunCommand: func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
			return runRemote(ctx, args, &env{stdout: stdout, stderr: stderr, getenv: e.getenv}, s, p)
		},
	})
	if err != nil {
		return &usageError{fmt.Sprintf("serve: %v", err)}
	}
	ln, err := net.Listen("tcp", ssh.Listen)
	if err != nil {
		return &usageError{fmt.Sprintf("serve: listen on %s: %v", ssh.Listen, err)}
	}
	hs, err := listenHTTP(s, p, o.httpListen, log, cache)
	if err != nil {
		ln.Close()
		return err
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
	// With --listen 127.0.0.1:0 this line is how a test or script learns
	// the port: it is the first to carry addr=, once the listener is bound.
	log.Info("serving the dashboard over SSH", "addr", ln.Addr().String(), "sources", len(s.cfg.Sources), "demo", s.demo)
	hs.start(&wg)
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
	hs.shutdown(shCtx)
	cancel()
	wg.Wait()
	return result
}

// sessionGuard is the guard of an SSH session's dashboard. sshd hands it
// the session program's Quit (SetQuit), so that a panic in View ends the
// session as it ends the local dashboard, instead of leaving a blank screen,
// and reads its Err when the program has ended.
type sessionGuard struct{ guard }

var (
	_ sshd.QuitSetter = sessionGuard{}
	_ sshd.Failer     = sessionGuard{}
)

// SetQuit implements sshd.QuitSetter.
func (g sessionGuard) SetQuit(quit func()) { g.setQuit(quit) }

// runRemote runs a command an SSH client sent without a PTY: `snapshot`
// (also for no command at all), `version` or `help`, computed from the
// shared poller's data, never polling again. ctx ends with the session.
func runRemote(ctx context.Context, args []string, e *env, s *settings, p *poller.Poller) int {
	cmd := "snapshot"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "snapshot":
		err = remoteSnapshot(ctx, args, e, s, p)
	case "version":
		fmt.Fprintf(e.stdout, "doradash %s\n", versionString())
	case "help", "--help", "-h":
		fmt.Fprint(e.stdout, "commands over SSH: snapshot [--format text|json] [--window 30d] [--service NAME] [--team NAME] [--environment NAME] [--now RFC3339], version\n")
	default:
		err = usagef("unknown command %q (over SSH: snapshot, version)", cmd)
	}
	return exitCode(err, e.stderr)
}

func remoteSnapshot(ctx context.Context, args []string, e *env, base *settings, p *poller.Poller) error {
	fs := flag.NewFlagSet("snapshot", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "text", "text or json")
	window := fs.String("window", "", "window in whole days")
	now := fs.String("now", "", "compute as of this instant")
	var services, envs multiFlag
	fs.Var(&services, "service", "only this service")
	fs.Var(&envs, "environment", "deployments of this environment")
	team := fs.String("team", "", "only the services of this team")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return usagef("snapshot over SSH takes --format, --window, --service, --team, --environment, --now")
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
		cfg.Query.Days = n
	}
	if len(services) > 0 {
		cfg.Query.Services = services
	}
	if len(envs) > 0 {
		cfg.Query.Environments = envs
	}
	if *team != "" {
		if err := s.selectTeam(*team); err != nil {
			return err
		}
	}
	if *now != "" {
		t, err := parseNow(*now)
		if err != nil {
			return err
		}
		s.now, s.fixed = t, true
	}
	v := polledVersion(ctx, p, firstPollWait)
	if err := writeReport(e.stdout, s.report(v), *format, false); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	return failedSources(v)
}

// firstPollWait bounds how long a command sent right after the server
// started waits for the first poll of every source.
const firstPollWait = 30 * time.Second

// polledVersion returns the poller's newest version once every source has
// been polled at least once. Right after the server starts, sources are
// still pending: a snapshot of that empty dataset would look like real
// zeros to a script. It gives up, returning the newest version as it is,
// when ctx ends or after limit.
func polledVersion(ctx context.Context, p *poller.Poller, limit time.Duration) *model.Version {
	if v := p.Latest(); allPolled(v) {
		return v
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	// The channel delivers the current version first and is closed once
	// ctx ends.
	for v := range p.Subscribe(ctx) {
		if allPolled(v) {
			return v
		}
	}
	return p.Latest()
}

// allPolled reports whether no source of v is still waiting for its first
// poll.
func allPolled(v *model.Version) bool {
	for _, st := range v.Sources {
		if st.State == model.SourcePending {
			return false
		}
	}
	return true
}
