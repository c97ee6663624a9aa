// Package testkit holds helpers shared by doradash's tests. It is imported
// only from _test.go files.
package testkit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// Buffer is a bytes.Buffer safe for one writer and concurrent readers.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p to the buffer.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Len returns the number of bytes written so far.
func (b *Buffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Len()
}

// WaitFor polls cond every 10ms until it holds, failing t after timeout.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ClientKey returns a fresh ed25519 SSH client key and its authorized_keys line.
func ClientKey(t testing.TB) (gossh.Signer, string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return signer, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey())))
}

// SnapshotKeys are the top-level keys of a JSON snapshot that SPEC §5 promises, each with the keys of its object.
var SnapshotKeys = map[string][]string{
	"generated_at":                    nil,
	"window":                          {"days", "start", "end"},
	"filters":                         {"environments", "services"},
	"deployment_frequency":            {"count", "per_day", "per_week", "deploy_days", "daily", "tier"},
	"lead_time":                       {"count", "median_seconds", "mean_seconds", "p90_seconds", "tier"},
	"change_failure_rate":             {"deployments", "failures", "rate", "tier"},
	"time_to_restore":                 {"count", "median_seconds", "mean_seconds", "p90_seconds", "tier"},
	"failed_deployment_recovery_time": {"count", "median_seconds", "mean_seconds", "p90_seconds", "tier"},
	"incidents":                       {"total", "open", "by_severity", "time_to_detect", "time_to_acknowledge", "downtime_seconds", "availability"},
	"sources":                         nil,
}

// SnapshotSourceKeys are the keys SPEC §5 promises in each element of a snapshot's sources array.
var SnapshotSourceKeys = []string{"name", "type", "ok", "deployments", "incidents", "rejected", "last_success", "error"}

// CheckSnapshot checks that data is one JSON object with every key SPEC §5 promises and returns it.
func CheckSnapshot(t testing.TB, data []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("snapshot is not a JSON object: %v\n%s", err, data)
	}
	for key, sub := range SnapshotKeys {
		v, ok := doc[key]
		if !ok {
			t.Errorf("snapshot lacks %q", key)
			continue
		}
		obj, _ := v.(map[string]any)
		for _, k := range sub {
			if _, ok := obj[k]; !ok {
				t.Errorf("snapshot lacks %s.%s", key, k)
			}
		}
	}
	srcs, ok := doc["sources"].([]any)
	if !ok {
		t.Error("snapshot sources is not an array")
	}
	for i, src := range srcs {
		obj, _ := src.(map[string]any)
		for _, k := range SnapshotSourceKeys {
			if _, ok := obj[k]; !ok {
				t.Errorf("snapshot lacks sources[%d].%s", i, k)
			}
		}
	}
	return doc
}

// Server is an SSH server as Serve runs it, such as *sshd.Server.
type Server interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
}

// Serve runs srv on a fresh 127.0.0.1 listener; cleanup shuts it down and checks that Serve returns nil, all within timeout.
func Serve(t testing.TB, srv Server, timeout time.Duration) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		var err error
		select {
		case err = <-served:
		case <-ctx.Done():
			select {
			case err = <-served:
			default:
				t.Errorf("Serve did not return within %s of the shutdown starting", timeout)
				return
			}
		}
		if err != nil {
			t.Errorf("Serve returned %v, want nil", err)
		}
	})
	return ln
}

// StoppingMessage is what a session's stderr gets when the server shuts down under it.
const StoppingMessage = "doradash server is stopping"

// CheckStopped checks that a PTY session ended by a server shutdown exited 1, told the user why and left the alternate screen.
func CheckStopped(t testing.TB, status int, stderr, screen string) {
	t.Helper()
	if status != 1 {
		t.Errorf("session exit status %d, want 1", status)
	}
	if !strings.Contains(stderr, StoppingMessage) {
		t.Errorf("session stderr = %q, want the stopping message", stderr)
	}
	if !strings.Contains(screen, "\x1b[?1049l") {
		t.Error("the session did not leave the alternate screen before it closed")
	}
}

// ExitStatus turns an SSH Session.Wait or Run error into an exit status; -1 when the session ended without one.
func ExitStatus(err error) int {
	var exit *gossh.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitStatus()
	}
	return -1
}

// WaitGoroutines waits until at most baseline goroutines run, failing t after timeout with every goroutine's stack.
func WaitGoroutines(t testing.TB, baseline int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := runtime.NumGoroutine()
		if got <= baseline {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d, baseline %d\n%s", got, baseline, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}
