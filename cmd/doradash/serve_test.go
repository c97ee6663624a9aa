package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"doradash/cmd/doradash/internal/sshd"
	"doradash/cmd/doradash/internal/testkit"
)

// These tests run `doradash serve` in-process with the real dashboard and
// the shared poller, and talk to it with an SSH client, as a user would.
// Deadlines are generous (the race detector on a busy two-core machine
// makes the real dashboard slow); nothing waits for a fixed time to assert.

// serveNow fixes the clock of every served dashboard and snapshot.
const serveNow = "2026-11-20T14:03:22Z"

// serveWait is the deadline of every wait for the server or a session.
const serveWait = 60 * time.Second

// served is a running `doradash serve` with one authorised client key.
type served struct {
	t       *testing.T
	addr    string
	hostKey gossh.PublicKey
	key     gossh.Signer // listed in authorized_keys
	stderr  *testkit.Buffer
	cancel  context.CancelFunc // SIGTERM
	code    chan int           // run's exit code
}

var addrLine = regexp.MustCompile(`msg="serving the dashboard over SSH" addr=(\S+)`)

// startServe runs `doradash serve` with args after the listen, host key and
// authorized_keys flags, and waits until it listens. Cleanup stops it and
// checks that it exits 0.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	dir := t.TempDir()
	key, line := testkit.ClientKey(t)
	keys, hostKey := filepath.Join(dir, "authorized_keys"), filepath.Join(dir, "host_ed25519")
	if err := os.WriteFile(keys, []byte(line+" tester\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{t: t, key: key, stderr: &testkit.Buffer{}, cancel: cancel, code: make(chan int, 1)}
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: s.stderr,
		getenv: fakeEnv(map[string]string{"HOME": dir})}
	full := append([]string{"serve", "--listen", "127.0.0.1:0", "--host-key", hostKey, "--authorized-keys", keys}, args...)
	go func() { s.code <- run(ctx, full, e) }()

	exited := false
	t.Cleanup(func() {
		cancel()
		if exited {
			return
		}
		select {
		case code := <-s.code:
			if code != 0 {
				t.Errorf("serve exited with %d after SIGTERM, want 0", code)
			}
		case <-time.After(serveWait):
			t.Errorf("serve did not return within %s of SIGTERM", serveWait)
		}
		if t.Failed() {
			t.Logf("serve stderr:\n%s", s.stderr.String())
		}
	})
	testkit.WaitFor(t, serveWait, "serve to listen", func() bool {
		select {
		case code := <-s.code:
			exited = true
			t.Fatalf("serve exited with %d before listening:\n%s", code, s.stderr.String())
		default:
		}
		m := addrLine.FindStringSubmatch(s.stderr.String())
		if m == nil {
			return false
		}
		s.addr = m[1]
		return true
	})
	pem, err := os.ReadFile(hostKey)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.ParsePrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	s.hostKey = signer.PublicKey()
	return s
}

// stop sends the equivalent of SIGTERM and returns run's exit code.
func (s *served) stop() int {
	s.t.Helper()
	s.cancel()
	select {
	case code := <-s.code:
		s.code <- code // for the cleanup
		return code
	case <-time.After(serveWait):
		s.t.Fatalf("serve did not return within %s of SIGTERM", serveWait)
		return -1
	}
}

// dial logs in with key.
func (s *served) dial(key gossh.Signer) (*gossh.Client, error) {
	return gossh.Dial("tcp", s.addr, &gossh.ClientConfig{
		User:            "tester",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.FixedHostKey(s.hostKey),
		Timeout:         serveWait,
	})
}

// login logs in with the authorised key; cleanup hangs up.
func (s *served) login(t testing.TB) *gossh.Client {
	t.Helper()
	c, err := s.dial(s.key)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// logCount counts the server log lines with message msg.
func (s *served) logCount(msg string) int {
	return strings.Count(s.stderr.String(), `msg="`+msg+`"`)
}

// command runs a command session (no PTY) and returns its exit status and
// output.
func (s *served) command(t testing.TB, cmd string) (status int, stdout, stderr string) {
	t.Helper()
	sess, err := s.login(t).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var out, eb bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &eb
	status = testkit.ExitStatus(sess.Run(cmd))
	return status, out.String(), eb.String()
}

// terminal is a client session with a PTY running the dashboard.
type terminal struct {
	sess   *gossh.Session
	stdin  io.WriteCloser
	screen *testkit.Buffer // everything the server drew
	stderr *testkit.Buffer
}

// openTerminal requests a PTY (xterm-256color, w×h) and a shell on c.
func openTerminal(t testing.TB, c *gossh.Client, w, h int) *terminal {
	t.Helper()
	term, err := startTerminal(c, w, h)
	if err != nil {
		t.Fatal(err)
	}
	return term
}

// startTerminal is openTerminal for goroutines other than the test's.
func startTerminal(c *gossh.Client, w, h int) (*terminal, error) {
	sess, err := c.NewSession()
	if err != nil {
		return nil, fmt.Errorf("new session: %w", err)
	}
	term := &terminal{sess: sess, screen: &testkit.Buffer{}, stderr: &testkit.Buffer{}}
	sess.Stdout, sess.Stderr = term.screen, term.stderr
	if term.stdin, err = sess.StdinPipe(); err != nil {
		return nil, err
	}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		return nil, fmt.Errorf("pty-req: %w", err)
	}
	if err := sess.Shell(); err != nil {
		return nil, fmt.Errorf("shell: %w", err)
	}
	return term, nil
}

// text returns what the server drew from byte offset from on, without
// escape sequences.
func (term *terminal) text(from int) string {
	s := term.screen.String()
	return ansi.Strip(s[min(from, len(s)):])
}

// waitScreen waits until everything drawn from offset from on contains
// every one of want.
func (term *terminal) waitScreen(t testing.TB, from int, want ...string) {
	t.Helper()
	if err := term.awaitScreen(from, want...); err != nil {
		t.Fatal(err)
	}
}

// awaitScreen is waitScreen for goroutines other than the test's.
func (term *terminal) awaitScreen(from int, want ...string) error {
	deadline := time.Now().Add(serveWait)
	for {
		text := term.text(from)
		missing := ""
		for _, w := range want {
			if !strings.Contains(text, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s waiting for %q on screen; last 3000 bytes drawn:\n%s",
				serveWait, missing, text[max(0, len(text)-3000):])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// press sends keys.
func (term *terminal) press(t testing.TB, keys string) {
	t.Helper()
	if _, err := term.stdin.Write([]byte(keys)); err != nil {
		t.Fatalf("press %q: %v", keys, err)
	}
}

// resize sends a window change and returns the screen offset before it.
func (term *terminal) resize(t testing.TB, w, h int) int {
	t.Helper()
	from := term.screen.Len()
	if err := term.sess.WindowChange(h, w); err != nil {
		t.Fatalf("window-change: %v", err)
	}
	return from
}

// wait waits for the session to end and returns its exit status.
func (term *terminal) wait(t testing.TB) int {
	t.Helper()
	status, err := term.awaitExit()
	if err != nil {
		t.Fatal(err)
	}
	return status
}

// awaitExit is wait for goroutines other than the test's.
func (term *terminal) awaitExit() (int, error) {
	done := make(chan error, 1)
	go func() { done <- term.sess.Wait() }()
	select {
	case err := <-done:
		return testkit.ExitStatus(err), nil
	case <-time.After(serveWait):
		return -1, fmt.Errorf("session did not end within %s", serveWait)
	}
}

func TestServeDashboardPerSession(t *testing.T) {
	s := startServe(t, "--demo", "--now", serveNow)
	a := openTerminal(t, s.login(t), 120, 35)
	b := openTerminal(t, s.login(t), 80, 24)

	// The desk layout: the four headline tiles and the demo marker.
	a.waitScreen(t, 0, "Deployment frequency", "Lead time", "Change failure rate", "Time to restore", "DEMO", "last 30 days")
	if !strings.Contains(a.screen.String(), "\x1b[?1049h") {
		t.Error("the dashboard did not switch to the alternate screen")
	}
	// The glance layout at 80×24, in the other session at the same time.
	b.waitScreen(t, 0, "OPEN INCIDENTS", "LATEST DEPLOYMENTS", "DEMO", "30d · production")

	// ] changes the window of one session only.
	from := a.screen.Len()
	a.press(t, "]")
	a.waitScreen(t, from, "last 90 days")

	// A resize gets the layout of the new size and keeps the session's window.
	from = a.resize(t, 80, 24)
	a.waitScreen(t, from, "LATEST DEPLOYMENTS", "90d · production")
	// The other session, redrawn in full at a new size, still shows 30 days.
	from = b.resize(t, 120, 35)
	b.waitScreen(t, from, "Deployment frequency", "last 30 days")
	if text := b.text(from); strings.Contains(text, "90 days") || strings.Contains(text, "90d") {
		t.Errorf("] in one session changed the window of another:\n%s", text)
	}

	// q quits with status 0 and leaves the alternate screen.
	for name, term := range map[string]*terminal{"a": a, "b": b} {
		term.press(t, "q")
		if got := term.wait(t); got != 0 {
			t.Errorf("session %s: exit status %d after q, want 0", name, got)
		}
		if !strings.Contains(term.screen.String(), "\x1b[?1049l") {
			t.Errorf("session %s did not leave the alternate screen", name)
		}
	}
}

// Issue 8 item 1: a terminal of 4294967295 rows made the real dashboard
// allocate by its height and took the whole process down; 100000×100000 held
// gigabytes. The dashboard is drawn at the clamp (sshd.MaxColumns×MaxRows)
// instead, and the heap stays small whatever the client claims.
func TestServeHugeTerminalIsClamped(t *testing.T) {
	s := startServe(t, "--demo", "--now", serveNow)
	const huge = 4294967295
	term := openTerminal(t, s.login(t), huge, huge)
	term.waitScreen(t, 0, "Deployment frequency", "DEMO")
	from := term.resize(t, 100000, 100000)
	term.press(t, "]")
	term.waitScreen(t, from, "last 90 days")
	from = term.resize(t, huge, 30)
	term.press(t, "[")
	term.waitScreen(t, from, "last 30 days")
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapInuse > 512<<20 {
		t.Errorf("heap in use %d MiB with one clamped session", ms.HeapInuse>>20)
	}
	term.press(t, "q")
	if got := term.wait(t); got != 0 {
		t.Errorf("exit status %d after q, want 0", got)
	}
}

func TestServeRefusesUnlistedKey(t *testing.T) {
	s := startServe(t, "--demo", "--now", serveNow)
	stranger, _ := testkit.ClientKey(t)
	c, err := s.dial(stranger)
	if err == nil {
		c.Close()
		t.Fatal("a key not in authorized_keys logged in")
	}
	if !strings.Contains(err.Error(), "unable to authenticate") {
		t.Errorf("login error = %v, want a refused public key", err)
	}
	testkit.WaitFor(t, serveWait, "the refusal logged", func() bool { return s.logCount("ssh login failed") == 1 })
	if fp := gossh.FingerprintSHA256(stranger.PublicKey()); !strings.Contains(s.stderr.String(), "refused_key="+fp) {
		t.Errorf("log does not name the refused key %s:\n%s", fp, s.stderr.String())
	}
	// The listed key still gets in.
	if status, _, _ := s.command(t, "version"); status != 0 {
		t.Errorf("version: exit status %d", status)
	}
}

func TestServeNeedsAuthorizedKeys(t *testing.T) {
	dir := t.TempDir() // HOME without .ssh/authorized_keys
	vars := map[string]string{"HOME": dir}
	hostKey := filepath.Join(dir, "host_ed25519")
	for name, args := range map[string][]string{
		"default path missing": {"serve", "--demo", "--listen", "127.0.0.1:0", "--host-key", hostKey},
		"given path missing":   {"serve", "--demo", "--listen", "127.0.0.1:0", "--host-key", hostKey, "--authorized-keys", filepath.Join(dir, "nope")},
	} {
		t.Run(name, func(t *testing.T) {
			// Should serve start anyway, the deadline stops it (exit 0).
			ctx, cancel := context.WithTimeout(context.Background(), serveWait)
			defer cancel()
			var errb bytes.Buffer
			code := run(ctx, args, &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &errb, getenv: fakeEnv(vars)})
			stderr := errb.String()
			if code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, "authorized") ||
				!strings.Contains(stderr, "allow_anonymous") {
				t.Errorf("stderr = %q, want one line naming the keys file and allow_anonymous", stderr)
			}
		})
	}
}

// checkSnapshotJSON checks that out is one JSON object with every key of
// SPEC §5 and at least one source, and returns it.
func checkSnapshotJSON(t *testing.T, out string) map[string]any {
	t.Helper()
	doc := testkit.CheckSnapshot(t, []byte(out))
	if srcs, _ := doc["sources"].([]any); len(srcs) == 0 {
		t.Error("snapshot has no sources")
	}
	return doc
}

func TestServeCommands(t *testing.T) {
	s := startServe(t, "--demo", "--now", serveNow)

	t.Run("snapshot json", func(t *testing.T) {
		status, out, stderr := s.command(t, "snapshot --format json")
		if status != 0 || stderr != "" {
			t.Errorf("exit status %d, stderr %q; want 0 and nothing", status, stderr)
		}
		doc := checkSnapshotJSON(t, out)
		if doc["generated_at"] != serveNow {
			t.Errorf("generated_at = %v, want %s", doc["generated_at"], serveNow)
		}
		// The served poller and a local snapshot see the same demo data.
		code, local, _ := runCmd(t, nil, "snapshot", "--demo", "--now", serveNow, "--format", "json")
		if code != 0 || local != out {
			t.Errorf("snapshot over SSH differs from the local one (local exit %d)", code)
		}
	})
	t.Run("snapshot with flags", func(t *testing.T) {
		status, out, _ := s.command(t, "snapshot --format json --window 7d --service checkout")
		doc := checkSnapshotJSON(t, out)
		w, _ := doc["window"].(map[string]any)
		f, _ := doc["filters"].(map[string]any)
		if status != 0 || w["days"] != 7.0 || fmt.Sprint(f["services"]) != "[checkout]" {
			t.Errorf("exit %d, window %v, filters %v; want 0, 7 days, checkout", status, w, f)
		}
		// The next command is back to the server's settings.
		_, out, _ = s.command(t, "snapshot --format json")
		if w, _ := checkSnapshotJSON(t, out)["window"].(map[string]any); w["days"] != 30.0 {
			t.Errorf("a command's flags leaked into the server: window %v", w)
		}
	})
	t.Run("no command", func(t *testing.T) {
		status, out, _ := s.command(t, "")
		if status != 0 || !strings.Contains(out, "Lead time for changes") || strings.Contains(out, "\x1b[") {
			t.Errorf("exit status %d, output %q; want 0 and the plain text snapshot", status, out)
		}
	})
	for _, c := range []struct{ cmd, stderr string }{
		{"frobnicate", `unknown command "frobnicate"`},
		{"serve", `unknown command "serve"`},
		{"serve --listen 127.0.0.1:0", `unknown command "serve"`},
		{"check", `unknown command "check"`},
		{"snapshot --format yaml", "--format must be text or json"},
		{"snapshot --config /etc/passwd", "flag provided but not defined: -config"},
		{`snapshot "unterminated`, "cannot parse command"},
	} {
		t.Run(c.cmd, func(t *testing.T) {
			status, out, stderr := s.command(t, c.cmd)
			if status != 2 {
				t.Errorf("exit status %d, want 2", status)
			}
			if out != "" || !strings.Contains(stderr, c.stderr) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("stdout %q, stderr %q; want nothing and one line with %q", out, stderr, c.stderr)
			}
		})
	}
}

// countingServer serves a small native-format document and counts the
// requests; its first answer can be held back.
type countingServer struct {
	*httptest.Server
	hits    atomic.Int64
	release chan struct{} // closed: answer
}

func newCountingServer(t *testing.T, hold bool) *countingServer {
	t.Helper()
	cs := &countingServer{release: make(chan struct{})}
	if !hold {
		close(cs.release)
	}
	doc := `{"deployments": [
		{"id": "d1", "service": "api", "finished_at": "2026-11-19T10:00:00Z", "commits": [{"sha": "a1", "committed_at": "2026-11-19T08:00:00Z"}]},
		{"id": "d2", "service": "api", "finished_at": "2026-11-20T09:00:00Z", "status": "rolled_back"},
		{"id": "d3", "service": "web", "finished_at": "2026-11-18T16:30:00Z"}],
	  "incidents": [{"id": "INC-1", "service": "api", "severity": "SEV2", "started_at": "2026-11-20T09:10:00Z"}]}`
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.hits.Add(1)
		select {
		case <-cs.release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, doc)
	}))
	t.Cleanup(cs.Close)
	return cs
}

// httpConfig writes a configuration whose one source is url, polled
// hourly, and returns its path.
func httpConfig(t *testing.T, url string, maxSessions int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "doradash.toml")
	doc := fmt.Sprintf(`window = "30d"
[[source]]
name = "events"
type = "http"
url = %q
interval = "1h"

[ssh]
max_sessions = %d
`, url, maxSessions)
	if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestServeOnePollerForEveryone(t *testing.T) {
	const sessions = 10 // dashboards; max_sessions leaves room for one more session
	src := newCountingServer(t, false)
	s := startServe(t, "--config", httpConfig(t, src.URL, sessions+1), "--now", serveNow)

	terms := make([]*terminal, sessions)
	var wg sync.WaitGroup
	for i := range terms {
		c := s.login(t)
		wg.Go(func() {
			term, err := startTerminal(c, 120, 35)
			if err == nil {
				// The source's line shows its data: this session has it.
				err = term.awaitScreen(0, "Deployment frequency", "3 deployments, 1 incident ")
			}
			if err != nil {
				t.Errorf("session %d: %v", i, err)
			}
			terms[i] = term
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for range 2 {
		status, out, _ := s.command(t, "snapshot --format json")
		srcs, _ := checkSnapshotJSON(t, out)["sources"].([]any)
		if status != 0 || len(srcs) != 1 || srcs[0].(map[string]any)["deployments"] != 3.0 {
			t.Errorf("snapshot: exit %d, sources %v; want 0 and the 3 deployments", status, srcs)
		}
	}
	if got := src.hits.Load(); got != 1 {
		t.Errorf("%d sessions and 2 snapshots made %d requests to the source, want 1 (one poller for everyone)", sessions, got)
	}

	// max_sessions + 1 is turned away politely.
	last := openTerminal(t, s.login(t), 120, 35)
	last.waitScreen(t, 0, "Deployment frequency")
	extra := openTerminal(t, s.login(t), 120, 35)
	if got := extra.wait(t); got != 1 {
		t.Errorf("session %d: exit status %d, want 1", sessions+2, got)
	}
	if want := fmt.Sprintf("doradash: too many sessions (%d), try again later", sessions+1); strings.TrimSpace(extra.stderr.String()) != want {
		t.Errorf("session %d: stderr %q, want %q", sessions+2, extra.stderr.String(), want)
	}
	terms = append(terms, last)

	// r in one session polls the shared source once more, for everyone.
	terms[0].press(t, "r")
	testkit.WaitFor(t, serveWait, "the refresh to reach the source", func() bool { return src.hits.Load() == 2 })
	for _, term := range terms {
		term.press(t, "q")
		if got := term.wait(t); got != 0 {
			t.Errorf("exit status %d after q, want 0", got)
		}
	}
	if got := src.hits.Load(); got != 2 {
		t.Errorf("source requests = %d, want 2", got)
	}
}

func TestServeSnapshotWaitsForFirstPoll(t *testing.T) {
	src := newCountingServer(t, true)
	s := startServe(t, "--config", httpConfig(t, src.URL, 4), "--now", serveNow)
	testkit.WaitFor(t, serveWait, "the first poll to start", func() bool { return src.hits.Load() == 1 })

	type result struct {
		status      int
		out, stderr string
	}
	done := make(chan result, 1)
	c := s.login(t)
	go func() {
		sess, err := c.NewSession()
		if err != nil {
			done <- result{-1, "", err.Error()}
			return
		}
		var out, eb bytes.Buffer
		sess.Stdout, sess.Stderr = &out, &eb
		status := testkit.ExitStatus(sess.Run("snapshot --format json"))
		done <- result{status, out.String(), eb.String()}
	}()
	// While the source has not answered, the snapshot must not print an
	// empty dataset. The wait only gives a wrong implementation time to
	// answer early; a right one cannot answer before the release.
	select {
	case r := <-done:
		t.Fatalf("snapshot answered before the first poll completed: exit %d, stderr %q", r.status, r.stderr)
	case <-time.After(300 * time.Millisecond):
	}
	close(src.release)
	var r result
	select {
	case r = <-done:
	case <-time.After(serveWait):
		t.Fatal("snapshot did not answer after the first poll")
	}
	srcs, _ := checkSnapshotJSON(t, r.out)["sources"].([]any)
	if r.status != 0 || len(srcs) != 1 || srcs[0].(map[string]any)["deployments"] != 3.0 {
		t.Errorf("exit %d, stderr %q, sources %v; want 0 and the 3 deployments", r.status, r.stderr, srcs)
	}
}

func TestServeSessionsLeaveNothingRunning(t *testing.T) {
	t.Run("demo", func(t *testing.T) {
		checkSessionsLeaveNothing(t, "--demo", "--now", serveNow)
	})
	// A source polled hourly publishes nothing new during the test: a
	// dashboard whose subscription outlived its session would keep a
	// goroutine waiting for the next version.
	t.Run("quiet source", func(t *testing.T) {
		src := newCountingServer(t, false)
		checkSessionsLeaveNothing(t, "--config", httpConfig(t, src.URL, 32), "--now", serveNow)
	})
}

// checkSessionsLeaveNothing serves with args, opens and closes 20
// dashboards in every way a session can end, and checks that the
// goroutine count returns to its baseline.
func checkSessionsLeaveNothing(t *testing.T, args ...string) {
	s := startServe(t, args...)
	// Warm up once, so goroutines started lazily for good are counted.
	c := s.login(t)
	w := openTerminal(t, c, 120, 35)
	w.waitScreen(t, 0, "Deployment frequency")
	w.press(t, "q")
	w.wait(t)
	c.Close()
	testkit.WaitFor(t, serveWait, "the warm-up connection to end", func() bool { return s.logCount("ssh disconnect") == 1 })
	baseline := steadyGoroutines()

	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		c, err := s.dial(s.key)
		if err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		wg.Go(func() {
			defer c.Close()
			if err := useAndLeave(c, i%3); err != nil {
				t.Errorf("session %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	testkit.WaitFor(t, serveWait, "every connection to end", func() bool { return s.logCount("ssh disconnect") == 1+n })
	testkit.WaitGoroutines(t, baseline, serveWait)
}

// useAndLeave opens the dashboard on c, waits for it and leaves in one of
// three ways: 0 quit with q, 1 close the session channel, 2 hang up (the
// caller closes c).
func useAndLeave(c *gossh.Client, how int) error {
	term, err := startTerminal(c, 120, 35)
	if err != nil {
		return err
	}
	if err := term.awaitScreen(0, "Deployment frequency"); err != nil {
		return err
	}
	switch how {
	case 0:
		if _, err := term.stdin.Write([]byte("q")); err != nil {
			return err
		}
		status, err := term.awaitExit()
		if err == nil && status != 0 {
			err = fmt.Errorf("exit status %d after q, want 0", status)
		}
		return err
	case 1:
		return term.sess.Close()
	}
	return nil
}

// steadyGoroutines returns the goroutine count once it has not changed
// for a few polls, so goroutines that are just ending are not counted in a
// baseline (counting them would only make the check more lenient).
func steadyGoroutines() int {
	n, same := runtime.NumGoroutine(), 0
	for deadline := time.Now().Add(10 * time.Second); same < 5 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		if m := runtime.NumGoroutine(); m == n {
			same++
		} else {
			n, same = m, 0
		}
	}
	return n
}

func TestServeStopsOnSIGTERM(t *testing.T) {
	s := startServe(t, "--demo", "--now", serveNow)
	term := openTerminal(t, s.login(t), 120, 35)
	term.waitScreen(t, 0, "Deployment frequency")

	if code := s.stop(); code != 0 {
		t.Errorf("serve exited with %d after SIGTERM, want 0", code)
	}
	testkit.CheckStopped(t, term.wait(t), term.stderr.String(), term.screen.String())
	for _, msg := range []string{"stopping: telling sessions and closing them", "ssh server stopped"} {
		if s.logCount(msg) != 1 {
			t.Errorf("log lacks %q:\n%s", msg, s.stderr.String())
		}
	}
	if c, err := s.dial(s.key); err == nil {
		c.Close()
		t.Error("a connection was accepted after SIGTERM")
	}
}

func TestServeSessionPanicEndsOnlyThatSession(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir()) // the guard's details files
	logs := &testkit.Buffer{}
	var mu sync.Mutex
	where := "" // where the next dashboard panics; "" for none
	srv, err := sshd.New(sshd.Options{
		Listen:         "127.0.0.1:0",
		HostKeyPath:    filepath.Join(t.TempDir(), "host_ed25519"),
		AllowAnonymous: true,
		Logger:         slog.New(slog.NewTextHandler(logs, nil)),
		NewModel: func(ctx context.Context, r *lipgloss.Renderer, w, h int) tea.Model {
			mu.Lock()
			defer mu.Unlock()
			return sessionGuard{newGuard(calm{panicIn: where})}
		},
		RunCommand: func(context.Context, []string, io.Writer, io.Writer) int { return 0 },
	})
	if err != nil {
		t.Fatal(err)
	}
	ln := testkit.Serve(t, srv, serveWait)
	key, _ := testkit.ClientKey(t)
	c, err := gossh.Dial("tcp", ln.Addr().String(), &gossh.ClientConfig{
		User: "tester", Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: serveWait,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	healthy := openTerminal(t, c, 80, 24)
	healthy.waitScreen(t, 0, "fine")
	for _, in := range []string{"init", "cmd", "update", "view"} {
		t.Run(in, func(t *testing.T) {
			mu.Lock()
			where = in
			mu.Unlock()
			term := openTerminal(t, c, 80, 24)
			if got := term.wait(t); got != 1 {
				t.Errorf("exit status %d, want 1", got)
			}
			if got := strings.TrimSpace(term.stderr.String()); !strings.Contains(got, "internal error") || strings.Contains(got, "boom") {
				t.Errorf("stderr = %q, want a plain line without the panic", got)
			}
			if want := "boom in " + in; !strings.Contains(logs.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, logs.String())
			}
		})
	}
	// The other session is still there.
	healthy.press(t, "q")
	if got := healthy.wait(t); got != 0 {
		t.Errorf("healthy session: exit status %d after q, want 0", got)
	}
}

// calm is a dashboard that works, except in the one place panicIn names
// (init, cmd, update, view): it shows "fine" and quits on q. Only that
// panic can end it, so the guard alone must turn it into the end of the
// session.
type calm struct{ panicIn string }

func (c calm) Init() tea.Cmd {
	switch c.panicIn {
	case "init":
		panic("boom in init")
	case "cmd":
		return func() tea.Msg { panic("boom in cmd") }
	}
	return nil
}

func (c calm) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if c.panicIn == "update" {
		panic("boom in update")
	}
	if k, ok := msg.(tea.KeyMsg); ok && k.String() == "q" {
		return c, tea.Quit
	}
	return c, nil
}

func (c calm) View() string {
	if c.panicIn == "view" {
		panic("boom in view")
	}
	return "fine"
}
