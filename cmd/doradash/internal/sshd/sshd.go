// Package sshd serves the doradash dashboard over SSH (`doradash serve`).
//
// Every PTY session runs its own Bubble Tea program built by
// Options.NewModel, with its own size, lipgloss renderer and filters; the
// models share whatever data feed the caller closes over, so any number of
// sessions polls the sources once. A session without a PTY runs one command
// through Options.RunCommand (`ssh host snapshot --format json`) and exits
// with its exit code.
//
// Access is by public key only, listed in an OpenSSH authorized_keys file
// (or any key with AllowAnonymous), whose from=, expiry-time=, no-pty and
// restrict options are enforced and whose other restricting options make the
// line refused (see parseKeyOptions). Limits: open sessions, idle time, new
// connections per minute and IP address, connections open and in the
// handshake (connCaps, from RLIMIT_NOFILE) with a handshake deadline, and
// per session the terminal size, the exec command's length and the
// environment kept (limits.go). Agent and every other forwarding are
// refused. The package is built on
// charmbracelet/wish and charmbracelet/ssh with an emulated PTY, as
// soft-serve does.
package sshd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	gossh "golang.org/x/crypto/ssh"
)

// Defaults applied by New for zero Options fields.
const (
	DefaultListen            = "127.0.0.1:2222" // Options.Listen
	DefaultMaxSessions       = 32               // Options.MaxSessions
	DefaultMaxConnsPerMinute = 30               // Options.MaxConnsPerMinute
)

// Options configures the server; cmd fills it from the [ssh] table and flags.
// Paths are used as given: the caller expands "~" and resolves relative
// paths.
type Options struct {
	Listen             string        // "127.0.0.1:2222" (DefaultListen when empty)
	HostKeyPath        string        // created (ed25519, 0600) when missing
	AuthorizedKeysPath string        // "" or missing file: refuse to start unless AllowAnonymous
	AllowAnonymous     bool          // any public key may log in (authorized_keys is then ignored); logged at start
	MaxSessions        int           // 0: 32
	IdleTimeout        time.Duration // 0: none; idle means no input (keys, resizes) from the client
	MaxConnsPerMinute  int           // per remote IP; 0: 30
	Logger             *slog.Logger  // nil: discard

	// NewModel builds the dashboard for one PTY session. ctx is cancelled when the session ends;
	// r is the session's own lipgloss renderer (colour profile of the client's terminal);
	// width/height the initial PTY size (resizes arrive as tea.WindowSizeMsg).
	// It is called on the session's goroutine, concurrently with other sessions.
	// The model's commands must return once ctx is cancelled (Bubble Tea cannot
	// cancel a running tea.Cmd), so that a closed session leaves nothing running.
	NewModel func(ctx context.Context, r *lipgloss.Renderer, width, height int) tea.Model

	// RunCommand runs a non-PTY request (args as the client sent them, e.g. ["snapshot","--format","json"];
	// empty args for `ssh -T host`, which should mean snapshot) and returns its exit code.
	// It is also used for a command sent with a PTY (`ssh -t host snapshot`).
	// It decides which commands exist: anything else gets a one-line error on
	// stderr and exit code 2 (never run `serve` or anything that touches the
	// server's files). It must return soon after ctx is cancelled (session
	// closed or server stopping): 2 s later the session's channel is closed,
	// which fails a write blocked on a client that stopped reading, and 1 s
	// after that its connection is dropped. Called concurrently from many
	// sessions.
	RunCommand func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// QuitSetter is implemented by a model that needs to stop its own program
// from outside Update (a View that failed, for instance). The server calls
// SetQuit once, with the session program's Quit, before the program runs.
// quit is safe to call from any goroutine, also after the program ended,
// but blocks until the program takes the message: call it on a goroutine
// of its own.
type QuitSetter interface {
	SetQuit(quit func())
}

// Failer is implemented by a model that can end its program because of an
// error of its own, such as a panic it recovered. When the program has
// returned and Err is not nil, the session ends with exit status 1 and a
// plain line on stderr, and the error goes to the server's log.
type Failer interface {
	Err() error
}

// Server is an SSH server for the dashboard. Create it with New, start it
// with Serve or ListenAndServe, stop it with Shutdown. Its methods are safe
// for concurrent use.
type Server struct {
	o       Options
	log     *slog.Logger
	signer  gossh.Signer
	keys    *authorizedKeys // nil with AllowAnonymous
	limiter *connLimiter
	srv     *ssh.Server
	t       timings

	ctx  context.Context // cancelled with errStopping by Shutdown
	stop context.CancelCauseFunc

	sessionWG sync.WaitGroup // session handlers
	wg        sync.WaitGroup // connection watchdogs and the goroutines they and sessions start

	mu            sync.Mutex
	stopping      bool
	open          int // sessions now
	maxConns      int // connections kept open at once (see connCaps)
	maxHandshakes int // of which not logged in yet
	handshaking   int // connections now in the handshake
	refusedConns  int // refused by admitLocked since refusedLogAt
	refusedLogAt  time.Time
	addr          net.Addr
	listeners     map[net.Listener]struct{}
	conns         map[*connInfo]struct{}
}

// New checks the options, loads or creates the host key and reads the
// authorized_keys file. Without that file (and without AllowAnonymous) it
// returns an error naming the path. It does not listen yet.
func New(o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Listen == "" {
		o.Listen = DefaultListen
	}
	if o.MaxSessions == 0 {
		o.MaxSessions = DefaultMaxSessions
	}
	if o.MaxConnsPerMinute == 0 {
		o.MaxConnsPerMinute = DefaultMaxConnsPerMinute
	}
	switch {
	case o.NewModel == nil:
		return nil, errors.New("ssh server: NewModel is not set")
	case o.RunCommand == nil:
		return nil, errors.New("ssh server: RunCommand is not set")
	case o.MaxSessions < 0:
		return nil, fmt.Errorf("ssh server: max_sessions must be positive, got %d", o.MaxSessions)
	case o.IdleTimeout < 0:
		return nil, fmt.Errorf("ssh server: idle_timeout must not be negative, got %s", o.IdleTimeout)
	case o.MaxConnsPerMinute < 0:
		return nil, fmt.Errorf("ssh server: connections per minute must be positive, got %d", o.MaxConnsPerMinute)
	}

	s := &Server{
		o:         o,
		log:       o.Logger,
		limiter:   newConnLimiter(o.MaxConnsPerMinute),
		t:         defaultTimings,
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[*connInfo]struct{}),
	}
	s.maxConns, s.maxHandshakes = connCaps(o.MaxSessions, fileLimit())
	if err := s.loadAccessList(); err != nil {
		return nil, err
	}
	signer, err := loadOrCreateHostKey(o.HostKeyPath, s.log)
	if err != nil {
		return nil, fmt.Errorf("ssh server: %w", err)
	}
	s.signer = signer

	s.srv, err = wish.NewServer(
		wish.WithAddress(o.Listen),
		wish.WithVersion("doradash"),
		func(srv *ssh.Server) error { srv.AddHostKey(signer); return nil },
		// Public keys only: with no password or keyboard-interactive
		// handler, those methods are refused.
		wish.WithPublicKeyAuth(s.publicKeyAllowed),
		ssh.WrapConn(s.acceptConn),
		ssh.EmulatePty(),
		func(srv *ssh.Server) error {
			srv.ChannelHandlers = map[string]ssh.ChannelHandler{"session": s.sessionChannel}
			srv.Handler = s.handleSession
			srv.ServerConfigCallback = s.serverConfig
			srv.ConnectionFailedCallback = s.connectionFailed
			return nil
		},
	)
	if err != nil {
		return nil, fmt.Errorf("ssh server: configure: %w", err)
	}
	s.ctx, s.stop = context.WithCancelCause(context.Background())
	return s, nil
}

// loadAccessList applies the authorized_keys rule of the [ssh] table.
func (s *Server) loadAccessList() error {
	if s.o.AllowAnonymous {
		attrs := []any{}
		if s.o.AuthorizedKeysPath != "" {
			attrs = append(attrs, "ignored_authorized_keys", s.o.AuthorizedKeysPath)
		}
		s.log.Warn("ssh anonymous access is on (allow_anonymous = true): any SSH key can open the dashboard", attrs...)
		return nil
	}
	if s.o.AuthorizedKeysPath == "" {
		return errors.New("ssh server: no authorized_keys file configured; set [ssh] authorized_keys, or allow_anonymous = true to let any key in")
	}
	keys, err := newAuthorizedKeys(s.o.AuthorizedKeysPath, s.log)
	if err != nil {
		return fmt.Errorf("ssh server: %w (set allow_anonymous = true to let any key in)", err)
	}
	s.keys = keys
	return nil
}

// ListenAndServe listens on Options.Listen and serves; it returns nil after
// Shutdown.
func (s *Server) ListenAndServe() error {
	ln, err := net.Listen("tcp", s.o.Listen)
	if err != nil {
		return fmt.Errorf("ssh server: listen on %s: %w", s.o.Listen, err)
	}
	return s.Serve(ln)
}

// Serve accepts connections on ln until Shutdown, then returns nil; any
// other failure of the listener is returned. Serve closes ln.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		_ = ln.Close()
		return nil
	}
	s.listeners[ln] = struct{}{}
	if s.addr == nil {
		s.addr = ln.Addr()
	}
	s.mu.Unlock()

	s.log.Info("ssh server listening", "addr", ln.Addr().String(),
		"host_key", gossh.FingerprintSHA256(s.signer.PublicKey()), "max_sessions", s.o.MaxSessions,
		"max_connections", s.maxConns, "max_handshakes", s.maxHandshakes)
	err := s.srv.Serve(ln)

	s.mu.Lock()
	delete(s.listeners, ln)
	stopping := s.stopping
	s.mu.Unlock()
	if stopping || errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("ssh server: serve on %s: %w", ln.Addr(), err)
}

// Addr returns the address of the first listener, nil before Serve.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Sessions returns the number of open sessions (PTY and command).
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open
}

// Shutdown stops accepting connections, tells every session "doradash server
// is stopping", ends the sessions (programs quit, commands see their context
// cancelled), closes the connections and waits for all of it. When ctx ends
// first, the remaining connections are closed at once and ctx's error is
// returned. Serve then returns nil.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.stopping = true
	for ln := range s.listeners {
		_ = ln.Close()
	}
	s.mu.Unlock()
	s.stop(errStopping)

	err := waitContext(ctx, &s.sessionWG)
	if err == nil {
		// Watchdogs close their connections once the sessions are gone.
		err = waitContext(ctx, &s.wg)
	}
	if err != nil {
		s.mu.Lock()
		for ci := range s.conns {
			ci.drop("server stopped")
		}
		s.mu.Unlock()
	}
	if cerr := s.srv.Close(); err == nil && cerr != nil && !errors.Is(cerr, net.ErrClosed) {
		err = fmt.Errorf("ssh server: close: %w", cerr)
	}
	if err == nil {
		s.log.Info("ssh server stopped")
	}
	return err
}

// waitContext waits for wg or ctx, whichever comes first. The helper
// goroutine ends with wg.
func waitContext(ctx context.Context, wg *sync.WaitGroup) error {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("ssh server: shutdown: %w", ctx.Err())
	}
}

// acceptConn is the first look at a new TCP connection: the per-IP rate
// limit, the caps on connections (admitLocked), then the connection's
// watchdog. Returning nil closes it.
func (s *Server) acceptConn(ctx ssh.Context, conn net.Conn) net.Conn {
	if !s.limiter.allow(conn.RemoteAddr()) {
		s.log.Warn("ssh connection refused: too many new connections from this address",
			"remote", conn.RemoteAddr().String(), "limit_per_minute", s.o.MaxConnsPerMinute)
		return nil
	}
	now := time.Now()
	ci := newConnInfo(conn, now)
	s.mu.Lock()
	if s.stopping || !s.admitLocked(ci, now) {
		s.mu.Unlock()
		return nil
	}
	s.conns[ci] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	ctx.SetValue(connInfoKey, ci)
	go s.watch(ctx, ci)
	return &countingConn{Conn: conn, ci: ci}
}

// forget stops tracking a connection that has ended.
func (s *Server) forget(ci *connInfo) {
	s.mu.Lock()
	delete(s.conns, ci)
	if ci.inHandshake {
		ci.inHandshake = false
		s.handshaking--
	}
	s.mu.Unlock()
}

// connOf returns the connection state stored in ctx.
func connOf(ctx ssh.Context) *connInfo {
	ci, _ := ctx.Value(connInfoKey).(*connInfo)
	return ci
}

// publicKeyAllowed is asked for every key a client offers, before it proves
// it holds the private key; the login is logged once that proof is in
// (see serverConfig).
func (s *Server) publicKeyAllowed(ctx ssh.Context, key ssh.PublicKey) bool {
	if s.keys == nil {
		return true
	}
	_, ok, why := s.keys.lookup(key, ctx.RemoteAddr())
	if ok {
		return true
	}
	if ci := connOf(ctx); ci != nil {
		ci.refusedKey(ctx.User(), gossh.FingerprintSHA256(key), why)
	}
	return false
}

// serverConfig is the per-connection x/crypto/ssh configuration that
// charmbracelet/ssh completes with host keys and auth handlers.
func (s *Server) serverConfig(ctx ssh.Context) *gossh.ServerConfig {
	ci := connOf(ctx)
	return &gossh.ServerConfig{
		// Called only after the client proved it holds an accepted key.
		// The key's line is looked up again, for its no-pty and in case
		// the file changed since the key was first offered.
		VerifiedPublicKeyCallback: func(meta gossh.ConnMetadata, key gossh.PublicKey, perms *gossh.Permissions, _ string) (*gossh.Permissions, error) {
			fp := gossh.FingerprintSHA256(key)
			var rule keyRule
			if s.keys != nil {
				var ok bool
				var why string
				if rule, ok, why = s.keys.lookup(key, meta.RemoteAddr()); !ok {
					if ci != nil {
						ci.refusedKey(meta.User(), fp, why)
					}
					return nil, errors.New("ssh: key no longer allowed")
				}
			}
			if ci != nil {
				ci.authenticated(meta.User(), fp, rule.noPTY, time.Now())
				s.leaveHandshake(ci)
			}
			s.log.Info("ssh connect", "remote", meta.RemoteAddr().String(), "user", logUser(meta.User()), "key", fp)
			return perms, nil
		},
	}
}

// connectionFailed records why a handshake failed, for the watchdog's log
// line.
func (s *Server) connectionFailed(conn net.Conn, err error) {
	remote := conn.RemoteAddr().String()
	s.mu.Lock()
	defer s.mu.Unlock()
	for ci := range s.conns {
		if ci.remote == remote {
			ci.failed(err)
			return
		}
	}
}
