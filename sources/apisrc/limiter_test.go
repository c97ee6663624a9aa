package apisrc

import (
	"context"
	"testing"
	"time"
)

// TestBucketNeverMoreThanTenASecond sends requests as fast as the pacing
// lets them and checks SPEC §8.1 both ways: a burst of at most 10, and no
// one-second span (sliding, not calendar seconds) with more than 10 — also
// right after a pause that let the pacing fill up.
func TestBucketNeverMoreThanTenASecond(t *testing.T) {
	start := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	clk := NewStepClock(start)
	b := newBucket(clk, DefaultRate, DefaultBurst)
	var sent []time.Time
	send := func(n int) {
		for range n {
			if err := b.take(context.Background()); err != nil {
				t.Fatal(err)
			}
			sent = append(sent, clk.Now())
		}
	}
	send(35)
	clk.Advance(3 * time.Second) // a pause, as after a rate-limit wait
	send(35)

	for i, at := range sent[:10] {
		if !at.Equal(start) {
			t.Fatalf("request %d of the first burst waited until %v", i, at)
		}
	}
	if !sent[10].After(start) {
		t.Fatalf("the 11th request went at once")
	}
	for i := range sent {
		in := 0
		for _, at := range sent[i:] {
			if at.Sub(sent[i]) < time.Second {
				in++
			}
		}
		if in > 10 {
			t.Fatalf("%d requests within one second from %v", in, sent[i].Sub(start))
		}
	}
	// Long-run rate: 35 requests take about 2.5 s, not less.
	if d := sent[34].Sub(sent[0]); d < 3*time.Second-500*time.Millisecond {
		t.Fatalf("35 requests in %v: faster than 10 a second", d)
	}
}

// TestBucketCancelled returns at once with the context's error and records
// nothing.
func TestBucketCancelled(t *testing.T) {
	clk := NewStepClock(time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC))
	b := newBucket(clk, DefaultRate, DefaultBurst)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.take(ctx); err == nil {
		t.Fatal("take on a cancelled context succeeded")
	}
	for _, at := range b.sent {
		if !at.IsZero() {
			t.Fatal("a cancelled take was recorded")
		}
	}
}
