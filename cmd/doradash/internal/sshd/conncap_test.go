package sshd

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"doradash/cmd/doradash/internal/testkit"
)

func TestConnCaps(t *testing.T) {
	tests := []struct {
		sessions, nofile  int
		conns, handshakes int
	}{
		{32, 256, 128, 32},        // the 256 descriptors: 128 stay for the sources
		{32, 1024, 128, 32},       // the default max_sessions
		{32, 0, 128, 32},          // limit unknown
		{1000, 1 << 20, 2064, 64}, // many sessions, many descriptors
		{1000, 1024, 896, 64},
		{2, 100, 50, 12}, // tiny limit: half of it
		{1, 20, 10, 2},
	}
	for _, tt := range tests {
		conns, handshakes := connCaps(tt.sessions, tt.nofile)
		if conns != tt.conns || handshakes != tt.handshakes {
			t.Errorf("connCaps(%d, %d) = %d, %d; want %d, %d", tt.sessions, tt.nofile, conns, handshakes, tt.conns, tt.handshakes)
		}
		if tt.nofile > 0 && conns > tt.nofile-min(fdReserve, tt.nofile/2) {
			t.Errorf("connCaps(%d, %d) leaves too few descriptors", tt.sessions, tt.nofile)
		}
	}
}

// idleConn opens a TCP connection from the loopback address 127.0.0.n that
// never starts the SSH handshake, and reports whether the server kept it:
// it sends its version line to a connection it keeps, and closes one it
// refuses at once.
func idleConn(t *testing.T, addr string, n int) (net.Conn, bool) {
	return stalledConn(t, addr, n, false)
}

// stalledConn is idleConn that, with banner, sends the client's version line
// first and then stalls in the key exchange.
func stalledConn(t *testing.T, addr string, n int, banner bool) (net.Conn, bool) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(n))}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial from 127.0.0.%d: %v", n, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if banner {
		if _, err := c.Write([]byte("SSH-2.0-stalled\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	_ = c.SetReadDeadline(time.Time{})
	return c, err == nil && strings.HasPrefix(line, "SSH-2.0-")
}

// waitClosed waits until the server closes c.
func waitClosed(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	// The server may have sent its key exchange first.
	if _, err := io.Copy(io.Discard, c); err != nil && isTimeout(err) {
		t.Fatalf("server did not close the connection: %v", err)
	}
}

// waitHeard waits until the server has read something from every
// connection it has in the handshake, so that none counts as silent.
func waitHeard(t *testing.T, s *Server) {
	t.Helper()
	testkit.WaitFor(t, 5*time.Second, "client version lines read", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for ci := range s.conns {
			if ci.inHandshake && ci.received.Load() == 0 {
				return false
			}
		}
		return true
	})
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// Item 4 of issue 8: 300 idle connections from 300 addresses used up the
// process's descriptors and kept real users out. At most maxHandshakes
// connections may be in the handshake; past that, a new one is refused
// unless one can be closed to make room (see the next tests).
func TestHandshakeCap(t *testing.T) {
	const limit = 4
	env := startServer(t, envConfig{
		timings: func(tm *timings) { tm.evictAfter = time.Hour },
		server:  func(s *Server) { s.maxHandshakes, s.maxConns = limit, 2*limit },
	})
	kept := 0
	for i := range 3 * limit {
		if _, ok := stalledConn(t, env.addr, 2+i, true); ok {
			kept++
			waitHeard(t, env.s)
		}
	}
	if kept != limit {
		t.Errorf("server kept %d idle connections in the handshake, want %d", kept, limit)
	}
	if c, err := env.dial(gossh.PublicKeys(env.client)); err == nil {
		_ = c.Close()
		t.Error("a login got through with every handshake slot taken and nothing to evict")
	}
	testkit.WaitFor(t, 5*time.Second, "refusals logged", func() bool {
		return strings.Contains(env.logs.String(), "ssh connections refused: too many connections open or logging in")
	})
}

// A flood of connections that send nothing never holds more than the cap,
// and never keeps a real user out: the oldest silent one makes room.
func TestHandshakeCapEvictsSilentConnections(t *testing.T) {
	const limit = 4
	env := startServer(t, envConfig{
		timings: func(tm *timings) { tm.evictAfter = time.Hour },
		server:  func(s *Server) { s.maxHandshakes, s.maxConns = limit, 2*limit },
	})
	var idle []net.Conn
	for i := range 3 * limit {
		c, ok := idleConn(t, env.addr, 2+i)
		if !ok {
			t.Fatalf("idle connection %d refused", i)
		}
		idle = append(idle, c)
	}
	for _, c := range idle[:2*limit] {
		waitClosed(t, c)
	}
	env.s.mu.Lock()
	n, open := env.s.handshaking, len(env.s.conns)
	env.s.mu.Unlock()
	if n > limit || open > 2*limit {
		t.Errorf("%d connections in the handshake, %d open; caps %d and %d", n, open, limit, 2*limit)
	}
	c := env.login(t)
	if out, err := runCmd(c, "version"); err != nil {
		t.Fatalf("command: %v %s", err, out)
	}
}

// With every slot held by connections stalled in the key exchange, a real
// user still logs in: the oldest one, once it has been there evictAfter, is
// closed to make room.
func TestHandshakeCapEvictsStalledConnections(t *testing.T) {
	const limit = 4
	env := startServer(t, envConfig{
		timings: func(tm *timings) { tm.evictAfter = 100 * time.Millisecond },
		server:  func(s *Server) { s.maxHandshakes, s.maxConns = limit, 2*limit },
	})
	var idle []net.Conn
	for i := range limit {
		c, ok := stalledConn(t, env.addr, 2+i, true)
		waitHeard(t, env.s)
		if !ok {
			t.Fatalf("idle connection %d refused below the cap", i)
		}
		idle = append(idle, c)
	}
	time.Sleep(200 * time.Millisecond) // older than evictAfter
	c := env.login(t)
	if out, err := runCmd(c, "version"); err != nil {
		t.Fatalf("command: %v %s", err, out)
	}
	waitClosed(t, idle[0]) // the oldest made room
	testkit.WaitFor(t, 5*time.Second, "eviction logged", func() bool {
		return strings.Contains(env.logs.String(), "closed in the handshake to make room for a newer connection")
	})
	env.s.mu.Lock()
	n := env.s.handshaking
	env.s.mu.Unlock()
	if n > limit {
		t.Errorf("%d connections counted in the handshake, cap %d", n, limit)
	}
}

// A connection that does not log in within the handshake deadline is
// closed, and the log says why.
func TestHandshakeDeadline(t *testing.T) {
	env := startServer(t, envConfig{timings: func(tm *timings) { tm.handshake = 300 * time.Millisecond }})
	c, ok := idleConn(t, env.addr, 1)
	if !ok {
		t.Fatal("connection refused")
	}
	waitClosed(t, c)
	testkit.WaitFor(t, 5*time.Second, "timeout logged", func() bool {
		return strings.Contains(env.logs.String(), `reason="handshake timeout"`)
	})
	// A login is not cut by the deadline once done.
	lc := env.login(t)
	time.Sleep(500 * time.Millisecond)
	if out, err := runCmd(lc, "version"); err != nil {
		t.Fatalf("logged-in connection closed by the handshake deadline: %v %s", err, out)
	}
	env.s.mu.Lock()
	n := env.s.handshaking
	env.s.mu.Unlock()
	if n != 0 {
		t.Errorf("%d connections still counted in the handshake", n)
	}
}
