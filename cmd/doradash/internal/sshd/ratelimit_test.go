package sshd

import (
	"net"
	"testing"
	"time"
)

func TestConnLimiter(t *testing.T) {
	a := &net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 40000}
	aOtherPort := &net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 40001}
	b := &net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 40000}

	l := newConnLimiter(6) // one token every 10s
	now := time.Unix(1_800_000_000, 0)
	l.now = func() time.Time { return now }

	steps := []struct {
		advance time.Duration
		addr    net.Addr
		want    bool
	}{
		{0, a, true}, {0, a, true}, {0, a, true}, {0, aOtherPort, true}, {0, a, true}, {0, a, true}, // burst of 6
		{0, aOtherPort, false},      // 7th within the minute: the port does not matter
		{0, b, true},                // another address has its own bucket
		{9 * time.Second, a, false}, // not a whole token yet
		{time.Second, a, true},      // 10s: one token
		{0, a, false},
		{2 * time.Minute, a, true}, // refilled, but never beyond the burst
		{0, a, true}, {0, a, true}, {0, a, true}, {0, a, true}, {0, a, true},
		{0, a, false},
	}
	for i, st := range steps {
		now = now.Add(st.advance)
		if got := l.allow(st.addr); got != st.want {
			t.Errorf("step %d (%s after +%s): allow = %v, want %v", i, st.addr, st.advance, got, st.want)
		}
	}

	// Addresses that have not connected for a while are forgotten.
	l.allow(b)
	if l.size() != 2 {
		t.Fatalf("tracking %d addresses, want 2", l.size())
	}
	now = now.Add(5 * time.Minute)
	l.allow(b)
	if l.size() != 1 {
		t.Errorf("after a quiet period tracking %d addresses, want 1 (the one that just connected)", l.size())
	}
}

func TestHostOf(t *testing.T) {
	tests := []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.ParseIP("10.1.2.3"), Port: 22}, "10.1.2.3"},
		{&net.TCPAddr{IP: net.ParseIP("::1"), Port: 22}, "::1"},
		{&net.UnixAddr{Name: "/tmp/sock", Net: "unix"}, "/tmp/sock"},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := hostOf(tt.addr); got != tt.want {
			t.Errorf("hostOf(%v) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}
