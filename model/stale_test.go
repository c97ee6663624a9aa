package model

import (
	"testing"
	"time"
)

func TestDataStale(t *testing.T) {
	at := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		s    SourceStatus
		now  time.Time
		want bool
	}{
		{"no StaleAt", SourceStatus{State: SourceOK}, at.Add(time.Hour), false},
		{"before StaleAt", SourceStatus{State: SourceOK, StaleAt: at}, at.Add(-time.Nanosecond), false},
		{"at StaleAt", SourceStatus{State: SourceOK, StaleAt: at}, at, true},
		{"failing after StaleAt", SourceStatus{State: SourceFailing, StaleAt: at}, at.Add(time.Minute), true},
		{"published stale", SourceStatus{State: SourceStale, StaleAt: at}, at.Add(-time.Second), true},
	} {
		if got := c.s.DataStale(c.now); got != c.want {
			t.Errorf("%s: DataStale = %v, want %v", c.name, got, c.want)
		}
	}
}
