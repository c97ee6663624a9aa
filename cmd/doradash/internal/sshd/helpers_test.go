package sshd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	gossh "golang.org/x/crypto/ssh"

	"doradash/cmd/doradash/internal/testkit"
)

// waitText waits until buf contains want.
func waitText(t *testing.T, buf *testkit.Buffer, want string) {
	t.Helper()
	testkit.WaitFor(t, 5*time.Second, fmt.Sprintf("%q on screen", want), func() bool {
		return strings.Contains(buf.String(), want)
	})
}

// writeFile writes content to path, failing the test on error.
func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// fakeModel stands in for the dashboard: it prints a headline, its size and
// a counter that ticks every tick (0: never), padded with payload bytes.
type fakeModel struct {
	ctx     context.Context
	r       *lipgloss.Renderer
	w, h    int
	tick    time.Duration
	payload string
	n       int
}

type tickMsg struct{}

func (m *fakeModel) next() tea.Cmd {
	if m.tick <= 0 {
		return nil
	}
	ctx, d := m.ctx, m.tick
	return func() tea.Msg {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return tickMsg{}
		case <-ctx.Done():
			return nil
		}
	}
}

func (m *fakeModel) Init() tea.Cmd { return m.next() }

func (m *fakeModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if msg.String() == "q" || msg.Type == tea.KeyCtrlC {
			return m, tea.Quit
		}
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case tickMsg:
		m.n++
		return m, m.next()
	}
	return m, nil
}

func (m *fakeModel) View() string {
	head := m.r.NewStyle().Bold(true).Render("DEPLOY FREQUENCY") + " | LEAD TIME | CHANGE FAILURE RATE | TIME TO RESTORE"
	return fmt.Sprintf("%s\nsize=%dx%d tick=%d\n%s", head, m.w, m.h, m.n, m.payload)
}

// modelLog records the contexts of the models built, to check they end.
type modelLog struct {
	mu   sync.Mutex
	ctxs []context.Context
}

func (l *modelLog) add(ctx context.Context) {
	l.mu.Lock()
	l.ctxs = append(l.ctxs, ctx)
	l.mu.Unlock()
}

func (l *modelLog) all() []context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]context.Context(nil), l.ctxs...)
}

// allDone reports whether every model's context has been cancelled.
func (l *modelLog) allDone() bool {
	for _, ctx := range l.all() {
		if ctx.Err() == nil {
			return false
		}
	}
	return true
}

// testEnv is a running server with one authorised client key.
type testEnv struct {
	s       *Server
	addr    string
	hostKey gossh.PublicKey
	client  gossh.Signer // listed in authorized_keys
	keys    string       // authorized_keys path
	logs    *testkit.Buffer
	models  *modelLog
}

// envConfig adjusts a test server before it starts.
type envConfig struct {
	opts    func(*Options)
	timings func(*timings)
	server  func(*Server) // last adjustments before Serve
	tick    time.Duration // fake model refresh
	payload string
}

// startServer starts a server on 127.0.0.1:0 with a fresh host key and one
// authorised key; cleanup shuts it down and checks that Serve returned nil
// (testkit.Serve), then logs the server log if the test failed.
func startServer(t *testing.T, cfg envConfig) *testEnv {
	t.Helper()
	dir := t.TempDir()
	client, line := testkit.ClientKey(t)
	env := &testEnv{client: client, keys: filepath.Join(dir, "authorized_keys"), logs: &testkit.Buffer{}, models: &modelLog{}}
	writeFile(t, env.keys, "# doradash test\n"+line+" alice@test\n")
	o := Options{
		Listen:             "127.0.0.1:0",
		HostKeyPath:        filepath.Join(dir, "host_ed25519"),
		AuthorizedKeysPath: env.keys,
		MaxConnsPerMinute:  1000,
		Logger:             newTestLogger(env.logs),
		NewModel: func(ctx context.Context, r *lipgloss.Renderer, w, h int) tea.Model {
			env.models.add(ctx)
			return &fakeModel{ctx: ctx, r: r, w: w, h: h, tick: cfg.tick, payload: cfg.payload}
		},
		RunCommand: func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
			fmt.Fprintf(stdout, "args=%q\n", args)
			return 0
		},
	}
	if cfg.opts != nil {
		cfg.opts(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if cfg.timings != nil {
		cfg.timings(&s.t)
	}
	if cfg.server != nil {
		cfg.server(s)
	}
	t.Cleanup(func() { // after the shutdown, which Serve's cleanup does
		if t.Failed() {
			t.Logf("server log:\n%s", env.logs.String())
		}
	})
	testkit.Serve(t, s, 10*time.Second)
	testkit.WaitFor(t, 5*time.Second, "server address", func() bool { return s.Addr() != nil })
	env.s, env.addr, env.hostKey = s, s.Addr().String(), s.signer.PublicKey()
	return env
}

// dial logs in with the given auth methods.
func (e *testEnv) dial(auth ...gossh.AuthMethod) (*gossh.Client, error) {
	return gossh.Dial("tcp", e.addr, &gossh.ClientConfig{
		User:            "alice",
		Auth:            auth,
		HostKeyCallback: gossh.FixedHostKey(e.hostKey),
		Timeout:         5 * time.Second,
	})
}

// login logs in with the authorised key.
func (e *testEnv) login(t testing.TB) *gossh.Client {
	t.Helper()
	c, err := e.dial(gossh.PublicKeys(e.client))
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// ptySession is a client session with a PTY and a shell, its screen and
// stderr captured.
type ptySession struct {
	sess   *gossh.Session
	stdin  io.WriteCloser
	screen *testkit.Buffer
	stderr *testkit.Buffer
}

// openPTY requests a PTY (xterm-256color, 120x40) and a shell on c.
func openPTY(t testing.TB, c *gossh.Client) *ptySession {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	p := &ptySession{sess: sess, screen: &testkit.Buffer{}, stderr: &testkit.Buffer{}}
	sess.Stdout, sess.Stderr = p.screen, p.stderr
	if p.stdin, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 40, 120, gossh.TerminalModes{}); err != nil {
		t.Fatalf("pty-req: %v", err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatalf("shell: %v", err)
	}
	return p
}

// wait waits for the session to end and returns its exit status (-1: none).
func (p *ptySession) wait(t testing.TB) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.sess.Wait() }()
	select {
	case err := <-done:
		return exitStatus(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("session did not end")
		return -1
	}
}

// exitStatus is testkit.ExitStatus, logging a session that ended without an
// exit status for a reason other than a missing one or EOF.
func exitStatus(t testing.TB, err error) int {
	t.Helper()
	status := testkit.ExitStatus(err)
	var missing *gossh.ExitMissingError
	if status == -1 && !errors.As(err, &missing) && !errors.Is(err, io.EOF) {
		t.Logf("session ended with %v", err)
	}
	return status
}

// noModel is a NewModel for servers that never open a dashboard.
func noModel(ctx context.Context, r *lipgloss.Renderer, w, h int) tea.Model {
	return &fakeModel{ctx: ctx, r: r, w: w, h: h}
}

// newTestLogger logs everything as text to w.
func newTestLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
