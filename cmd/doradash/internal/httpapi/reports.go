package httpapi

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"doradash/model"
)

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
	r := s.cachedReport(ctx, v.Data, q)
	if r == nil {
		return nil
	}
	out := *r
	out.Sources = model.SourceReports(v.Sources)
	return &out
}

// cachedReport is the report of q over ds from the shared cache; nil when
// ctx ended first or the computation failed. It is shared: callers must
// not modify it.
func (s *Server) cachedReport(ctx context.Context, ds *model.Dataset, q model.Query) *model.Report {
	// The endpoints never show a population; a cached report keeping the
	// records behind its numbers would hold megabytes each on a large
	// dataset, times the cache's entries.
	v, ok := s.cache.Get(ctx, ds, "httpapi.report|"+q.Key(), func() any { return s.o.Compute(ds, q).WithoutPopulations() })
	if !ok {
		return nil
	}
	return v.(*model.Report)
}
