package sshd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anmitsu/go-shlex"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"

	"doradash/cmd/doradash/internal/testkit"
)

// ptyReq is the payload of a pty-req (RFC 4254 §6.2).
type ptyReq struct {
	Term                 string
	Cols, Rows, PxW, PxH uint32
	Modes                string
}

// windowChange is the payload of a window-change (RFC 4254 §6.7).
type windowChange struct{ Cols, Rows, PxW, PxH uint32 }

// rawSession opens a session channel on c without the x/crypto session
// helpers, so that requests can be sent as a hostile client would. Its
// output is captured in the returned buffer.
func rawSession(t *testing.T, c *gossh.Client) (gossh.Channel, *testkit.Buffer) {
	ch, out, _ := rawSessionStderr(t, c)
	return ch, out
}

// rawSessionStderr is rawSession that also returns the captured stderr.
func rawSessionStderr(t *testing.T, c *gossh.Client) (gossh.Channel, *testkit.Buffer, *testkit.Buffer) {
	t.Helper()
	ch, reqs, err := c.OpenChannel("session", nil)
	if err != nil {
		t.Fatalf("open session: %v", err)
	}
	t.Cleanup(func() { _ = ch.Close() })
	go gossh.DiscardRequests(reqs)
	out, stderr := &testkit.Buffer{}, &testkit.Buffer{}
	go func() { _, _ = io.Copy(out, ch) }()
	go func() { _, _ = io.Copy(stderr, ch.Stderr()) }()
	return ch, out, stderr
}

// request sends a request that wants a reply and returns the reply.
func request(t *testing.T, ch gossh.Channel, typ string, payload any) bool {
	t.Helper()
	var data []byte
	if payload != nil {
		data = gossh.Marshal(payload)
	}
	ok, err := ch.SendRequest(typ, true, data)
	if err != nil {
		t.Fatalf("%s: %v", typ, err)
	}
	return ok
}

// Item 1 of issue 8: a PTY of 4294967295 rows crashed the server (the view
// allocates by height) and 100000×100000 held ~10 GB. The size the program
// gets is clamped, in the pty-req and in every window change.
func TestHugeWindowIsClamped(t *testing.T) {
	var mu sync.Mutex
	var sizes []string
	env := startServer(t, envConfig{opts: func(o *Options) {
		next := o.NewModel
		o.NewModel = func(ctx context.Context, r *lipgloss.Renderer, w, h int) tea.Model {
			mu.Lock()
			sizes = append(sizes, fmt.Sprintf("%dx%d", w, h))
			mu.Unlock()
			return next(ctx, r, w, h)
		}
	}})
	c := env.login(t)
	ch, screen := rawSession(t, c)
	const huge = 4294967295
	if !request(t, ch, "pty-req", &ptyReq{Term: "xterm-256color", Cols: huge, Rows: huge, PxW: huge, PxH: huge}) {
		t.Fatal("pty-req refused")
	}
	if !request(t, ch, "shell", nil) {
		t.Fatal("shell refused")
	}
	want := fmt.Sprintf("size=%dx%d", MaxColumns, MaxRows)
	waitText(t, screen, want)
	mu.Lock()
	if len(sizes) != 1 || sizes[0] != fmt.Sprintf("%dx%d", MaxColumns, MaxRows) {
		t.Errorf("NewModel got sizes %v, want one of %dx%d", sizes, MaxColumns, MaxRows)
	}
	mu.Unlock()

	steps := []struct {
		cols, rows uint32
		want       string
	}{
		{80, 24, "size=80x24"},
		{100000, 100000, want},
		{90, 30, "size=90x30"},
		{huge, 10, fmt.Sprintf("size=%dx10", MaxColumns)},
		{91, 31, "size=91x31"},
		{40, huge, fmt.Sprintf("size=40x%d", MaxRows)},
		{MaxColumns, MaxRows, want},
	}
	for _, st := range steps {
		if !request(t, ch, "window-change", &windowChange{Cols: st.cols, Rows: st.rows}) {
			t.Fatalf("window-change %dx%d refused", st.cols, st.rows)
		}
		waitText(t, screen, st.want)
	}
	if strings.Contains(screen.String(), fmt.Sprint(huge)) || strings.Contains(screen.String(), "100000") {
		t.Error("the program saw an unclamped size")
	}
}

// Item 2 of issue 8: a 200 KB exec command took 7.7 s to split and eight of
// them held every session slot long after their clients left. A command over
// MaxCommandBytes is refused before anything splits it, without taking a
// slot; one of exactly MaxCommandBytes still runs.
func TestLongExecCommandRefused(t *testing.T) {
	var runs atomic.Int32
	env := startServer(t, envConfig{opts: func(o *Options) {
		o.MaxSessions = 2
		o.RunCommand = func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
			runs.Add(1)
			fmt.Fprintf(stdout, "%d args\n", len(args))
			return 0
		}
	}})
	long := strings.Repeat(`"a b" 'c' d\ e `, 200_000/15)
	for i := range 8 {
		c := env.login(t)
		ch, _, stderr := rawSessionStderr(t, c)
		if request(t, ch, "exec", &struct{ Command string }{long}) {
			t.Fatalf("client %d: a %d-byte command was accepted", i, len(long))
		}
		waitText(t, stderr, fmt.Sprintf("doradash: command too long (%d bytes; the limit is %d)", len(long), MaxCommandBytes))
		_ = c.Close()
	}
	if n := runs.Load(); n != 0 {
		t.Errorf("RunCommand ran %d times for refused commands", n)
	}
	if n := env.s.Sessions(); n != 0 {
		t.Errorf("%d sessions counted after refused commands", n)
	}
	if !strings.Contains(env.logs.String(), `msg="ssh command refused: too long"`) {
		t.Error("refusal not logged")
	}

	// Every slot is free: both run at once, and a command of exactly the
	// limit is not refused.
	exact := "snapshot" + strings.Repeat(" x", (MaxCommandBytes-len("snapshot"))/2)
	if len(exact) != MaxCommandBytes {
		t.Fatalf("test command is %d bytes", len(exact))
	}
	c := env.login(t)
	for _, cmd := range []string{"snapshot", exact} {
		out, err := runCmd(c, cmd)
		if err != nil {
			t.Fatalf("%d-byte command: %v (%s)", len(cmd), err, out)
		}
	}
	if n := runs.Load(); n != 2 {
		t.Errorf("RunCommand ran %d times, want 2", n)
	}
}

// runCmd runs cmd in a new session of c and returns its output.
func runCmd(c *gossh.Client, cmd string) (string, error) {
	sess, err := c.NewSession()
	if err != nil {
		return "", err
	}
	defer sess.Close()
	out, err := sess.CombinedOutput(cmd)
	return string(out), err
}

// Item 3 of issue 8: 20,000 env requests of 32 KB grew the server by 860 MB,
// before the session counted against max_sessions. A session keeps at most
// maxEnvVars variables of maxEnvBytes together, and only those the program
// reads.
func TestEnvRequestsCapped(t *testing.T) {
	environs := make(chan []string, 1)
	env := startServer(t, envConfig{server: func(s *Server) {
		next := s.srv.Handler
		s.srv.Handler = func(sess ssh.Session) {
			environs <- sess.Environ()
			next(sess)
		}
	}})
	c := env.login(t)
	ch, _ := rawSession(t, c)
	type kv struct{ Name, Value string }
	if !request(t, ch, "env", &kv{"NO_COLOR", "1"}) {
		t.Error("NO_COLOR refused")
	}
	if request(t, ch, "env", &kv{"LD_PRELOAD", "/tmp/x.so"}) {
		t.Error("LD_PRELOAD kept")
	}
	if request(t, ch, "env", &kv{"COLORTERM", strings.Repeat("x", maxEnvValue+1)}) {
		t.Error("an over-long value was kept")
	}
	big := strings.Repeat("v", 32<<10)
	small := strings.Repeat("w", 200)
	for i := range 20_000 {
		name, value := "TERM", small
		switch i % 4 {
		case 1:
			name = fmt.Sprintf("JUNK%d", i)
		case 2:
			name = "COLORTERM"
		}
		if i%200 == 0 {
			value = big
		}
		if _, err := ch.SendRequest("env", false, gossh.Marshal(&kv{name, value})); err != nil {
			t.Fatal(err)
		}
	}
	// Requests are answered in order: this one comes after the flood.
	if request(t, ch, "env", &kv{"TERM_PROGRAM", "test"}) {
		t.Error("an env request past the cap was kept")
	}
	if !request(t, ch, "exec", &struct{ Command string }{"version"}) {
		t.Fatal("exec refused")
	}
	var got []string
	select {
	case got = <-environs:
	case <-time.After(10 * time.Second):
		t.Fatal("session never started")
	}
	size := 0
	for _, e := range got {
		size += len(e)
		name, _, _ := strings.Cut(e, "=")
		if !keptEnv[name] {
			t.Errorf("session kept %s", name)
		}
	}
	if len(got) > maxEnvVars || size > maxEnvBytes {
		t.Errorf("session kept %d variables of %d bytes, want at most %d of %d", len(got), size, maxEnvVars, maxEnvBytes)
	}
	if len(got) == 0 || got[0] != "NO_COLOR=1" {
		t.Errorf("environment = %.200q, want NO_COLOR=1 first", got)
	}
}

// Item 7 of issue 8: an idle session whose client hung up as soon as it was
// told (as OpenSSH does when its only session ends) was logged as "client
// disconnected".
func TestIdleDisconnectLoggedAsIdle(t *testing.T) {
	const idle = 300 * time.Millisecond
	env := startServer(t, envConfig{
		opts: func(o *Options) { o.IdleTimeout = idle },
		// The server waits long for the client to hang up first.
		timings: func(tm *timings) { tm.closeGrace = 10 * time.Second },
	})
	c := env.login(t)
	p := openPTY(t, c)
	waitText(t, p.screen, "DEPLOY FREQUENCY")
	if got := p.wait(t); got != 1 {
		t.Errorf("exit status = %d, want 1", got)
	}
	_ = c.Close()
	testkit.WaitFor(t, 5*time.Second, "disconnect logged", func() bool {
		return strings.Contains(env.logs.String(), `msg="ssh disconnect"`)
	})
	if logs := env.logs.String(); !strings.Contains(logs, `reason="idle timeout"`) {
		t.Errorf("disconnect not logged as an idle timeout:\n%s", logs)
	}
}

// Item 7 of issue 8: user names go to the log cut to maxUserLogSize bytes,
// whether the login succeeds or not.
func TestLongUserNameCutInLogs(t *testing.T) {
	env := startServer(t, envConfig{})
	long := strings.Repeat("é", 5000) // 10 KB, two bytes a rune
	other, _ := testkit.ClientKey(t)
	for _, key := range []gossh.Signer{env.client, other} {
		c, err := gossh.Dial("tcp", env.addr, &gossh.ClientConfig{
			User:            long,
			Auth:            []gossh.AuthMethod{gossh.PublicKeys(key)},
			HostKeyCallback: gossh.FixedHostKey(env.hostKey),
			Timeout:         5 * time.Second,
		})
		if err == nil {
			if out, err := runCmd(c, "version"); err != nil {
				t.Errorf("command: %v %s", err, out)
			}
			_ = c.Close()
		}
	}
	testkit.WaitFor(t, 5*time.Second, "both connections logged", func() bool {
		logs := env.logs.String()
		return strings.Contains(logs, `msg="ssh login failed"`) && strings.Contains(logs, `msg="ssh disconnect"`)
	})
	cut := strings.Repeat("é", maxUserLogSize/2) + "…"
	for line := range strings.SplitSeq(env.logs.String(), "\n") {
		if strings.Contains(line, "éé") && !strings.Contains(line, "user="+cut+" ") {
			t.Errorf("log line with a user name not cut to %d bytes: %.300s", maxUserLogSize, line)
		}
		if strings.Contains(line, cut+"é") {
			t.Errorf("user name longer than %d bytes in the log", maxUserLogSize)
		}
	}
}

func TestLogUser(t *testing.T) {
	tests := map[string]string{
		"alice":                       "alice",
		strings.Repeat("a", 64):       strings.Repeat("a", 64),
		strings.Repeat("a", 65):       strings.Repeat("a", 64) + "…",
		"a" + strings.Repeat("é", 40): "a" + strings.Repeat("é", 31) + "…", // not cut inside a rune
	}
	for in, want := range tests {
		if got := logUser(in); got != want {
			t.Errorf("logUser(%.20q…) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkSplitLongestCommand is the cost of splitting the longest command
// the server accepts (MaxCommandBytes) into words, with the quoting that
// made a 200 KB command take 7.7 s:
//
//	go test -run '^$' -bench SplitLongestCommand ./cmd/doradash/internal/sshd/
func BenchmarkSplitLongestCommand(b *testing.B) {
	cmd := strings.Repeat(`"a b" 'c' d\ e `, MaxCommandBytes/15)
	b.SetBytes(int64(len(cmd)))
	for b.Loop() {
		if _, err := shlex.Split(cmd, true); err != nil {
			b.Fatal(err)
		}
	}
}

// A pty-req's TERM goes into the session's environment: one longer than
// maxTermBytes is refused.
func TestLongTermRefused(t *testing.T) {
	env := startServer(t, envConfig{})
	c := env.login(t)
	ch, _ := rawSession(t, c)
	if request(t, ch, "pty-req", &ptyReq{Term: strings.Repeat("x", 200<<10), Cols: 80, Rows: 24}) {
		t.Error("a 200 KB TERM was accepted")
	}
	if !request(t, ch, "pty-req", &ptyReq{Term: strings.Repeat("x", maxTermBytes), Cols: 80, Rows: 24}) {
		t.Errorf("a %d-byte TERM was refused", maxTermBytes)
	}
}

// Session channels that never start anything still hold memory (their
// requests, up to 2 MiB of unread input each): a connection has at most
// maxChannels open at once.
func TestChannelsPerConnectionCapped(t *testing.T) {
	env := startServer(t, envConfig{})
	c := env.login(t)
	var chans []gossh.Channel
	for range maxChannels {
		ch, _ := rawSession(t, c)
		chans = append(chans, ch)
	}
	if ch, _, err := c.OpenChannel("session", nil); err == nil {
		_ = ch.Close()
		t.Fatalf("session channel %d accepted", maxChannels+1)
	} else if !strings.Contains(err.Error(), "at most 10 sessions at once") {
		t.Errorf("error = %v", err)
	}
	_ = chans[0].Close()
	testkit.WaitFor(t, 5*time.Second, "a channel free again", func() bool {
		ch, reqs, err := c.OpenChannel("session", nil)
		if err != nil {
			return false
		}
		go gossh.DiscardRequests(reqs)
		_ = ch.Close()
		return true
	})
}
