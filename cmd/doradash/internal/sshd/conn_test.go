package sshd

import (
	"context"
	"net"
	"testing"
	"time"
)

func TestConnDue(t *testing.T) {
	tm := timings{linger: 30 * time.Second, handshake: 20 * time.Second, closeGrace: time.Second, closeWait: 5 * time.Second}
	t0 := time.Unix(1_800_000_000, 0)
	type state struct {
		sessions  int
		zeroSince time.Time
		lastInput time.Time
		closingAt time.Time // zero: not closing
		dropped   bool
		handshake bool // not logged in yet
	}
	tests := []struct {
		name   string
		st     state
		idle   time.Duration
		at     time.Time
		act    action
		reason string
	}{
		{"in the handshake", state{zeroSince: t0, handshake: true}, time.Minute, t0.Add(20 * time.Second), actDrop, "handshake timeout"},
		{"closing in the handshake", state{zeroSince: t0, handshake: true, closingAt: t0}, 0, t0.Add(time.Second), actDrop, "idle timeout"},
		{"new connection, no session yet", state{zeroSince: t0}, 0, t0.Add(30 * time.Second), actDrop, "no session open"},
		{"session open, no idle limit", state{sessions: 1, zeroSince: t0}, 0, time.Time{}, actNone, ""},
		{"session open, idle limit", state{sessions: 2, lastInput: t0.Add(time.Minute)}, time.Minute, t0.Add(2 * time.Minute), actIdle, ""},
		{"closing, sessions still ending", state{sessions: 1, closingAt: t0}, time.Minute, t0.Add(5 * time.Second), actDrop, "idle timeout"},
		{"closing, last session just ended", state{zeroSince: t0.Add(2 * time.Second), closingAt: t0}, 0, t0.Add(3 * time.Second), actDrop, "idle timeout"},
		{"closing with no session at all", state{zeroSince: t0, closingAt: t0.Add(time.Second)}, 0, t0.Add(2 * time.Second), actDrop, "idle timeout"},
		{"already dropped", state{dropped: true, zeroSince: t0}, time.Minute, time.Time{}, actNone, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ci := newConnInfo(fakeConn{}, t0)
			ci.zeroSince, ci.dropped = tt.st.zeroSince, tt.st.dropped
			if !tt.st.handshake {
				ci.authedAt = t0
			}
			ci.lastInput.Store(tt.st.lastInput.UnixNano())
			for i := range tt.st.sessions {
				ci.sessions[uint64(i)] = func(error) {}
			}
			if !tt.st.closingAt.IsZero() {
				ci.closing, ci.closingAt = errIdle, tt.st.closingAt
			}
			at, act, reason := ci.due(tm, tt.idle)
			if !at.Equal(tt.at) || act != tt.act || reason != tt.reason {
				t.Errorf("due = (%v, %d, %q), want (%v, %d, %q)", at, act, reason, tt.at, tt.act, tt.reason)
			}
		})
	}
}

func TestBeginCloseEndsSessionsOnce(t *testing.T) {
	ci := newConnInfo(fakeConn{}, time.Now())
	ctx1, cancel1 := context.WithCancelCause(context.Background())
	ctx2, cancel2 := context.WithCancelCause(context.Background())
	if _, err := ci.addSession(cancel1); err != nil {
		t.Fatal(err)
	}
	if _, err := ci.addSession(cancel2); err != nil {
		t.Fatal(err)
	}
	ci.beginClose(errIdle, time.Now())
	ci.beginClose(errStopping, time.Now()) // the first reason stays
	for i, ctx := range []context.Context{ctx1, ctx2} {
		if cause := context.Cause(ctx); cause != errIdle {
			t.Errorf("session %d cause = %v, want %v", i, cause, errIdle)
		}
	}
	if _, err := ci.addSession(func(error) {}); err != errIdle {
		t.Errorf("addSession while closing = %v, want %v", err, errIdle)
	}
}

// fakeConn is a net.Conn that is never used for I/O.
type fakeConn struct{ net.Conn }

func (fakeConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(192, 0, 2, 7), Port: 5555} }
func (fakeConn) Close() error         { return nil }
