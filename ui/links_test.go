package ui

import (
	"testing"
	"time"

	"doradash/model"
)

// TestLinkWithinReachesTheQuery checks that the dashboard computes with
// the configured links by time, like snapshot does.
func TestLinkWithinReachesTheQuery(t *testing.T) {
	m := New(Options{Query: model.Query{Days: 7, LinkWithin: 2 * time.Hour}})
	defer m.Close()
	if got := m.c.q.LinkWithin; got != 2*time.Hour {
		t.Fatalf("LinkWithin = %v, want 2h", got)
	}
}
