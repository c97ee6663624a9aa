// Package reports shares computations over the poller's data among every
// viewer of one process: the SSH sessions' dashboards, the local dashboard
// and the HTTP endpoints. A value is computed once per distinct (dataset,
// key) and handed to every caller; concurrent callers with the same key
// wait for the one computation instead of starting their own.
//
// The values are shared: callers must treat them as immutable.
package reports

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"doradash/model"
)

// DefaultEntries bounds a cache made with New(0).
const DefaultEntries = 512

// Unused is how long an entry nobody asked for is kept. A live clock
// moves every key to the next minute, so entries of earlier minutes are
// never asked for again; without this they would stay until the bound
// pushed them out (hours of reports, each holding its lists and the
// records behind its numbers).
const Unused = 3 * time.Minute

// Cache holds computed values by (dataset, key). It is safe for
// concurrent use; the zero value is not usable, make one with New.
//
// It keeps at most its bound of entries, dropping the oldest first,
// entries asked for within Unused only, and entries of the two newest
// datasets only: a dataset (which can be
// large) is not kept alive by the cache once two newer ones were asked
// for. The older of the two serves the callers that still hold it while
// a new version spreads.
type Cache struct {
	max      int
	computes atomic.Int64

	mu      sync.Mutex
	entries map[entryKey]*entry
	order   []entryKey        // keys in insertion order, some already gone
	recent  [2]*model.Dataset // the newest dataset asked for first
	swept   time.Time         // the last sweep of unused entries

	now func() time.Time // the wall clock; tests replace it
}

type entryKey struct {
	data *model.Dataset
	key  string
}

type entry struct {
	done chan struct{} // closed once v is set, or the computation panicked
	v    any
	ok   bool      // v is set
	used time.Time // when it was last asked for (under the cache's lock)
}

// New returns a cache of at most max entries; max ≤ 0: DefaultEntries.
func New(max int) *Cache {
	if max <= 0 {
		max = DefaultEntries
	}
	return &Cache{max: max, entries: map[entryKey]*entry{}, now: time.Now}
}

// Get returns the value of key over ds: the cached one, the one a
// concurrent caller is computing, or else what compute returns, computed
// in the caller's goroutine. ok is false when ctx ended while waiting for
// another caller's computation, or that computation panicked (the next
// caller then computes anew). A panic in compute reaches the caller that
// called it.
//
// key must determine compute's result over ds completely: everything the
// computation reads but ds belongs in it (the query, the instant).
func (c *Cache) Get(ctx context.Context, ds *model.Dataset, key string, compute func() any) (v any, ok bool) {
	k := entryKey{ds, key}
	c.mu.Lock()
	now := c.now()
	c.noteDatasetLocked(ds)
	c.sweepLocked(now)
	e, found := c.entries[k]
	if !found {
		e = &entry{done: make(chan struct{})}
		c.insertLocked(k, e)
	}
	e.used = now
	c.mu.Unlock()
	if found {
		select {
		case <-e.done:
			return e.v, e.ok
		case <-ctx.Done():
			return nil, false
		}
	}
	c.computes.Add(1)
	defer func() {
		if !e.ok { // a panic: let the next caller try again
			c.mu.Lock()
			if c.entries[k] == e {
				delete(c.entries, k)
			}
			c.mu.Unlock()
		}
		close(e.done)
	}()
	e.v = compute()
	e.ok = true
	return e.v, true
}

// Computes is how many computations were started, for tests and figures.
func (c *Cache) Computes() int64 { return c.computes.Load() }

// Len is how many entries the cache holds.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// noteDatasetLocked makes ds the newest dataset when it is neither of the
// two newest, and drops the entries of the dataset that fell out.
func (c *Cache) noteDatasetLocked(ds *model.Dataset) {
	if ds == c.recent[0] || ds == c.recent[1] {
		return
	}
	c.recent[0], c.recent[1] = ds, c.recent[0]
	for k := range c.entries {
		if k.data != c.recent[0] && k.data != c.recent[1] {
			delete(c.entries, k)
		}
	}
	c.compactLocked()
}

func (c *Cache) insertLocked(k entryKey, e *entry) {
	for len(c.entries) >= c.max && len(c.order) > 0 {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
	if len(c.order) > 4*c.max {
		c.compactLocked()
	}
	c.entries[k] = e
	c.order = append(c.order, k)
}

// sweepLocked drops the entries not asked for within Unused, looking at
// most once every Unused/4.
func (c *Cache) sweepLocked(now time.Time) {
	if now.Sub(c.swept) < Unused/4 && !now.Before(c.swept) {
		return
	}
	c.swept = now
	n := len(c.entries)
	for k, e := range c.entries {
		if now.Sub(e.used) > Unused {
			delete(c.entries, k)
		}
	}
	if len(c.entries) < n {
		c.compactLocked()
	}
}

// compactLocked forgets the keys of entries already gone.
func (c *Cache) compactLocked() {
	live := c.order[:0]
	for _, k := range c.order {
		if _, ok := c.entries[k]; ok {
			live = append(live, k)
		}
	}
	clear(c.order[len(live):]) // no dataset kept alive by a stale key
	c.order = live
}
