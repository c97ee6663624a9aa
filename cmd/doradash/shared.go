package main

import (
	"context"
	"strconv"
	"time"

	"doradash/cmd/doradash/internal/reports"
	"doradash/model"
	"doradash/ui"
)

// uiReports shares the dashboards' snapshots through the process's cache
// (ui.Reports): every SSH session on the same view, and the local
// dashboard, take one computation per data version and minute.
//
// With a live clock, ends within one minute are the same view: the first
// dashboard to ask computes as of its own instant, and the others take
// that (the dashboard recomputes once its report's end is a minute old
// anyway). The end is not rounded down to the minute: data polled a few
// seconds ago shows at once, not at the next minute. With a fixed clock
// (--now) only the exact instant is the same.
type uiReports struct {
	cache *reports.Cache
	fixed bool
}

var _ ui.Reports = uiReports{}

// newUIReports shares cache among the dashboards of a process whose clock
// is fixed or not.
func newUIReports(cache *reports.Cache, fixed bool) ui.Reports {
	return uiReports{cache: cache, fixed: fixed}
}

// Share implements ui.Reports.
func (r uiReports) Share(ds *model.Dataset, key string, end time.Time, compute func() any) any {
	at := end
	if !r.fixed {
		at = end.Truncate(time.Minute)
	}
	v, ok := r.cache.Get(context.Background(), ds, key+"|"+strconv.FormatInt(at.UnixNano(), 10), compute)
	if !ok {
		return nil
	}
	return v
}
