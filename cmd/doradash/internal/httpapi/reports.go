package httpapi

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"doradash/model"
)

// dataVersions numbers the datasets the feed hands out, to key the report
// cache. The poller publishes a new version for every status change but a
// new Dataset only when data arrived, so the number (the Seq of the first
// version seen with that dataset) changes with the data.
type dataVersions struct {
	mu  sync.Mutex
	ds  *model.Dataset
	gen uint64
}

// of returns the data version of v. Numbers only move forward: a request
// still holding an older version than the newest one seen gets that
// version's own Seq, a number no other dataset has.
func (d *dataVersions) of(v *model.Version) uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case v.Data == d.ds:
		return d.gen
	case d.ds == nil || v.Seq > d.gen:
		d.ds, d.gen = v.Data, v.Seq
		return d.gen
	}
	return v.Seq
}

// etags computes the entity tag of /api/v1/events: a hash of the
// dataset's NDJSON, computed once per dataset on first use. A tag of the
// content, not of a version number, answers 304 also when a source
// re-delivered the same records (a file just written is read again, an
// API without validators is fetched whole) and after a restart, and can
// never match different data.
type etags struct {
	mu  sync.Mutex
	ds  *model.Dataset
	cur *etagEntry
}

type etagEntry struct {
	once sync.Once
	tag  string
}

// of returns the ETag of ds. The tag is weak: the gzip and the identity
// encodings carry the same one, since they are the same data.
func (e *etags) of(ds *model.Dataset) string {
	e.mu.Lock()
	if e.cur == nil || e.ds != ds {
		e.ds, e.cur = ds, &etagEntry{}
	}
	ent := e.cur
	e.mu.Unlock()
	ent.once.Do(func() {
		h := sha256.New()
		bw := bufio.NewWriterSize(h, 64<<10)
		WriteNDJSON(bw, ds) // writes to a hash never fail
		bw.Flush()
		ent.tag = `W/"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
	})
	return ent.tag
}

// reportCache holds computed reports by (data version, query). Concurrent
// requests for the same key wait for one computation. It holds at most max
// entries, dropping the oldest first.
type reportCache struct {
	compute  func(*model.Dataset, model.Query) *model.Report
	max      int
	computes atomic.Int64 // computations started, for tests and figures

	mu      sync.Mutex
	entries map[string]*cacheEntry
	order   []string // keys in insertion order
}

type cacheEntry struct {
	done chan struct{} // closed once r is set (or the computation failed)
	r    *model.Report // nil when the computation panicked
}

func newReportCache(max int, compute func(*model.Dataset, model.Query) *model.Report) *reportCache {
	return &reportCache{compute: compute, max: max, entries: map[string]*cacheEntry{}}
}

// get returns the report of q over ds, whose data version is gen,
// computing it unless it is cached or being computed. It returns nil when
// ctx ends first or the computation failed. The report is shared: callers
// must not modify it.
func (c *reportCache) get(ctx context.Context, ds *model.Dataset, gen uint64, q model.Query) *model.Report {
	key := cacheKey(gen, q)
	c.mu.Lock()
	e, ok := c.entries[key]
	if !ok {
		e = &cacheEntry{done: make(chan struct{})}
		c.insertLocked(key, e)
	}
	c.mu.Unlock()
	if ok {
		select {
		case <-e.done:
			return e.r
		case <-ctx.Done():
			return nil
		}
	}
	c.computes.Add(1)
	defer func() {
		if e.r == nil { // a panic: let the next request try again
			c.mu.Lock()
			if c.entries[key] == e {
				delete(c.entries, key)
			}
			c.mu.Unlock()
		}
		close(e.done)
	}()
	e.r = c.compute(ds, q)
	return e.r
}

func (c *reportCache) insertLocked(key string, e *cacheEntry) {
	for len(c.entries) >= c.max && len(c.order) > 0 {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
	if len(c.order) > 4*c.max { // keys already gone (failed computations)
		live := c.order[:0]
		for _, k := range c.order {
			if _, ok := c.entries[k]; ok {
				live = append(live, k)
			}
		}
		c.order = live
	}
	c.entries[key] = e
	c.order = append(c.order, key)
}

// cacheKey is the canonical form of (gen, q): every field of q (a test
// fails when model.Query gains one this does not know). Lists are
// length-prefixed so no two different queries share a key.
func cacheKey(gen uint64, q model.Query) string {
	var b strings.Builder
	b.WriteString(strconv.FormatUint(gen, 10))
	b.WriteByte('|')
	b.WriteString(strconv.FormatInt(q.End.UnixNano(), 10))
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(q.Days))
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(q.DowntimeMaxSeverity))
	b.WriteByte('|')
	b.WriteString(strconv.FormatInt(int64(q.LinkWithin), 10))
	for _, list := range [][]string{q.Environments, q.Services} {
		b.WriteByte('|')
		b.WriteString(strconv.Itoa(len(list)))
		for _, s := range list {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(len(s)))
			b.WriteByte(':')
			b.WriteString(s)
		}
	}
	return b.String()
}

// end is the window end of a report asked for without an explicit time:
// the start of the current minute, or the fixed clock's time.
func (s *Server) end() time.Time {
	t := s.o.Clock()
	if s.o.Fixed {
		return t.UTC()
	}
	return t.UTC().Truncate(time.Minute)
}

// report returns the report of q over v with v's sources filled in. The
// computation is shared; the result is a fresh shallow copy.
func (s *Server) report(ctx context.Context, v *model.Version, q model.Query) *model.Report {
	r := s.cache.get(ctx, v.Data, s.data.of(v), q)
	if r == nil {
		return nil
	}
	out := *r
	out.Sources = model.SourceReports(v.Sources)
	return &out
}
