package sshd

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Reasons a session or connection ends; the first two are shown to the
// client (see endMessage).
var (
	errStopping     = errors.New("doradash server is stopping")
	errIdle         = errors.New("idle timeout")
	errClientGone   = errors.New("client closed the session")
	errSessionEnded = errors.New("session ended")
)

// timings are the fixed delays of the connection life cycle. They are
// fields, not constants, so tests can shorten them.
type timings struct {
	linger           time.Duration // a connection without any open session is closed after this
	handshake        time.Duration // a connection not logged in after this is closed
	evictAfter       time.Duration // with every handshake slot taken, a new connection evicts the oldest one in the handshake for this long
	closeGrace       time.Duration // once a connection being closed has no session left, wait this long for the client to hang up first
	closeWait        time.Duration // longest wait for sessions to finish once a connection is being closed
	quitGrace        time.Duration // longest wait for a session to end once told to (a program to quit) before it is killed and its channel closed
	dropGrace        time.Duration // longest wait for a session to end once its channel was closed before its connection is dropped
	keepalive        time.Duration // interval between keepalive probes on an authenticated connection
	keepaliveTimeout time.Duration // a probe unanswered this long means the client is gone
}

// defaultTimings are the production values. quitGrace + dropGrace +
// closeGrace bounds how long Shutdown waits for the worst client (one that
// no longer reads, nor answers the channel close): it must stay well under
// the grace `doradash serve` gives Shutdown (5 s).
var defaultTimings = timings{
	linger:           30 * time.Second,
	handshake:        20 * time.Second,
	evictAfter:       time.Second,
	closeGrace:       250 * time.Millisecond,
	closeWait:        5 * time.Second,
	quitGrace:        2 * time.Second,
	dropGrace:        time.Second,
	keepalive:        30 * time.Second,
	keepaliveTimeout: 30 * time.Second,
}

// connInfoKey is the ssh.Context key of a connection's *connInfo.
var connInfoKey = &struct{ name string }{"doradash-conn"}

// connInfo is what the server knows about one TCP connection: who logged
// in, its open sessions, when the client last typed, and whether it is being
// closed. Handshake callbacks, session handlers and the connection's
// watchdog use it concurrently; all fields after mu are guarded by mu.
type connInfo struct {
	raw          net.Conn
	remote       string
	start        time.Time
	kick         chan struct{} // capacity 1: wakes the watchdog after a change
	lastInput    atomic.Int64  // UnixNano of the last byte or resize from the client
	received     atomic.Int64  // bytes of the first read from the client; 0: nothing yet
	longCommands atomic.Int64  // exec requests refused as too long
	channels     atomic.Int64  // session channels open

	mu         sync.Mutex
	user       string
	key        string // SHA256 fingerprint of the verified key
	refused    string // fingerprint of the last key refused
	refusedWhy string // why it was, when it is listed
	authedAt   time.Time
	noPTY      bool  // the key's authorized_keys line has no-pty or restrict
	failure    error // why the handshake failed
	sessions   map[uint64]context.CancelCauseFunc
	nextID     uint64
	zeroSince  time.Time // when the number of sessions last became zero
	closing    error     // set once the connection is being closed, and why
	closingAt  time.Time
	dropped    bool   // the TCP connection has been closed by the server
	reason     string // why the server closed it, for the disconnect log

	// inHandshake is guarded by the Server's mu, not by mu: the
	// connection counts against the handshake cap (see acceptConn).
	inHandshake bool
}

// newConnInfo starts tracking conn.
func newConnInfo(conn net.Conn, now time.Time) *connInfo {
	ci := &connInfo{
		raw:       conn,
		remote:    conn.RemoteAddr().String(),
		start:     now,
		kick:      make(chan struct{}, 1),
		sessions:  make(map[uint64]context.CancelCauseFunc),
		zeroSince: now,
	}
	ci.lastInput.Store(now.UnixNano())
	return ci
}

// wake tells the watchdog that something changed.
func (ci *connInfo) wake() {
	select {
	case ci.kick <- struct{}{}:
	default:
	}
}

// touch records input from the client now.
func (ci *connInfo) touch() { ci.lastInput.Store(time.Now().UnixNano()) }

// authenticated records a successful login; noPTY forbids PTYs on the
// connection.
func (ci *connInfo) authenticated(user, key string, noPTY bool, now time.Time) {
	ci.mu.Lock()
	ci.user, ci.key, ci.noPTY, ci.authedAt = logUser(user), key, noPTY, now
	ci.mu.Unlock()
	ci.wake() // the handshake deadline no longer applies
}

// ptyForbidden reports whether the key that logged in may not have a PTY.
func (ci *connInfo) ptyForbidden() bool {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	return ci.noPTY
}

// refusedKey records the fingerprint of a key that was not allowed and why.
func (ci *connInfo) refusedKey(user, key, why string) {
	ci.mu.Lock()
	ci.user, ci.refused, ci.refusedWhy = logUser(user), key, why
	ci.mu.Unlock()
}

// failed records why the handshake failed.
func (ci *connInfo) failed(err error) {
	ci.mu.Lock()
	ci.failure = err
	ci.mu.Unlock()
}

// addSession registers a session's cancel function; it fails with the reason
// when the connection is already being closed.
func (ci *connInfo) addSession(cancel context.CancelCauseFunc) (uint64, error) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	if ci.closing != nil {
		return 0, ci.closing
	}
	ci.nextID++
	ci.sessions[ci.nextID] = cancel
	ci.lastInput.Store(time.Now().UnixNano())
	ci.wake()
	return ci.nextID, nil
}

// removeSession forgets a session.
func (ci *connInfo) removeSession(id uint64) {
	ci.mu.Lock()
	delete(ci.sessions, id)
	if len(ci.sessions) == 0 {
		ci.zeroSince = time.Now()
	}
	ci.mu.Unlock()
	ci.wake()
}

// beginClose ends every session of the connection with reason; the
// connection itself is closed by the watchdog once they are gone.
func (ci *connInfo) beginClose(reason error, now time.Time) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	if ci.closing != nil {
		return
	}
	ci.closing, ci.closingAt = reason, now
	for _, cancel := range ci.sessions {
		cancel(reason)
	}
}

// closeIfUnused starts closing the connection for reason when it has no
// session open; it reports whether it did.
func (ci *connInfo) closeIfUnused(reason error, now time.Time) bool {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	if ci.closing != nil || len(ci.sessions) > 0 {
		return false
	}
	ci.closing, ci.closingAt = reason, now
	ci.wake()
	return true
}

// drop closes the TCP connection; the client sees it hang up.
func (ci *connInfo) drop(reason string) {
	ci.mu.Lock()
	if ci.dropped {
		ci.mu.Unlock()
		return
	}
	ci.dropped = true
	if ci.reason == "" {
		ci.reason = reason
	}
	ci.mu.Unlock()
	_ = ci.raw.Close()
}

// action is what the watchdog does when a deadline passes.
type action int

const (
	actNone action = iota
	actDrop        // close the TCP connection
	actIdle        // end the sessions: the client has been idle too long
)

// due returns the next deadline of the connection and what to do then
// (actNone and a zero time when nothing is pending). idle is the idle
// timeout, 0 for none.
func (ci *connInfo) due(t timings, idle time.Duration) (time.Time, action, string) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	switch {
	case ci.dropped:
		return time.Time{}, actNone, ""
	case ci.closing != nil && len(ci.sessions) == 0:
		return later(ci.zeroSince, ci.closingAt).Add(t.closeGrace), actDrop, ci.closing.Error()
	case ci.closing != nil:
		return ci.closingAt.Add(t.closeWait), actDrop, ci.closing.Error()
	case ci.authedAt.IsZero():
		return ci.start.Add(t.handshake), actDrop, "handshake timeout"
	case len(ci.sessions) == 0:
		return ci.zeroSince.Add(t.linger), actDrop, "no session open"
	case idle > 0:
		return time.Unix(0, ci.lastInput.Load()).Add(idle), actIdle, ""
	}
	return time.Time{}, actNone, ""
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// activityReader is a session's input as seen by its program; every byte
// read counts as activity for the idle timeout. Output does not: a dashboard
// redraws all the time, which must not keep a forgotten session alive.
type activityReader struct {
	r  io.Reader
	ci *connInfo
}

// Read reads from the session and records the activity.
func (a *activityReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.ci.touch()
	}
	return n, err
}

// watch is the watchdog of one connection, started when it is accepted and
// returning once the connection has ended (ctx is cancelled when the
// charmbracelet/ssh server closes it). It closes connections that never
// open a session, ends idle sessions, drops clients that stop answering
// keepalive probes, winds the connection down when the server stops, and
// logs the disconnection.
func (s *Server) watch(ctx ssh.Context, ci *connInfo) {
	defer s.wg.Done()
	defer s.forget(ci)

	var (
		probe      chan error // non-nil while a keepalive probe is outstanding
		probeSent  time.Time
		nextProbe  time.Time
		stopping   = s.ctx.Done()
		timer      = time.NewTimer(time.Hour)
		keepalives = s.t.keepalive > 0
	)
	defer timer.Stop()

	for {
		now := time.Now()
		at, act, reason := ci.due(s.t, s.o.IdleTimeout)

		// Keepalive probes only make sense once the SSH connection is up
		// and until the server has dropped it.
		if conn := ci.probeTarget(ctx); keepalives && conn != nil {
			if probe == nil && nextProbe.IsZero() {
				nextProbe = now.Add(s.t.keepalive)
			}
			if probe == nil && !now.Before(nextProbe) {
				probe, probeSent = s.sendProbe(conn), now
			}
			kat, kact, kreason := nextProbe, actNone, ""
			if probe != nil {
				kat, kact, kreason = probeSent.Add(s.t.keepaliveTimeout), actDrop, "keepalive timeout"
			}
			if at.IsZero() || kat.Before(at) {
				at, act, reason = kat, kact, kreason
			}
		}

		if !at.IsZero() && !now.Before(at) {
			switch act {
			case actDrop:
				ci.drop(reason)
			case actIdle:
				ci.beginClose(errIdle, now)
			}
			if act != actNone {
				continue
			}
		}
		var fire <-chan time.Time
		if !at.IsZero() {
			timer.Reset(at.Sub(now))
			fire = timer.C
		}

		select {
		case <-ctx.Done():
			// The connection is over; closing again is harmless and makes
			// sure an outstanding probe returns.
			_ = ci.raw.Close()
			if probe != nil {
				<-probe
			}
			s.logDisconnect(ci)
			return
		case <-stopping:
			stopping = nil
			// Not now, which dates from before the wait: closeWait counts
			// from this moment.
			ci.beginClose(errStopping, time.Now())
		case <-ci.kick:
		case <-fire:
		case err := <-probe:
			probe, nextProbe = nil, time.Now().Add(s.t.keepalive)
			if err != nil {
				ci.drop("keepalive failed")
			}
		}
	}
}

// probeTarget returns the SSH connection to probe: nil before login
// completes and after the server dropped the connection.
func (ci *connInfo) probeTarget(ctx ssh.Context) *gossh.ServerConn {
	ci.mu.Lock()
	live := !ci.authedAt.IsZero() && !ci.dropped
	ci.mu.Unlock()
	if !live {
		return nil
	}
	conn, _ := ctx.Value(ssh.ContextKeyConn).(*gossh.ServerConn)
	return conn
}

// sendProbe sends one keepalive request; its result arrives on the returned
// channel. Any reply, even a refusal, proves the client is there. The
// goroutine ends when the reply arrives or the connection closes.
func (s *Server) sendProbe(conn *gossh.ServerConn) chan error {
	ch := make(chan error, 1)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_, _, err := conn.SendRequest("keepalive@openssh.com", true, nil)
		ch <- err
	}()
	return ch
}

// logDisconnect writes the one line that ends a connection's story.
func (s *Server) logDisconnect(ci *connInfo) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	if ci.authedAt.IsZero() {
		attrs := []any{"remote", ci.remote, "duration", time.Since(ci.start).Round(time.Millisecond)}
		if ci.user != "" {
			attrs = append(attrs, "user", ci.user)
		}
		if ci.refused != "" {
			attrs = append(attrs, "refused_key", ci.refused)
		}
		if ci.refusedWhy != "" {
			attrs = append(attrs, "refused_because", ci.refusedWhy)
		}
		// When the server closed the connection, its reason explains the
		// read error the handshake then failed with.
		switch {
		case ci.reason != "":
			attrs = append(attrs, "reason", ci.reason)
		case ci.failure != nil:
			attrs = append(attrs, "error", ci.failure.Error())
		}
		s.log.Info("ssh login failed", attrs...)
		return
	}
	reason := ci.reason
	switch {
	case reason != "":
	case ci.closing != nil:
		// The server was closing the connection (idle timeout, shutdown)
		// and the client hung up first, as asked.
		reason = ci.closing.Error()
	default:
		reason = "client disconnected"
	}
	s.log.Info("ssh disconnect", "remote", ci.remote, "user", ci.user, "key", ci.key,
		"duration", time.Since(ci.authedAt).Round(time.Millisecond), "reason", reason)
}
