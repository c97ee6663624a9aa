package poller

import (
	"context"

	"doradash/model"
)

// subscriber is one Subscribe call: a channel of capacity 1 that always
// holds at most the newest version not yet read.
type subscriber struct {
	ch chan *model.Version
}

// Subscribe implements ui.Feed. The returned channel delivers the current
// version at once and then every newer one, latest-only: a reader that
// falls behind finds only the newest version waiting and never blocks the
// poller or other subscribers. The poller closes the channel after ctx is
// cancelled (the caller must not close it); a Subscribe with an already
// cancelled ctx returns a closed channel. Subscribing starts no goroutine
// until ctx is done.
func (p *Poller) Subscribe(ctx context.Context) <-chan *model.Version {
	sub := &subscriber{ch: make(chan *model.Version, 1)}
	p.subsMu.Lock()
	if ctx.Err() != nil {
		close(sub.ch)
		p.subsMu.Unlock()
		return sub.ch
	}
	// publish stores a new version and notifies under subsMu, so this
	// subscriber gets each version exactly once: either it is current now,
	// or notify delivers it.
	sub.ch <- p.latest.Load()
	p.subs[sub] = struct{}{}
	p.subsMu.Unlock()

	context.AfterFunc(ctx, func() {
		p.subsMu.Lock()
		defer p.subsMu.Unlock()
		delete(p.subs, sub)
		close(sub.ch)
	})
	return sub.ch
}

// setLatest makes v the current version and hands it to every subscriber
// without blocking: a version a reader has not taken yet is replaced by v.
func (p *Poller) setLatest(v *model.Version) {
	p.subsMu.Lock()
	defer p.subsMu.Unlock()
	p.latest.Store(v)
	for sub := range p.subs {
		select {
		case sub.ch <- v:
			continue
		default:
		}
		// Full: drop the unread older version. Only notify sends, under
		// subsMu, so after draining (or the reader taking it) the send
		// succeeds.
		select {
		case <-sub.ch:
		default:
		}
		sub.ch <- v
	}
}
