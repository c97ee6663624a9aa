package model

import "sort"

// Dataset is the merged, deduplicated view of every source's latest good
// batch. It is immutable once built: many readers (the dashboard, every SSH
// session) share one Dataset without locks.
//
// Besides the records it keeps compact indexes that make Compute a few
// linear passes: every commit's (service, sha) key as a dense integer and
// every deployment's service and environment as small integers.
type Dataset struct {
	Deployments []Deployment
	Incidents   []Incident

	// commitKey holds, for every deployment in order, one key id per commit.
	commitKey []uint32
	nKeys     int
	// depSvc and depEnv index services and envs for every deployment.
	depSvc   []uint32
	depEnv   []uint32
	services []string // distinct deployment and incident services, in first-seen order
	envs     []string // distinct environments, in first-seen order
	incSvc   []uint32 // index into services for every incident
	byID     map[string]int32
	// incDep is the index of the deployment each incident names, or -1.
	incDep []int32
	// depCaused is, for every deployment, the earliest start of an
	// incident naming it (NoStamp: none), for the change failure rate.
	depCaused []Stamp
	// lazyTL is the order links by time search in, built on first use.
	lazyTL *lazyTimeline
}

// Merge builds a Dataset from batches listed in configuration order. Same
// kind and same id means the same record: within a batch the later
// occurrence wins, across batches the later batch wins (SPEC §1). Nil
// batches are skipped. The batches are not modified; when nothing needs
// deduplicating their slices are shared, not copied.
func Merge(batches ...*Batch) *Dataset {
	ds := &Dataset{}
	ds.Deployments, ds.byID = mergeByID(batches, func(b *Batch) []Deployment { return b.Deployments },
		func(d *Deployment) string { return d.ID })
	ds.Incidents, _ = mergeByID(batches, func(b *Batch) []Incident { return b.Incidents },
		func(i *Incident) string { return i.ID })
	if ds.byID == nil {
		ds.byID = map[string]int32{}
	}
	ds.index()
	return ds
}

// mergeByID concatenates the records of all batches and keeps, for every id,
// the last occurrence at the position of that last occurrence. It also
// returns where each id ended up, which the dataset keeps as its id index.
func mergeByID[T any](batches []*Batch, get func(*Batch) []T, id func(*T) string) ([]T, map[string]int32) {
	var nonEmpty [][]T
	total := 0
	for _, b := range batches {
		if b == nil {
			continue
		}
		if recs := get(b); len(recs) > 0 {
			nonEmpty = append(nonEmpty, recs)
			total += len(recs)
		}
	}
	if len(nonEmpty) == 0 {
		return nil, nil
	}
	last := make(map[string]int32, total)
	var pos int32
	for _, recs := range nonEmpty {
		for i := range recs {
			last[id(&recs[i])] = pos
			pos++
		}
	}
	if len(last) == total && len(nonEmpty) == 1 {
		return nonEmpty[0], last // positions are already the output's
	}
	out := make([]T, 0, len(last))
	pos = 0
	for _, recs := range nonEmpty {
		for i := range recs {
			k := id(&recs[i])
			if last[k] == pos {
				// The id's last occurrence: from now on the map holds its
				// place in out (no later record has this id).
				last[k] = int32(len(out))
				out = append(out, recs[i])
			}
			pos++
		}
	}
	return out, last
}

type commitKeyT struct {
	svc uint32
	sha string
}

func (ds *Dataset) index() {
	svcIdx := map[string]uint32{}
	envIdx := map[string]uint32{}
	intern := func(m map[string]uint32, list *[]string, s string) uint32 {
		if i, ok := m[s]; ok {
			return i
		}
		i := uint32(len(*list))
		m[s] = i
		*list = append(*list, s)
		return i
	}
	nCommits := 0
	for i := range ds.Deployments {
		nCommits += len(ds.Deployments[i].Commits)
	}
	ds.depSvc = make([]uint32, len(ds.Deployments))
	ds.depEnv = make([]uint32, len(ds.Deployments))
	ds.commitKey = make([]uint32, 0, nCommits)
	keys := make(map[commitKeyT]uint32, nCommits)
	for i := range ds.Deployments {
		d := &ds.Deployments[i]
		s := intern(svcIdx, &ds.services, d.Service)
		ds.depSvc[i] = s
		ds.depEnv[i] = intern(envIdx, &ds.envs, d.Environment)
		for _, c := range d.Commits {
			k := commitKeyT{s, c.SHA}
			id, ok := keys[k]
			if !ok {
				id = uint32(len(keys))
				keys[k] = id
			}
			ds.commitKey = append(ds.commitKey, id)
		}
	}
	ds.nKeys = len(keys)
	ds.lazyTL = &lazyTimeline{}
	ds.incSvc = make([]uint32, len(ds.Incidents))
	ds.incDep = make([]int32, len(ds.Incidents))
	ds.depCaused = make([]Stamp, len(ds.Deployments))
	for i := range ds.Incidents {
		in := &ds.Incidents[i]
		ds.incSvc[i] = intern(svcIdx, &ds.services, in.Service)
		ds.incDep[i] = -1
		if in.DeploymentID == "" {
			continue
		}
		if di, ok := ds.byID[in.DeploymentID]; ok {
			ds.incDep[i] = di
			if c := ds.depCaused[di]; c == NoStamp || in.StartedAt < c {
				ds.depCaused[di] = in.StartedAt
			}
		}
	}
}

// Services returns the distinct non-empty service names of deployments and
// incidents, sorted.
func (ds *Dataset) Services() []string {
	out := make([]string, 0, len(ds.services))
	for _, s := range ds.services {
		if s != "" {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// DeploymentByID returns the deployment with that id, if any.
func (ds *Dataset) DeploymentByID(id string) (*Deployment, bool) {
	i, ok := ds.byID[id]
	if !ok {
		return nil, false
	}
	return &ds.Deployments[i], true
}
