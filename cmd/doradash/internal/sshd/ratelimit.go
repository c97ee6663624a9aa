package sshd

import (
	"net"
	"sync"
	"time"
)

// connLimiter limits new connections per remote IP with one token bucket
// per address: a client may open perMinute connections at once, then one
// every minute/perMinute. The bucket is kept as the time at which it will be
// full again (the generic cell rate algorithm), which needs no floating
// point. Addresses whose bucket is full are dropped by a sweep at most once
// a minute, so the map only holds recent clients. It is safe for concurrent
// use and starts no goroutine.
type connLimiter struct {
	interval time.Duration    // one token per interval
	burst    time.Duration    // (perMinute-1) intervals: how far ahead of now a bucket may be
	now      func() time.Time // time source, replaced by tests

	mu        sync.Mutex
	full      map[string]time.Time // per IP: when its bucket is full again
	lastSweep time.Time
}

// newConnLimiter returns a limiter allowing perMinute new connections per
// minute and IP address; perMinute must be positive.
func newConnLimiter(perMinute int) *connLimiter {
	interval := time.Minute / time.Duration(perMinute)
	return &connLimiter{
		interval: interval,
		burst:    interval * time.Duration(perMinute-1),
		now:      time.Now,
		full:     make(map[string]time.Time),
	}
}

// allow takes a token for addr's IP and reports whether there was one.
func (l *connLimiter) allow(addr net.Addr) bool {
	ip := hostOf(addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweepLocked(now)
	full := later(l.full[ip], now)
	if full.Sub(now) > l.burst {
		return false
	}
	l.full[ip] = full.Add(l.interval)
	return true
}

// sweepLocked forgets addresses whose bucket is full again: a new bucket
// for the same address would be identical.
func (l *connLimiter) sweepLocked(now time.Time) {
	if now.Sub(l.lastSweep) < time.Minute {
		return
	}
	l.lastSweep = now
	for ip, full := range l.full {
		if !full.After(now) {
			delete(l.full, ip)
		}
	}
}

// size returns how many addresses are tracked.
func (l *connLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.full)
}

// hostOf returns the IP part of addr ("" when there is none).
func hostOf(addr net.Addr) string {
	if tcp, ok := addr.(*net.TCPAddr); ok {
		return tcp.IP.String()
	}
	if addr == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	return host
}
