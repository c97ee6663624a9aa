package ui

import (
	"context"

	"doradash/model"
)

// Feed is where the dashboard gets its data: one poller shared by every
// dashboard (the local one and each SSH session).
//
// Subscribe returns a channel that delivers the current Version at once and
// then every newer one. Delivery is latest-only: a slow reader misses
// intermediate versions but never blocks the poller or other readers. The
// channel is closed after ctx is cancelled.
//
// Refresh asks every source to poll now; it never blocks.
type Feed interface {
	Subscribe(ctx context.Context) <-chan *model.Version
	Refresh()
}
