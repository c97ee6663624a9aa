package model

import "time"

// DataStale says whether the source's data is stale at now: the poller
// published it stale, or now has reached the StaleAt it published (a
// source turns stale with the clock alone, between two versions; a failing
// source keeps its state and its data ages all the same).
func (s *SourceStatus) DataStale(now time.Time) bool {
	return s.State == SourceStale || (!s.StaleAt.IsZero() && !now.Before(s.StaleAt))
}
