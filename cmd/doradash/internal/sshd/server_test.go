package sshd

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"

	"doradash/cmd/doradash/internal/testkit"
)

func TestPTYSessionShowsDashboard(t *testing.T) {
	env := startServer(t, envConfig{})
	c := env.login(t)
	p := openPTY(t, c)

	waitText(t, p.screen, "DEPLOY FREQUENCY")
	waitText(t, p.screen, "LEAD TIME")
	waitText(t, p.screen, "size=120x40")
	if !strings.Contains(p.screen.String(), "\x1b[?1049h") {
		t.Error("program did not switch to the alternate screen")
	}
	if got := env.s.Sessions(); got != 1 {
		t.Errorf("Sessions() = %d, want 1", got)
	}

	// Resizes follow the client.
	if err := p.sess.WindowChange(30, 100); err != nil {
		t.Fatal(err)
	}
	waitText(t, p.screen, "size=100x30")

	// The same keys as the local dashboard: q quits with status 0.
	if _, err := p.stdin.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	if got := p.wait(t); got != 0 {
		t.Errorf("exit status = %d, want 0", got)
	}
	testkit.WaitFor(t, 5*time.Second, "model context cancelled", env.models.allDone)
	testkit.WaitFor(t, 5*time.Second, "session count back to 0", func() bool { return env.s.Sessions() == 0 })
	if n := len(env.models.all()); n != 1 {
		t.Errorf("NewModel called %d times, want 1", n)
	}
}

func TestEachSessionGetsItsOwnRenderer(t *testing.T) {
	var mu sync.Mutex
	profiles := map[string]termenv.Profile{}
	renderers := map[*lipgloss.Renderer]bool{}
	env := startServer(t, envConfig{opts: func(o *Options) {
		next := o.NewModel
		o.NewModel = func(ctx context.Context, r *lipgloss.Renderer, w, h int) tea.Model {
			mu.Lock()
			profiles[fmt.Sprintf("%dx%d", w, h)] = r.ColorProfile()
			renderers[r] = true
			mu.Unlock()
			return next(ctx, r, w, h)
		}
	}})
	tests := []struct {
		term string
		env  []string // KEY=value sent before the shell
		w, h int
		want termenv.Profile
	}{
		{"xterm-256color", nil, 81, 24, termenv.ANSI256},
		{"xterm-256color", []string{"COLORTERM=truecolor"}, 82, 24, termenv.TrueColor},
		{"vt100", nil, 83, 24, termenv.Ascii},
		{"dumb", nil, 84, 24, termenv.Ascii},
		{"xterm-256color", []string{"NO_COLOR=1"}, 85, 24, termenv.Ascii},
	}
	c := env.login(t)
	for _, tt := range tests {
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		for _, kv := range tt.env {
			k, v, _ := strings.Cut(kv, "=")
			if err := sess.Setenv(k, v); err != nil {
				t.Fatalf("setenv %s: %v", k, err)
			}
		}
		screen := &testkit.Buffer{}
		sess.Stdout = screen
		if err := sess.RequestPty(tt.term, tt.h, tt.w, gossh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
		if err := sess.Shell(); err != nil {
			t.Fatal(err)
		}
		waitText(t, screen, fmt.Sprintf("size=%dx%d", tt.w, tt.h))
	}
	mu.Lock()
	defer mu.Unlock()
	for _, tt := range tests {
		key := fmt.Sprintf("%dx%d", tt.w, tt.h)
		if got, ok := profiles[key]; !ok || got != tt.want {
			t.Errorf("TERM=%s %v: profile = %v (seen %v), want %v", tt.term, tt.env, got, ok, tt.want)
		}
	}
	if len(renderers) != len(tests) {
		t.Errorf("%d distinct renderers for %d sessions", len(renderers), len(tests))
	}
}

func TestLoginRefusals(t *testing.T) {
	env := startServer(t, envConfig{})
	other, otherLine := testkit.ClientKey(t)
	tests := []struct {
		name string
		auth []gossh.AuthMethod
	}{
		{"unlisted key", []gossh.AuthMethod{gossh.PublicKeys(other)}},
		{"password", []gossh.AuthMethod{gossh.Password("hunter2")}},
		{"keyboard-interactive", []gossh.AuthMethod{gossh.KeyboardInteractive(
			func(string, string, []string, []bool) ([]string, error) { return []string{"hunter2"}, nil })}},
		{"no auth at all", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := env.dial(tt.auth...)
			if err == nil {
				c.Close()
				t.Fatal("login succeeded, want refusal")
			}
			if !strings.Contains(err.Error(), "unable to authenticate") {
				t.Errorf("error = %v, want an authentication failure", err)
			}
		})
	}

	fp := gossh.FingerprintSHA256(other.PublicKey())
	testkit.WaitFor(t, 5*time.Second, "refusal logged", func() bool {
		return strings.Contains(env.logs.String(), "refused_key="+fp)
	})
	logs := env.logs.String()
	blob := strings.Fields(otherLine)[1]
	if strings.Contains(logs, blob) || strings.Contains(logs, base64.StdEncoding.EncodeToString(env.client.PublicKey().Marshal())) {
		t.Error("log contains key material")
	}
	if strings.Contains(logs, "hunter2") {
		t.Error("log contains a password")
	}
	if strings.Contains(logs, "ssh connect") {
		t.Error("a refused client was logged as connected")
	}
}

func TestNewAuthorizedKeysRule(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope", "authorized_keys")
	_, line := testkit.ClientKey(t)
	present := filepath.Join(dir, "authorized_keys")
	writeFile(t, present, line+"\n")
	base := func() Options {
		return Options{
			HostKeyPath: filepath.Join(dir, "host_key"),
			NewModel:    noModel,
			RunCommand:  func(context.Context, []string, io.Writer, io.Writer) int { return 0 },
		}
	}
	tests := []struct {
		name      string
		path      string
		anonymous bool
		wantErr   string // "" : New succeeds
		wantLog   string
	}{
		{"no path", "", false, "authorized_keys", ""},
		{"missing file", missing, false, missing, ""},
		{"present file", present, false, "", ""},
		{"anonymous without file", "", true, "", "level=WARN msg=\"ssh anonymous access is on"},
		{"anonymous ignores a missing file", missing, true, "", "ignored_authorized_keys=" + missing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &testkit.Buffer{}
			o := base()
			o.AuthorizedKeysPath, o.AllowAnonymous = tt.path, tt.anonymous
			o.Logger = newTestLogger(logs)
			s, err := New(o)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("New succeeded, want an error naming %q", tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %q does not name %q", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), "allow_anonymous") {
					t.Errorf("error %q does not mention allow_anonymous", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if s == nil {
				t.Fatal("New returned nil server")
			}
			if !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("log %q does not contain %q", logs.String(), tt.wantLog)
			}
		})
	}
}

func TestAnonymousAcceptsAnyKey(t *testing.T) {
	env := startServer(t, envConfig{opts: func(o *Options) { o.AllowAnonymous = true; o.AuthorizedKeysPath = "" }})
	stranger, _ := testkit.ClientKey(t)
	c, err := env.dial(gossh.PublicKeys(stranger))
	if err != nil {
		t.Fatalf("anonymous login with any key: %v", err)
	}
	defer c.Close()
	p := openPTY(t, c)
	waitText(t, p.screen, "DEPLOY FREQUENCY")
	// Still no password logins.
	if c2, err := env.dial(gossh.Password("x")); err == nil {
		c2.Close()
		t.Error("password login accepted in anonymous mode")
	}
}

func TestHostKeyCreatedOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state", "host_ed25519")
	_, line := testkit.ClientKey(t)
	keys := filepath.Join(dir, "authorized_keys")
	writeFile(t, keys, line+"\n")
	var fps []string
	for i := range 2 {
		s, err := New(Options{
			HostKeyPath: path, AuthorizedKeysPath: keys,
			NewModel:   noModel,
			RunCommand: func(context.Context, []string, io.Writer, io.Writer) int { return 0 },
		})
		if err != nil {
			t.Fatalf("New #%d: %v", i+1, err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatalf("host key not created: %v", err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("host key mode = %o, want 600", mode)
		}
		if got := s.signer.PublicKey().Type(); got != gossh.KeyAlgoED25519 {
			t.Errorf("host key type = %s, want ed25519", got)
		}
		fps = append(fps, gossh.FingerprintSHA256(s.signer.PublicKey()))
	}
	if fps[0] != fps[1] {
		t.Errorf("fingerprint changed across restarts: %s then %s", fps[0], fps[1])
	}
	// A corrupt key file is an error naming the file, never silently replaced.
	writeFile(t, path, "not a key")
	_, err := New(Options{HostKeyPath: path, AuthorizedKeysPath: keys, NewModel: noModel,
		RunCommand: func(context.Context, []string, io.Writer, io.Writer) int { return 0 }})
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("corrupt host key: error = %v, want one naming %s", err, path)
	}
}

func TestAuthorizedKeysEditedWhileRunning(t *testing.T) {
	env := startServer(t, envConfig{})
	env.s.keys.mu.Lock()
	env.s.keys.recheck = 0 // the once-a-second limit is tested in authkeys_test.go
	env.s.keys.mu.Unlock()
	bob, bobLine := testkit.ClientKey(t)
	if c, err := env.dial(gossh.PublicKeys(bob)); err == nil {
		c.Close()
		t.Fatal("bob logged in before being listed")
	}
	old, err := os.ReadFile(env.keys)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, env.keys, string(old)+"no-port-forwarding,from=\"127.0.0.0/8\" "+bobLine+" bob@test\n")
	c, err := env.dial(gossh.PublicKeys(bob))
	if err != nil {
		t.Fatalf("bob refused after being added: %v", err)
	}
	c.Close()
	// And removed again.
	writeFile(t, env.keys, string(old))
	if c, err := env.dial(gossh.PublicKeys(bob)); err == nil {
		c.Close()
		t.Fatal("bob still accepted after being removed")
	}
	if _, err := env.dial(gossh.PublicKeys(env.client)); err != nil {
		t.Fatalf("alice refused after the edits: %v", err)
	}
}

func TestCommandSessions(t *testing.T) {
	snapshot, err := os.ReadFile(filepath.Join("testdata", "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var calls [][]string
	env := startServer(t, envConfig{opts: func(o *Options) {
		o.RunCommand = func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
			mu.Lock()
			calls = append(calls, args)
			mu.Unlock()
			switch {
			case len(args) == 0 || args[0] == "snapshot" && slices.Contains(args, "json"):
				_, _ = stdout.Write(snapshot)
				return 0
			case args[0] == "snapshot":
				fmt.Fprintln(stdout, "deployment frequency: 1.4/day")
				fmt.Fprintln(stderr, "source incidents: timeout")
				return 1
			default:
				fmt.Fprintf(stderr, "doradash: unknown command %q\n", args[0])
				return 2
			}
		}
	}})
	c := env.login(t)

	tests := []struct {
		name       string
		cmd        string // "" : shell request without PTY (ssh -T host)
		wantArgs   []string
		wantStatus int
		wantOut    string
		wantErr    string
		wantJSON   bool
	}{
		{"snapshot json", "snapshot --format json", []string{"snapshot", "--format", "json"}, 0, "", "", true},
		{"no command means snapshot", "", []string{}, 0, "", "", true},
		{"quoted args", `snapshot --service "check out"`, []string{"snapshot", "--service", "check out"}, 1, "deployment frequency", "source incidents: timeout", false},
		{"unknown command", "rm -rf /", []string{"rm", "-rf", "/"}, 2, "", "unknown command \"rm\"", false},
		{"unparsable command", `snapshot "open`, nil, 2, "", "cannot parse command", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			before := len(calls)
			mu.Unlock()
			sess, err := c.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			var stdout, stderr bytes.Buffer
			sess.Stdout, sess.Stderr = &stdout, &stderr
			if tt.cmd == "" {
				err = sess.Shell()
				if err == nil {
					err = sess.Wait()
				}
			} else {
				err = sess.Run(tt.cmd)
			}
			if got := exitStatus(t, err); got != tt.wantStatus {
				t.Errorf("exit status = %d, want %d (stderr %q)", got, tt.wantStatus, stderr.String())
			}
			mu.Lock()
			got := calls[before:]
			mu.Unlock()
			switch {
			case tt.wantArgs == nil && len(got) != 0:
				t.Errorf("RunCommand called with %q, want no call", got)
			case tt.wantArgs != nil && (len(got) != 1 || !slices.Equal(got[0], tt.wantArgs) || got[0] == nil):
				t.Errorf("RunCommand calls = %q, want one with %q", got, tt.wantArgs)
			}
			if !strings.Contains(stdout.String(), tt.wantOut) {
				t.Errorf("stdout = %q, want it to contain %q", stdout.String(), tt.wantOut)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantErr)
			}
			if tt.wantJSON {
				if !bytes.Equal(stdout.Bytes(), snapshot) {
					t.Errorf("stdout differs from what RunCommand wrote (%d bytes, want %d)", stdout.Len(), len(snapshot))
				}
				testkit.CheckSnapshot(t, stdout.Bytes())
			}
		})
	}
}

func TestMaxSessions(t *testing.T) {
	env := startServer(t, envConfig{opts: func(o *Options) { o.MaxSessions = 2 }})
	var open []*ptySession
	for range 2 {
		p := openPTY(t, env.login(t))
		waitText(t, p.screen, "DEPLOY FREQUENCY")
		open = append(open, p)
	}
	if got := env.s.Sessions(); got != 2 {
		t.Fatalf("Sessions() = %d, want 2", got)
	}

	for _, kind := range []string{"pty", "command"} {
		t.Run(kind, func(t *testing.T) {
			c := env.login(t)
			var status int
			var stderr string
			if kind == "pty" {
				p := openPTY(t, c)
				status, stderr = p.wait(t), p.stderr.String()
			} else {
				sess, err := c.NewSession()
				if err != nil {
					t.Fatal(err)
				}
				var eb bytes.Buffer
				sess.Stderr = &eb
				status, stderr = exitStatus(t, sess.Run("snapshot")), eb.String()
			}
			if status != 1 {
				t.Errorf("exit status = %d, want 1", status)
			}
			if want := "doradash: too many sessions (2), try again later"; !strings.Contains(stderr, want) {
				t.Errorf("stderr = %q, want %q", stderr, want)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 {
				t.Errorf("refusal is %d lines, want one", n+1)
			}
			waitConnClosed(t, c) // and the client is disconnected
		})
	}
	if n := len(env.models.all()); n != 2 {
		t.Errorf("NewModel called %d times, want 2: refused sessions must not build a dashboard", n)
	}

	// A freed slot is usable again.
	if _, err := open[0].stdin.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	open[0].wait(t)
	testkit.WaitFor(t, 5*time.Second, "a free slot", func() bool { return env.s.Sessions() == 1 })
	p := openPTY(t, env.login(t))
	waitText(t, p.screen, "DEPLOY FREQUENCY")
}

func TestIdleTimeout(t *testing.T) {
	const idle = 400 * time.Millisecond
	// The model redraws every 50ms: output must not count as activity.
	env := startServer(t, envConfig{tick: 50 * time.Millisecond, opts: func(o *Options) { o.IdleTimeout = idle }})
	c := env.login(t)
	p := openPTY(t, c)
	waitText(t, p.screen, "DEPLOY FREQUENCY")

	// Typing keeps the session alive well past the timeout.
	start := time.Now()
	for time.Since(start) < 3*idle {
		if _, err := p.stdin.Write([]byte("x")); err != nil {
			t.Fatalf("session closed while the client was typing: %v", err)
		}
		time.Sleep(idle / 4)
	}
	if env.s.Sessions() != 1 {
		t.Fatal("session ended although the client was typing")
	}

	// Then silence ends it, with a message and a non-zero status.
	stopped := time.Now()
	if got := p.wait(t); got != 1 {
		t.Errorf("exit status = %d, want 1", got)
	}
	if d := time.Since(stopped); d < idle/2 || d > idle+3*time.Second {
		t.Errorf("idle session ended %s after the last key, want about %s", d, idle)
	}
	if want := "doradash: no input for 400ms, disconnecting"; !strings.Contains(p.stderr.String(), want) {
		t.Errorf("stderr = %q, want %q", p.stderr.String(), want)
	}
	if !strings.Contains(p.screen.String(), "tick=") {
		t.Error("model never redrew; the test does not prove output is ignored")
	}
	// The connection itself is closed too.
	waitConnClosed(t, c)
	testkit.WaitFor(t, 5*time.Second, "model context cancelled", env.models.allDone)
	testkit.WaitFor(t, 5*time.Second, "disconnect logged with its reason", func() bool {
		return strings.Contains(env.logs.String(), `reason="idle timeout"`)
	})
}

// TestLibraryIdleTimeoutIsResetByOutput documents why the server measures
// idleness itself: charmbracelet/ssh's IdleTimeout counts the server's own
// writes as activity, so a dashboard that redraws is never idle. Should the
// library change, this test fails and the choice can be revisited.
func TestLibraryIdleTimeoutIsResetByOutput(t *testing.T) {
	// A whole second between redraws 50 ms apart leaves room for a loaded
	// machine; 2.5 idle periods of silence from the client would end the
	// session if output did not reset the timer.
	const idle = time.Second
	env := startServer(t, envConfig{tick: 50 * time.Millisecond, server: func(s *Server) { s.srv.IdleTimeout = idle }})
	p := openPTY(t, env.login(t))
	waitText(t, p.screen, "DEPLOY FREQUENCY")
	time.Sleep(5 * idle / 2)
	if env.s.Sessions() != 1 {
		t.Fatal("charmbracelet/ssh IdleTimeout ended a session whose client sent nothing: output no longer resets it")
	}
}

// waitConnClosed waits for the server to close the client's connection.
func waitConnClosed(t *testing.T, c *gossh.Client) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("server did not close the connection")
	}
}

func TestConnectionWithoutSessionIsClosed(t *testing.T) {
	env := startServer(t, envConfig{timings: func(tm *timings) { tm.linger = 200 * time.Millisecond }})
	c := env.login(t)
	waitConnClosed(t, c)
	testkit.WaitFor(t, 5*time.Second, "disconnect logged", func() bool {
		return strings.Contains(env.logs.String(), `reason="no session open"`)
	})
}

func TestRateLimitPerAddress(t *testing.T) {
	const limit = 3
	env := startServer(t, envConfig{opts: func(o *Options) { o.MaxConnsPerMinute = limit }})
	for i := range limit {
		c, err := env.dial(gossh.PublicKeys(env.client))
		if err != nil {
			t.Fatalf("connection %d of %d refused: %v", i+1, limit, err)
		}
		c.Close()
	}
	if c, err := env.dial(gossh.PublicKeys(env.client)); err == nil {
		c.Close()
		t.Fatalf("connection %d accepted, want refusal", limit+1)
	}
	if !strings.Contains(env.logs.String(), "too many new connections from this address") {
		t.Error("refusal not logged")
	}
}

func TestGoroutinesReturnToBaseline(t *testing.T) {
	env := startServer(t, envConfig{tick: 100 * time.Millisecond})
	// Warm up once so lazily started runtime goroutines are counted.
	p := openPTY(t, env.login(t))
	waitText(t, p.screen, "DEPLOY FREQUENCY")
	p.stdin.Write([]byte("q"))
	p.wait(t)
	testkit.WaitFor(t, 5*time.Second, "warm-up session gone", func() bool { return env.s.Sessions() == 0 })
	time.Sleep(200 * time.Millisecond)
	baseline := runtime.NumGoroutine()

	const n = 20
	var wg sync.WaitGroup
	clients := make([]*gossh.Client, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := env.dial(gossh.PublicKeys(env.client))
			if err != nil {
				t.Errorf("session %d: %v", i, err)
				return
			}
			clients[i] = c
			p := openPTY(t, c)
			waitText(t, p.screen, "DEPLOY FREQUENCY")
			switch i % 3 {
			case 0: // quit from the keyboard
				p.stdin.Write([]byte("q"))
				p.wait(t)
				c.Close()
			case 1: // close the session channel only
				p.sess.Close()
				c.Close()
			default: // hang up the connection
				c.Close()
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	testkit.WaitFor(t, 10*time.Second, "sessions closed", func() bool { return env.s.Sessions() == 0 })
	testkit.WaitFor(t, 10*time.Second, "every model context cancelled", env.models.allDone)
	testkit.WaitGoroutines(t, baseline, 10*time.Second)
}

func TestShutdownTellsSessions(t *testing.T) {
	cmdStarted := make(chan struct{})
	cmdCtx := make(chan error, 1)
	env := startServer(t, envConfig{tick: 100 * time.Millisecond, opts: func(o *Options) {
		o.RunCommand = func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
			close(cmdStarted)
			<-ctx.Done()
			cmdCtx <- ctx.Err()
			return 1
		}
	}})
	p := openPTY(t, env.login(t))
	waitText(t, p.screen, "DEPLOY FREQUENCY")

	cmd, err := env.login(t).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var cmdErr bytes.Buffer
	cmd.Stderr = &cmdErr
	if err := cmd.Start("snapshot"); err != nil {
		t.Fatal(err)
	}
	<-cmdStarted

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := env.s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	testkit.CheckStopped(t, p.wait(t), p.stderr.String(), p.screen.String())
	if got := exitStatus(t, cmd.Wait()); got != 1 {
		t.Errorf("command exit status = %d, want 1", got)
	}
	if !strings.Contains(cmdErr.String(), "doradash server is stopping") {
		t.Errorf("command stderr = %q, want the stopping message", cmdErr.String())
	}
	select {
	case err := <-cmdCtx:
		if err == nil {
			t.Error("command context not cancelled")
		}
	default:
		t.Error("RunCommand did not return")
	}
	if env.s.Sessions() != 0 {
		t.Errorf("Sessions() = %d after Shutdown", env.s.Sessions())
	}
	if !env.models.allDone() {
		t.Error("a model context outlived Shutdown")
	}
	if c, err := env.dial(gossh.PublicKeys(env.client)); err == nil {
		c.Close()
		t.Error("new connection accepted after Shutdown")
	}
}

func TestDroppedConnectionEndsSession(t *testing.T) {
	env := startServer(t, envConfig{tick: 100 * time.Millisecond, timings: func(tm *timings) {
		tm.keepalive, tm.keepaliveTimeout = 100*time.Millisecond, 300*time.Millisecond
	}})
	proxy := newFreezeProxy(t, env.addr)
	conn, err := net.Dial("tcp", proxy.addr)
	if err != nil {
		t.Fatal(err)
	}
	sc, chans, reqs, err := gossh.NewClientConn(conn, proxy.addr, &gossh.ClientConfig{
		User: "alice", Auth: []gossh.AuthMethod{gossh.PublicKeys(env.client)},
		HostKeyCallback: gossh.FixedHostKey(env.hostKey), Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	c := gossh.NewClient(sc, chans, reqs)
	defer c.Close()
	p := openPTY(t, c)
	waitText(t, p.screen, "DEPLOY FREQUENCY")

	proxy.freeze() // the network goes silent; no FIN, no RST
	testkit.WaitFor(t, 5*time.Second, "model context cancelled", env.models.allDone)
	testkit.WaitFor(t, 5*time.Second, "session count back to 0", func() bool { return env.s.Sessions() == 0 })
	testkit.WaitFor(t, 5*time.Second, "disconnect logged", func() bool {
		return strings.Contains(env.logs.String(), `reason="keepalive timeout"`)
	})
}

// freezeProxy forwards TCP to a server until frozen, then holds the
// connections open without passing anything, like a network that died.
type freezeProxy struct {
	addr   string
	mu     sync.Mutex
	frozen bool
}

func newFreezeProxy(t *testing.T, target string) *freezeProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezeProxy{addr: ln.Addr().String()}
	var conns []net.Conn
	var wg sync.WaitGroup
	var cmu sync.Mutex
	t.Cleanup(func() {
		ln.Close()
		cmu.Lock()
		for _, c := range conns {
			c.Close()
		}
		cmu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				return
			}
			cmu.Lock()
			conns = append(conns, in, out)
			cmu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); p.pipe(out, in) }()
			go func() { defer wg.Done(); p.pipe(in, out) }()
		}
	}()
	return p
}

func (p *freezeProxy) freeze() {
	p.mu.Lock()
	p.frozen = true
	p.mu.Unlock()
}

// pipe copies src to dst, dropping everything once frozen.
func (p *freezeProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		p.mu.Lock()
		frozen := p.frozen
		p.mu.Unlock()
		if frozen {
			continue
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			return
		}
	}
}

func TestServeAfterShutdownReturnsNil(t *testing.T) {
	env := startServer(t, envConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := env.s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := env.s.Serve(ln); err != nil {
		t.Errorf("Serve after Shutdown = %v, want nil", err)
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("listener still open after Serve returned")
	}
}

func TestPanickingModelEndsOnlyItsSession(t *testing.T) {
	var calls atomic.Int32
	env := startServer(t, envConfig{opts: func(o *Options) {
		next := o.NewModel
		o.NewModel = func(ctx context.Context, r *lipgloss.Renderer, w, h int) tea.Model {
			if calls.Add(1) == 1 {
				panic("dashboard bug")
			}
			return next(ctx, r, w, h)
		}
	}})
	p := openPTY(t, env.login(t))
	if got := p.wait(t); got != 1 {
		t.Errorf("exit status = %d, want 1", got)
	}
	if !strings.Contains(env.logs.String(), `panic="dashboard bug"`) {
		t.Errorf("panic not logged:\n%s", env.logs.String())
	}
	p2 := openPTY(t, env.login(t))
	waitText(t, p2.screen, "DEPLOY FREQUENCY")
}

func TestListenAndServe(t *testing.T) {
	dir := t.TempDir()
	o := Options{
		Listen:         "127.0.0.1:0",
		HostKeyPath:    filepath.Join(dir, "host_key"),
		AllowAnonymous: true,
		NewModel:       noModel,
		RunCommand:     func(context.Context, []string, io.Writer, io.Writer) int { return 0 },
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.ListenAndServe() }()
	testkit.WaitFor(t, 5*time.Second, "listening", func() bool { return s.Addr() != nil })
	if conn, err := net.Dial("tcp", s.Addr().String()); err != nil {
		t.Errorf("dial %s: %v", s.Addr(), err)
	} else {
		conn.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Errorf("ListenAndServe = %v, want nil after Shutdown", err)
	}

	o.Listen = "127.0.0.1:99999"
	s, err = New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ListenAndServe(); err == nil || !strings.Contains(err.Error(), o.Listen) {
		t.Errorf("bad address: error = %v, want one naming %s", err, o.Listen)
	}
}

// quitModel is a fakeModel that receives its program's Quit through
// QuitSetter.
type quitModel struct {
	*fakeModel
	got chan func()
}

func (m *quitModel) SetQuit(quit func()) { m.got <- quit }

func TestModelGetsItsProgramsQuit(t *testing.T) {
	got := make(chan func(), 1)
	env := startServer(t, envConfig{opts: func(o *Options) {
		next := o.NewModel
		o.NewModel = func(ctx context.Context, r *lipgloss.Renderer, w, h int) tea.Model {
			return &quitModel{fakeModel: next(ctx, r, w, h).(*fakeModel), got: got}
		}
	}})
	p := openPTY(t, env.login(t))
	waitText(t, p.screen, "DEPLOY FREQUENCY")
	var quit func()
	select {
	case quit = <-got:
	default:
		t.Fatal("SetQuit was not called before the program ran")
	}
	go quit() // as a failed View would
	if got := p.wait(t); got != 0 {
		t.Errorf("exit status = %d, want 0", got)
	}
	quit() // after the program ended: returns at once
}

// failingModel is a fakeModel whose Err reports an error once q was
// pressed, as a dashboard that recovered a panic and quit does.
type failingModel struct {
	*fakeModel
	failed *atomic.Bool
}

func (m failingModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && k.String() == "q" {
		m.failed.Store(true)
	}
	_, cmd := m.fakeModel.Update(msg)
	return m, cmd
}

func (m failingModel) Err() error {
	if m.failed.Load() {
		return errors.New("internal error: boom (details in /var/tmp/secret.log)")
	}
	return nil
}

func TestFailingModelEndsWithStatus1(t *testing.T) {
	env := startServer(t, envConfig{opts: func(o *Options) {
		next := o.NewModel
		o.NewModel = func(ctx context.Context, r *lipgloss.Renderer, w, h int) tea.Model {
			return failingModel{fakeModel: next(ctx, r, w, h).(*fakeModel), failed: &atomic.Bool{}}
		}
	}})
	p := openPTY(t, env.login(t))
	waitText(t, p.screen, "DEPLOY FREQUENCY")
	p.stdin.Write([]byte("q"))
	if got := p.wait(t); got != 1 {
		t.Errorf("exit status = %d, want 1", got)
	}
	if got := strings.TrimSpace(p.stderr.String()); got != errDashboardFailed.Error() {
		t.Errorf("stderr = %q, want %q", got, errDashboardFailed)
	}
	if !strings.Contains(env.logs.String(), "/var/tmp/secret.log") {
		t.Errorf("the error is not in the log:\n%s", env.logs.String())
	}

	// A model without an error ends with 0 as before.
	p = openPTY(t, env.login(t))
	waitText(t, p.screen, "DEPLOY FREQUENCY")
	if err := p.sess.WindowChange(30, 100); err != nil {
		t.Fatal(err)
	}
	waitText(t, p.screen, "size=100x30")
	p.stdin.Write([]byte{3}) // ctrl+c: quits without q
	if got := p.wait(t); got != 0 {
		t.Errorf("exit status = %d, want 0", got)
	}
}

// The stalled client's terminal: big enough for a full-screen dashboard to
// fill its 2 MiB SSH window within a second or so of repaints.
const (
	stalledWidth  = 500
	stalledHeight = 300
)

// fillScreen makes every dashboard fill its whole window, so that a client
// with a big window gets a lot of output.
func fillScreen(o *Options) {
	next := o.NewModel
	o.NewModel = func(ctx context.Context, r *lipgloss.Renderer, w, h int) tea.Model {
		return &fillModel{fakeModel: next(ctx, r, w, h).(*fakeModel)}
	}
}

// fillModel is a fakeModel whose view fills its window.
type fillModel struct{ *fakeModel }

func (m *fillModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := m.fakeModel.Update(msg)
	return m, cmd
}

func (m *fillModel) View() string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(m.fakeModel.View(), "\n"))
	line := strings.Repeat("#", m.w)
	for range m.h - 2 {
		b.WriteByte('\n')
		b.WriteString(line)
	}
	return b.String()
}

// stalledClient opens a PTY session with a shell, then never reads its
// output and sends a window change every 25 ms, like a terminal that froze
// (or a hostile client). It counts the keepalive probes the server sends it,
// which its SSH library answers as OpenSSH does.
type stalledClient struct {
	conn    gossh.Conn
	probes  atomic.Int32
	resizes atomic.Int32
	stop    chan struct{}
	done    chan struct{} // the window changes have stopped
	once    sync.Once
}

func openStalled(t *testing.T, env *testEnv, addr string) *stalledClient {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn, chans, reqs, err := gossh.NewClientConn(nc, addr, &gossh.ClientConfig{
		User: "mallory", Auth: []gossh.AuthMethod{gossh.PublicKeys(env.client)},
		HostKeyCallback: gossh.FixedHostKey(env.hostKey), Timeout: 5 * time.Second,
	})
	if err != nil {
		nc.Close()
		t.Fatal(err)
	}
	st := &stalledClient{conn: conn, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		for nc := range chans {
			_ = nc.Reject(gossh.Prohibited, "no channels")
		}
	}()
	go func() {
		for req := range reqs {
			if req.Type == "keepalive@openssh.com" {
				st.probes.Add(1)
			}
			if req.WantReply {
				_ = req.Reply(false, nil)
			}
		}
	}()
	ch, chReqs, err := conn.OpenChannel("session", nil)
	if err != nil {
		conn.Close()
		t.Fatal(err)
	}
	go gossh.DiscardRequests(chReqs)
	t.Cleanup(st.close)
	pty := struct {
		Term                         string
		Columns, Rows, Width, Height uint32
		Modes                        string
	}{Term: "xterm-256color", Columns: stalledWidth, Rows: stalledHeight}
	if ok, err := ch.SendRequest("pty-req", true, gossh.Marshal(&pty)); !ok || err != nil {
		close(st.done)
		t.Fatalf("pty-req: %v %v", ok, err)
	}
	if ok, err := ch.SendRequest("shell", true, nil); !ok || err != nil {
		close(st.done)
		t.Fatalf("shell: %v %v", ok, err)
	}
	go func() {
		defer close(st.done)
		tick := time.NewTicker(25 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-st.stop:
				return
			case <-tick.C:
			}
			// Every change forces a full repaint.
			win := struct{ Columns, Rows, Width, Height uint32 }{uint32(stalledWidth - i%20), stalledHeight, 0, 0}
			if _, err := ch.SendRequest("window-change", false, gossh.Marshal(&win)); err != nil {
				return
			}
			st.resizes.Add(1)
		}
	}()
	return st
}

// waitResizes waits until n more window changes have been sent.
func (st *stalledClient) waitResizes(t *testing.T, n int32) {
	t.Helper()
	from := st.resizes.Load()
	testkit.WaitFor(t, 20*time.Second, fmt.Sprintf("%d window changes sent", n), func() bool { return st.resizes.Load() >= from+n })
}

// close hangs up.
func (st *stalledClient) close() {
	st.once.Do(func() { close(st.stop) })
	_ = st.conn.Close()
	<-st.done
}

// goroutineStacks returns the stack of every goroutine.
func goroutineStacks() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Split(string(buf[:n]), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// blockedWriters counts the goroutines stuck writing a frame to a client
// whose SSH window is full.
func blockedWriters() int {
	n := 0
	for _, g := range goroutineStacks() {
		if strings.Contains(g, "ssh.(*window).reserve") && strings.Contains(g, "bubbletea.(*standardRenderer).flush") {
			n++
		}
	}
	return n
}

// waitWriteBlocked waits until more goroutines than before are stuck
// writing to a client whose SSH window is full.
func waitWriteBlocked(t *testing.T, before int) {
	t.Helper()
	testkit.WaitFor(t, 30*time.Second, "the server stuck writing to the stalled client", func() bool {
		return blockedWriters() > before
	})
}

// waitServerGoroutinesGone waits until no goroutine runs server, session or
// program code any more.
func waitServerGoroutinesGone(t *testing.T) {
	t.Helper()
	var left []string
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		left = left[:0]
		for _, g := range goroutineStacks() {
			if strings.Contains(g, "github.com/charmbracelet/bubbletea.") || strings.Contains(g, "github.com/charmbracelet/ssh.") ||
				strings.Contains(g, "internal/sshd.(*Server).") {
				left = append(left, g)
			}
		}
		if len(left) == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%d server goroutines left:\n%s", len(left), strings.Join(left, "\n\n"))
}

// shutdownQuickly shuts the server down with a generous deadline and checks
// that it returned nil well before.
func shutdownQuickly(t *testing.T, env *testEnv) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	start := time.Now()
	if err := env.s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	// stalledTimings end a stuck session in under a second.
	d := time.Since(start)
	t.Logf("Shutdown took %s", d)
	if d > 7*time.Second {
		t.Errorf("Shutdown took %s", d)
	}
	if got := env.s.Sessions(); got != 0 {
		t.Errorf("Sessions() = %d after Shutdown", got)
	}
	if !env.models.allDone() {
		t.Error("a model context outlived Shutdown")
	}
}

// stalledTimings leaves the ending of a stuck session to the session guard
// (quitGrace, dropGrace) alone, not to the connection's closeWait.
func stalledTimings(tm *timings) {
	tm.quitGrace, tm.dropGrace = 300*time.Millisecond, 300*time.Millisecond
	tm.closeWait = time.Minute
}

func TestShutdownWithStalledClient(t *testing.T) {
	env := startServer(t, envConfig{opts: fillScreen, timings: stalledTimings})
	blocked := blockedWriters()
	st := openStalled(t, env, env.addr)
	waitWriteBlocked(t, blocked)
	// Enough window changes to fill every queue between the client and a
	// program that takes none (about 20).
	st.waitResizes(t, 60)

	shutdownQuickly(t, env)
	waitServerGoroutinesGone(t)
	if strings.Contains(env.logs.String(), "session did not end after being closed") {
		t.Error("the connection was dropped although the client acknowledged the channel's close")
	}
}

func TestShutdownDropsStalledClientIgnoringClose(t *testing.T) {
	env := startServer(t, envConfig{opts: fillScreen, timings: stalledTimings})
	proxy := newFreezeProxy(t, env.addr)
	blocked := blockedWriters()
	st := openStalled(t, env, proxy.addr)
	waitWriteBlocked(t, blocked)
	st.waitResizes(t, 20)
	proxy.freeze() // the client no longer answers anything, the channel close included

	shutdownQuickly(t, env)
	waitServerGoroutinesGone(t)
	testkit.WaitFor(t, 5*time.Second, "disconnect logged with its reason", func() bool {
		return strings.Contains(env.logs.String(), `reason="session did not end after being closed"`)
	})
}

func TestStalledClientDoesNotStallItsConnection(t *testing.T) {
	env := startServer(t, envConfig{opts: fillScreen, timings: func(tm *timings) { tm.keepalive = 100 * time.Millisecond }})
	blocked := blockedWriters()
	st := openStalled(t, env, env.addr)
	waitWriteBlocked(t, blocked)
	st.waitResizes(t, 60)

	// Another client is served as usual.
	p := openPTY(t, env.login(t))
	waitText(t, p.screen, "DEPLOY FREQUENCY")
	if err := p.sess.WindowChange(30, 100); err != nil {
		t.Fatal(err)
	}
	waitText(t, p.screen, "size=100x30")

	// The stalled connection still answers keepalive probes: the watchdog
	// sends the next one only once the last one's reply arrived.
	from := st.probes.Load()
	testkit.WaitFor(t, 20*time.Second, "keepalive probes answered on the stalled connection", func() bool {
		return st.probes.Load() >= from+10
	})
	if got := env.s.Sessions(); got != 2 {
		t.Errorf("Sessions() = %d, want 2", got)
	}
	if strings.Contains(env.logs.String(), "keepalive") {
		t.Errorf("a keepalive failed:\n%s", env.logs.String())
	}

	// Hanging up ends the stuck session.
	st.close()
	testkit.WaitFor(t, 10*time.Second, "the stalled session ended", func() bool { return env.s.Sessions() == 1 })
}

// TestShutdownOfOldConnectionTellsSessions checks that a connection being
// closed gets its closeWait from the moment the server starts stopping, not
// from whenever its watchdog last woke up.
func TestShutdownOfOldConnectionTellsSessions(t *testing.T) {
	env := startServer(t, envConfig{timings: func(tm *timings) { tm.closeWait = 2 * time.Second }})
	p := openPTY(t, env.login(t))
	waitText(t, p.screen, "DEPLOY FREQUENCY")
	time.Sleep(3 * time.Second) // longer than closeWait, with nothing for the watchdog to do

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := env.s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got := p.wait(t); got != 1 {
		t.Errorf("exit status = %d, want 1", got)
	}
	if !strings.Contains(p.stderr.String(), "doradash server is stopping") {
		t.Errorf("stderr = %q, want the stopping message", p.stderr.String())
	}
	if strings.Contains(env.logs.String(), "did not end") {
		t.Errorf("the session was forced to end:\n%s", env.logs.String())
	}
}

// A session's slot is free by the time its client sees the exit status, so
// back-to-back commands at the session limit are never refused.
func TestSlotFreeBeforeExitStatus(t *testing.T) {
	env := startServer(t, envConfig{opts: func(o *Options) { o.MaxSessions = 1 }})
	c := env.login(t)
	for i := range 30 {
		sess, err := c.NewSession()
		if err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		var out, eb bytes.Buffer
		sess.Stdout, sess.Stderr = &out, &eb
		if status := exitStatus(t, sess.Run("snapshot")); status != 0 {
			t.Fatalf("session %d: exit status %d, stderr %q (the previous session's slot was still taken)", i, status, eb.String())
		}
		if !strings.Contains(out.String(), `args=["snapshot"]`) {
			t.Fatalf("session %d: stdout %q", i, out.String())
		}
	}
}
