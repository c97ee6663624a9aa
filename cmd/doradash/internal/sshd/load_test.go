package sshd

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	gossh "golang.org/x/crypto/ssh"

	"doradash/cmd/doradash/internal/testkit"
)

// The load check: DORADASH_SSH_LOAD=1 go test -run TestLoad50Sessions -v ./cmd/doradash/internal/sshd/
//
// The server runs in the test process; the 50 clients run in a child
// process (this test binary again, TestLoadClients), so the figures are the
// server's alone: heap per session from runtime.MemStats, CPU from
// getrusage(RUSAGE_SELF), which does not count the child.
const (
	loadSessions = 50
	loadMeasure  = 10 * time.Second
	loadWidth    = 200
	loadHeight   = 50
)

func TestLoad50Sessions(t *testing.T) {
	if os.Getenv("DORADASH_SSH_LOAD") != "1" {
		t.Skip("set DORADASH_SSH_LOAD=1 to run the 50-session load check")
	}
	// About 6 KB of view, every line changing every second.
	env := startServer(t, envConfig{tick: time.Second, opts: func(o *Options) {
		o.MaxSessions = 2 * loadSessions
		o.MaxConnsPerMinute = 2 * loadSessions
		next := o.NewModel
		o.NewModel = func(ctx context.Context, r *lipgloss.Renderer, w, h int) tea.Model {
			return &loadModel{fakeModel: next(ctx, r, w, h).(*fakeModel)}
		}
	}})
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "client_key")
	writeClientKey(t, env, keyPath)

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	goroutinesBefore := runtime.NumGoroutine()

	child := exec.Command(os.Args[0], "-test.run=^TestLoadClients$", "-test.v")
	child.Env = append(os.Environ(),
		"DORADASH_SSH_LOAD_ADDR="+env.addr,
		"DORADASH_SSH_LOAD_KEY="+keyPath,
		"DORADASH_SSH_LOAD_HOSTKEY="+string(gossh.MarshalAuthorizedKey(env.hostKey)),
	)
	child.Stdout, child.Stderr = os.Stderr, os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	testkit.WaitFor(t, 60*time.Second, "50 sessions open", func() bool { return env.s.Sessions() == loadSessions })
	time.Sleep(3 * time.Second) // every program has started and drawn

	runtime.GC()
	var during runtime.MemStats
	runtime.ReadMemStats(&during)
	goroutinesDuring := runtime.NumGoroutine()
	cpu0, wall0 := cpuTime(t), time.Now()
	time.Sleep(loadMeasure)
	cpu1, wall1 := cpuTime(t), time.Now()

	heapPer := (int64(during.HeapAlloc) - int64(before.HeapAlloc)) / loadSessions
	cpuPerSec := (cpu1 - cpu0).Seconds() / wall1.Sub(wall0).Seconds()
	t.Logf("%d PTY sessions, %dx%d, ~6 KB view redrawn every second", loadSessions, loadWidth, loadHeight)
	t.Logf("heap per session: %.1f KiB (HeapAlloc %d -> %d bytes)", float64(heapPer)/1024, before.HeapAlloc, during.HeapAlloc)
	t.Logf("goroutines per session: %.1f", float64(goroutinesDuring-goroutinesBefore)/loadSessions)
	t.Logf("server CPU: %.3f s per second (%.1f%% of one core) over %s", cpuPerSec, 100*cpuPerSec, loadMeasure)

	// Killing the clients drops every connection: all must end.
	_ = child.Process.Kill()
	_ = child.Wait()
	testkit.WaitFor(t, 30*time.Second, "sessions closed after the clients died", func() bool { return env.s.Sessions() == 0 })
	testkit.WaitFor(t, 30*time.Second, "goroutines back to the baseline", func() bool { return runtime.NumGoroutine() <= goroutinesBefore })
}

// TestLoadClients is the client side of TestLoad50Sessions, run in a child
// process: it opens the sessions and reads them until it is killed.
func TestLoadClients(t *testing.T) {
	addr := os.Getenv("DORADASH_SSH_LOAD_ADDR")
	if addr == "" {
		t.Skip("only run as the child of TestLoad50Sessions")
	}
	keyPEM, err := os.ReadFile(os.Getenv("DORADASH_SSH_LOAD_KEY"))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.ParsePrivateKey(keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	hostKey, _, _, _, err := gossh.ParseAuthorizedKey([]byte(os.Getenv("DORADASH_SSH_LOAD_HOSTKEY")))
	if err != nil {
		t.Fatal(err)
	}
	// Report the bytes received, to show what the server sends; the
	// process is killed by the parent, which ends this loop.
	var total atomic.Int64
	go func() {
		start := time.Now()
		for range time.Tick(5 * time.Second) {
			fmt.Fprintf(os.Stderr, "load clients: %.1f KB/s per session\n",
				float64(total.Load())/time.Since(start).Seconds()/loadSessions/1000)
		}
	}()
	var wg sync.WaitGroup
	for i := range loadSessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
				User: "load" + strconv.Itoa(i), Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
				HostKeyCallback: gossh.FixedHostKey(hostKey), Timeout: 30 * time.Second,
			})
			if err != nil {
				t.Errorf("client %d: %v", i, err)
				return
			}
			sess, err := c.NewSession()
			if err != nil {
				t.Errorf("client %d: %v", i, err)
				return
			}
			out, _ := sess.StdoutPipe()
			if err := sess.RequestPty("xterm-256color", loadHeight, loadWidth, gossh.TerminalModes{}); err != nil {
				t.Errorf("client %d: %v", i, err)
				return
			}
			if err := sess.Shell(); err != nil {
				t.Errorf("client %d: %v", i, err)
				return
			}
			buf := make([]byte, 32<<10)
			for {
				n, err := out.Read(buf)
				total.Add(int64(n))
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait() // until the parent kills this process
}

// loadModel is fakeModel with a view of about 6 KB whose every line changes
// with each tick, like a dashboard refreshing all its panels.
type loadModel struct{ *fakeModel }

func (m *loadModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := m.fakeModel.Update(msg)
	return m, cmd
}

func (m *loadModel) View() string {
	var b strings.Builder
	b.WriteString(m.fakeModel.View())
	for line := range loadHeight - 3 {
		fmt.Fprintf(&b, "%-3d tick %-6d %s\n", line, m.n, strings.Repeat(strconv.Itoa((m.n+line)%10), 110))
	}
	return b.String()
}

// writeClientKey stores the environment's client key for the child process.
func writeClientKey(t *testing.T, env *testEnv, path string) {
	t.Helper()
	// The signer does not expose its private key; list a new one.
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := gossh.NewPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pub)))
	old, err := os.ReadFile(env.keys)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, env.keys, string(old)+line+" load\n")
	env.s.keys.mu.Lock()
	env.s.keys.recheck = 0
	env.s.keys.mu.Unlock()
	block, err := gossh.MarshalPrivateKey(priv, "load")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(pem.EncodeToMemory(block)))
}

// cpuTime is the user+system CPU time of this process (children excluded).
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
