package ui

import (
	"testing"
	"time"
)

// TestLinkWithinReachesTheQuery checks that the dashboard computes with
// the configured links by time, like snapshot does.
func TestLinkWithinReachesTheQuery(t *testing.T) {
	m := New(Options{Days: 7, LinkWithin: 2 * time.Hour})
	defer m.Close()
	if got := m.c.q.at(time.Now()).LinkWithin; got != 2*time.Hour {
		t.Fatalf("LinkWithin = %v, want 2h", got)
	}
}
