package sshd

import "time"

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
// When either cap is reached, the connection that has been in the handshake
// longest is closed to make room, provided it has been there for
// evictAfter (a real client logs in within milliseconds, an idle one holding
// a slot does not); otherwise the new connection is refused. So a flood of
// idle connections cannot keep a real user out, nor use up the file
// descriptors the sources need. s.mu is held.
func (s *Server) admitLocked(ci *connInfo, now time.Time) bool {
	if len(s.conns) >= s.maxConns || s.handshaking >= s.maxHandshakes {
		victim := s.oldestHandshakeLocked(now.Add(-s.t.evictAfter))
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

// oldestHandshakeLocked returns the connection in the handshake since
// before cutoff that started first, nil when there is none. s.mu is held.
func (s *Server) oldestHandshakeLocked(cutoff time.Time) *connInfo {
	var oldest *connInfo
	for ci := range s.conns {
		if ci.inHandshake && ci.start.Before(cutoff) && (oldest == nil || ci.start.Before(oldest.start)) {
			oldest = ci
		}
	}
	return oldest
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
