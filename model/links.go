package model

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// links says, for one query, which deployment every incident is linked to
// and when each deployment was first linked: the explicit deployment_ids
// of the dataset plus, with Query.LinkWithin, the links by time of SPEC §3.
//
// A link does not depend on the window end E: the deployment finished no
// later than the incident started, so whenever the incident counts
// (started_at ≤ E) the deployment is not later than E either. One links
// value therefore serves the window and the previous one; each applies the
// as-of rule through the incident's start.
type links struct {
	// incDep is, for every incident, the index of the deployment it names
	// or is linked to by time, or -1.
	incDep []int32
	// caused is, for every deployment, the earliest start of an incident
	// naming it or linked to it (NoStamp: none).
	caused []Stamp
}

// newLinks resolves the links over ds under filter f with the link limit
// of the query. Without a limit it shares the dataset's explicit links and
// allocates nothing.
func newLinks(ds *Dataset, f filter, limit time.Duration) links {
	lk := links{incDep: ds.incDep, caused: ds.depCaused}
	if limit <= 0 {
		return lk
	}
	tl := ds.timeline()
	var incDep []int32
	var caused []Stamp
	for s := range len(ds.services) {
		incs := tl.incs[tl.incStart[s]:tl.incStart[s+1]]
		if len(incs) == 0 {
			continue
		}
		deps := tl.deps[tl.depStart[s]:tl.depStart[s+1]]
		j, last := 0, -1
		for _, in := range incs {
			if !f.incOK[in.idx] {
				continue
			}
			st := in.at
			// Deployments more than the limit before this incident can
			// link neither it nor a later one (incs is by start).
			if k := skipOlder(deps, j, st, limit); k > j {
				j, last = k, -1
			}
			for ; j < len(deps) && deps[j].at <= st; j++ {
				if d := &deps[j]; d.shipped && f.depOK[d.idx] {
					last = j // deps is by time, then id: the last wins ties
				}
			}
			if last < 0 || st.Sub(deps[last].at) > int64(limit) {
				continue
			}
			if incDep == nil {
				incDep, caused = slices.Clone(ds.incDep), slices.Clone(ds.depCaused)
			}
			di := deps[last].idx
			incDep[in.idx] = di
			if c := caused[di]; c == NoStamp || st < c {
				caused[di] = st
			}
		}
	}
	if incDep != nil {
		lk.incDep, lk.caused = incDep, caused
	}
	return lk
}

// skipOlder returns the first index from j on whose deployment finished
// at most limit before st (len(deps) if none), galloping from j: the next
// incident is usually only a few deployments further on.
func skipOlder(deps []timelineDep, j int, st Stamp, limit time.Duration) int {
	near := func(k int) bool { return st.Sub(deps[k].at) <= int64(limit) }
	if j >= len(deps) || near(j) {
		return j
	}
	lo, step := j, 1 // deps[lo] is too old
	for lo+step < len(deps) && !near(lo+step) {
		lo += step
		step *= 2
	}
	hi := min(lo+step, len(deps))
	return lo + 1 + sort.Search(hi-lo-1, func(k int) bool { return near(lo + 1 + k) })
}

// failed reports whether counted deployment i counts as a failure as of
// end: rolled back, or linked to by an incident that started by then.
func (lk links) failed(ds *Dataset, i int, end Stamp) bool {
	c := lk.caused[i]
	return ds.Deployments[i].Status == StatusRolledBack || (c != NoStamp && c <= end)
}

// timeline is the order links by time search in: per service, the
// deployments by finished_at (ties: by id), and the incidents that may be
// linked by time (no deployment_id, a service) by started_at. Segment s
// of deps is deps[depStart[s]:depStart[s+1]], likewise for incs; s indexes
// Dataset.services. It is built once per dataset, on first use.
type timeline struct {
	deps     []timelineDep
	depStart []int32
	incs     []timelineInc
	incStart []int32
}

// timelineInc is an incident that may be linked by time: its start and
// index.
type timelineInc struct {
	at  Stamp
	idx int32
}

// timelineDep is a deployment as a link by time needs it, stored in
// timeline order so the search reads memory in sequence.
type timelineDep struct {
	at      Stamp
	idx     int32
	shipped bool // success or rolled_back
}

// lazyTimeline builds a Dataset's timeline on first use, so datasets of
// users without links by time never pay for the sort.
type lazyTimeline struct {
	once sync.Once
	tl   timeline
}

func (ds *Dataset) timeline() *timeline {
	if ds.lazyTL == nil { // a Dataset not made by Merge
		tl := buildTimeline(ds)
		return &tl
	}
	ds.lazyTL.once.Do(func() { ds.lazyTL.tl = buildTimeline(ds) })
	return &ds.lazyTL.tl
}

func buildTimeline(ds *Dataset) timeline {
	n := len(ds.services)
	tl := timeline{depStart: make([]int32, n+1), incStart: make([]int32, n+1)}
	emptySvc := -1
	if i := slices.Index(ds.services, ""); i >= 0 {
		emptySvc = i
	}
	// Counting sort by service, then each segment by time.
	for i := range ds.Deployments {
		if s := int(ds.depSvc[i]); s != emptySvc {
			tl.depStart[s+1]++
		}
	}
	linkable := func(i int) bool {
		return ds.Incidents[i].DeploymentID == "" && int(ds.incSvc[i]) != emptySvc
	}
	for i := range ds.Incidents {
		if linkable(i) {
			tl.incStart[ds.incSvc[i]+1]++
		}
	}
	for s := 1; s <= n; s++ {
		tl.depStart[s] += tl.depStart[s-1]
		tl.incStart[s] += tl.incStart[s-1]
	}
	tl.deps = make([]timelineDep, tl.depStart[n])
	tl.incs = make([]timelineInc, tl.incStart[n])
	next := slices.Clone(tl.depStart[:n])
	for i := range ds.Deployments {
		s := ds.depSvc[i]
		if int(s) == emptySvc {
			continue
		}
		d := &ds.Deployments[i]
		tl.deps[next[s]] = timelineDep{at: d.FinishedAt, idx: int32(i), shipped: d.Status != StatusFailed}
		next[s]++
	}
	next = slices.Clone(tl.incStart[:n])
	for i := range ds.Incidents {
		if linkable(i) {
			s := ds.incSvc[i]
			tl.incs[next[s]] = timelineInc{at: ds.Incidents[i].StartedAt, idx: int32(i)}
			next[s]++
		}
	}
	for s := range n {
		slices.SortFunc(tl.deps[tl.depStart[s]:tl.depStart[s+1]], func(a, b timelineDep) int {
			if c := cmp.Compare(a.at, b.at); c != 0 {
				return c // most comparisons: no look at the ids
			}
			return strings.Compare(ds.Deployments[a.idx].ID, ds.Deployments[b.idx].ID)
		})
		slices.SortFunc(tl.incs[tl.incStart[s]:tl.incStart[s+1]], func(a, b timelineInc) int {
			return cmp.Compare(a.at, b.at)
		})
	}
	return tl
}
