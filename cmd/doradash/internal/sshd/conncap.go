package sshd

import (
	"net"
	"time"
)

// fdReserve is how many file descriptors the SSH server leaves to the rest
// of the process (the sources' files and HTTP connections, the log, the
// listener): its connections never use more than RLIMIT_NOFILE minus this.
const fdReserve = 128

// maxHandshakesCap bounds the connections that may be in the SSH handshake
// (not logged in yet) at once.
const maxHandshakesCap = 64

// connCaps returns the most connections the server keeps open at once and,
// among them, the most still in the handshake, given the sessions allowed
// and the limit on open files (0: unknown).
func connCaps(maxSessions, nofile int) (conns, handshakes int) {
	budget := 1 << 16
	if nofile > 0 {
		budget = nofile - fdReserve
		if budget < 16 {
			budget = max(nofile/2, 4)
		}
	}
	conns = min(budget, 2*maxSessions+maxHandshakesCap)
	handshakes = min(maxHandshakesCap, max(conns/4, 2))
	return conns, handshakes
}

// admitLocked decides whether a new connection may be kept: at most
// maxConns connections, at most maxHandshakes of them not logged in yet.
// When either cap is reached, a connection in the handshake is closed to
// make room: the oldest one from which nothing has arrived yet (a real
// client sends its version line as soon as it connects; an idle one holding
// a slot never does), else the oldest one that has been in the handshake for
// evictAfter (a real client logs in within a fraction of that); with
// neither, the new connection is refused. So a flood of idle connections
// cannot keep a real user out, nor use up the file descriptors the sources
// need. s.mu is held.
func (s *Server) admitLocked(ci *connInfo, now time.Time) bool {
	if len(s.conns) >= s.maxConns || s.handshaking >= s.maxHandshakes {
		victim := s.victimLocked(now.Add(-s.t.evictAfter))
		if victim == nil {
			s.refusedConns++
			if now.Sub(s.refusedLogAt) >= 10*time.Second {
				s.log.Warn("ssh connections refused: too many connections open or logging in",
					"refused", s.refusedConns, "max_connections", s.maxConns, "max_handshakes", s.maxHandshakes)
				s.refusedConns, s.refusedLogAt = 0, now
			}
			return false
		}
		victim.inHandshake = false
		s.handshaking--
		victim.drop("closed in the handshake to make room for a newer connection")
	}
	ci.inHandshake = true
	s.handshaking++
	return true
}

// victimLocked returns the connection admitLocked closes to make room: the
// oldest silent one in the handshake, else the oldest one in the handshake
// since before cutoff, else nil. s.mu is held.
func (s *Server) victimLocked(cutoff time.Time) *connInfo {
	var silent, old *connInfo
	for ci := range s.conns {
		if !ci.inHandshake {
			continue
		}
		if ci.received.Load() == 0 && (silent == nil || ci.start.Before(silent.start)) {
			silent = ci
		}
		if ci.start.Before(cutoff) && (old == nil || ci.start.Before(old.start)) {
			old = ci
		}
	}
	if silent != nil {
		return silent
	}
	return old
}

// countingConn is a connection that records in its connInfo whether
// anything has arrived from the client.
type countingConn struct {
	net.Conn
	ci *connInfo
}

// Read reads from the connection and counts the bytes.
func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.ci.received.Load() == 0 {
		c.ci.received.Store(int64(n))
	}
	return n, err
}

// leaveHandshake stops counting ci against the handshake cap: it logged
// in, or it ended.
func (s *Server) leaveHandshake(ci *connInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ci.inHandshake {
		ci.inHandshake = false
		s.handshaking--
	}
}
