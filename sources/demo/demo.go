// Package demo is the built-in demo data source: a generator of believable
// activity for a small organisation (checkout, payments, search, catalog,
// auth, notifications, gateway) that needs no files.
//
// Every event is anchored to absolute time: the events of a slot (a service's
// day, a 4-hour on-call block, a 5-day stretch) come from a generator seeded
// by that slot alone, so a deployment at 10:42 yesterday is the same whatever
// now is. Generate(now) shows what has happened by now; as now advances old
// events stay, new ones appear and open incidents get resolved.
package demo

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"doradash/model"
)

// History is how far back Generate reaches.
const History = 400 * 24 * time.Hour

const (
	nsPerDay = int64(24 * time.Hour)
	// maxPerDay bounds a service's production deployments in one day.
	maxPerDay = 16
	// maxIncidentsPerSlot bounds a service's incidents in one day's slot.
	maxIncidentsPerSlot = 8
	// pagerBlock is the length of an on-call block; pagerShare of the blocks
	// carry an alert that opens a few minutes into the block and is resolved
	// only after the block ends.
	pagerBlock = 4 * time.Hour
	pagerShare = 0.5
	// lingerPeriod is the stretch each long-running low-severity incident is
	// anchored to; each is resolved after the next one opened, so one is
	// always open.
	lingerPeriod = 5 * 24 * time.Hour
	// stagingDays is the longest staging → production gap, in whole days.
	stagingDays = 6
)

// Stream kinds, so that slots of different streams never share a seed.
const (
	kindDeploy uint64 = iota + 1
	kindIncident
	kindPager
	kindLinger
)

// Incident numbers: INC-<day×64 + k>, with k 0–5 the day's on-call blocks,
// 6 the lingering incident opened that day, and 7 + service×8 + j a
// service's own incidents of that day.
const (
	incPerDay     = 64
	incLingerSlot = 6
	incFirstOwn   = 7
)

// The range of now that Generate accepts: Stamps must stay representable
// and positive over the whole history.
var (
	minNow = time.Date(1972, 1, 1, 0, 0, 0, 0, time.UTC)
	maxNow = time.Date(2261, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Generate returns every demo event that has happened by now: deployments
// with finished_at ≤ now and incidents with started_at ≤ now over the last
// History (400 days), timestamps later than now left absent (so an incident
// resolved "in the future" is still open). Deterministic: the same now gives
// the same batch, and events are anchored to absolute time (a deployment at
// 10:42 yesterday is the same whatever now is), so as now advances old
// events stay and new ones appear. Deployments are ordered by finished_at,
// incidents by started_at. Deployments of the same change (staging,
// production, a retry) share one Commits slice, so the batch must be treated
// as immutable, as model.Batch says. A now outside 1972–2260 gives an empty
// batch.
func Generate(now time.Time) *model.Batch {
	if !inRange(now) {
		return &model.Batch{}
	}
	return generate(model.StampOf(now.Add(-History)), model.StampOf(now), nil)
}

// inRange reports whether Generate accepts now.
func inRange(now time.Time) bool { return !now.Before(minNow) && !now.After(maxNow) }

// generate returns the events in (lo, now], times later than now absent,
// sorted as Generate documents. When causedBy is not nil it also records
// there, for every incident of the batch that names a deployment, that
// deployment's finished_at.
func generate(lo, now model.Stamp, causedBy map[string]model.Stamp) *model.Batch {
	g := &generator{now: now, lo: lo, causedBy: causedBy}
	days := int((now-lo)/model.Stamp(nsPerDay)) + 1
	// Sized once from the profiles' rates (the slices are most of the demo
	// source's memory): no growth, little unused capacity.
	g.b.Deployments = make([]model.Deployment, 0, deploymentsPerDay*days)
	g.b.Incidents = make([]model.Incident, 0, int(incidentsPerDay*float64(days))+64)

	first, last := floorDiv(int64(g.lo), nsPerDay)-1, floorDiv(int64(g.now), nsPerDay)+stagingDays
	for d := first; d <= last; d++ {
		date := time.Unix(d*86400, 0).UTC().Format("20060102")
		for si := range services {
			g.serviceDay(si, d, date)
		}
	}
	block := int64(pagerBlock)
	for b := floorDiv(int64(g.lo), block) - 1; b <= floorDiv(int64(g.now), block); b++ {
		g.pager(b)
	}
	period := int64(lingerPeriod)
	for c := floorDiv(int64(g.lo), period) - 1; c <= floorDiv(int64(g.now), period); c++ {
		g.linger(c)
	}

	slices.SortFunc(g.b.Deployments, func(a, b model.Deployment) int {
		return cmp.Or(cmp.Compare(a.FinishedAt, b.FinishedAt), cmp.Compare(a.ID, b.ID))
	})
	slices.SortFunc(g.b.Incidents, func(a, b model.Incident) int {
		return cmp.Or(cmp.Compare(a.StartedAt, b.StartedAt), cmp.Compare(a.ID, b.ID))
	})
	return &g.b
}

// deploymentsPerDay estimates the deployments (staging included) of one day,
// to size the batch once.
var deploymentsPerDay = func() int {
	total := 0.0
	for _, p := range services {
		total += p.perWeekday*(5+2*p.weekend)/7 + p.trainProb/7
	}
	return int(total*2.3) + 1
}()

// incidentsPerDay estimates the incidents of one day, with a tenth to
// spare, to size the batch once: the on-call and lingering streams, each
// service's unrelated incidents and those its deployments cause.
var incidentsPerDay = func() float64 {
	total := pagerShare*float64(24*time.Hour/pagerBlock) + float64(24*time.Hour)/float64(lingerPeriod)
	for _, p := range services {
		deploys := p.perWeekday*(5+2*p.weekend)/7 + p.trainProb/7
		total += p.incidentsPerDay + deploys*(0.6*p.pRolledBack+(1-p.pFailed-p.pRolledBack)*p.pIncident)
	}
	return total * 1.1
}()

// generator accumulates one Generate call's batch.
type generator struct {
	now, lo  model.Stamp // the batch holds events in (lo, now]
	b        model.Batch
	arena    []model.Commit         // commits are carved out of chunks of this
	causedBy map[string]model.Stamp // see generate; nil: not recorded
}

// inRange reports whether an event at t belongs to the batch.
func (g *generator) inRange(t model.Stamp) bool { return t > g.lo && t <= g.now }

// asOf hides t when it is later than now.
func (g *generator) asOf(t model.Stamp) model.Stamp {
	if t > g.now {
		return model.NoStamp
	}
	return t
}

// deploy adds a deployment when it falls in the batch and reports whether
// it did.
func (g *generator) deploy(d model.Deployment) bool {
	if !g.inRange(d.FinishedAt) {
		return false
	}
	g.b.Deployments = append(g.b.Deployments, d)
	return true
}

// incidentSpec is everything an incident is drawn from.
type incidentSpec struct {
	id, service, title string
	severity           model.Severity
	start              model.Stamp
	resolve            time.Duration // from start
	detectMedian       time.Duration
	pNoDetect, pNoAck  float64
}

// drawIncident draws the detection and acknowledgement of s and returns the
// whole incident, with every time it will ever have. SEV1 and SEV2
// incidents are restored faster than the service's usual.
func drawIncident(r *rng, s incidentSpec) model.Incident {
	detect := r.skewed(s.detectMedian, 0.9, 30*time.Second, 2*time.Hour)
	ack := r.skewed(3*time.Minute, 1.0, 15*time.Second, time.Hour)
	noDetect, noAck := r.chance(s.pNoDetect), r.chance(s.pNoAck)
	resolve := s.resolve
	switch s.severity { // the worse the incident, the more hands on it
	case 1:
		resolve /= 4
	case 2:
		resolve /= 2
	}
	resolve = max(resolve.Truncate(time.Second), detect+ack+5*time.Minute)
	inc := model.Incident{
		ID: s.id, Service: s.service, Title: s.title, Severity: s.severity,
		StartedAt:  s.start,
		ResolvedAt: s.start + model.Stamp(resolve),
	}
	if !noDetect {
		inc.DetectedAt = s.start + model.Stamp(detect)
	}
	if !noAck {
		inc.AcknowledgedAt = s.start + model.Stamp(detect+ack)
	}
	return inc
}

// addIncident adds inc when it started in the batch's range, with the times
// later than now left absent. An incident without an id (over its slot's
// numbers) is never added. It reports whether inc was added.
func (g *generator) addIncident(inc model.Incident) bool {
	if inc.ID == "" || !g.inRange(inc.StartedAt) {
		return false
	}
	inc.DetectedAt = g.asOf(inc.DetectedAt)
	inc.AcknowledgedAt = g.asOf(inc.AcknowledgedAt)
	inc.ResolvedAt = g.asOf(inc.ResolvedAt)
	g.b.Incidents = append(g.b.Incidents, inc)
	return true
}

// planned is one production deployment of a service's day before it gets
// its number: the number follows the order of the day's deployments, and
// follow-ups (retries, re-deployments) are drawn after the originals.
type planned struct {
	dep       model.Deployment // ID still empty
	stagingAt model.Stamp      // NoStamp: shipped without a staging deployment
	inc       model.Incident   // the incident it caused, when caused is set
	caused    bool
}

// serviceDay generates service si's deployments of day d (with their
// staging deployments, retries, re-deployments and the incidents they
// caused) and its unrelated incidents of that day. Every draw happens
// whatever now is; now only decides what is added.
func (g *generator) serviceDay(si int, d int64, date string) {
	p := &services[si]
	r := slotRNG(kindDeploy, p.seed, d)
	dayStart := model.Stamp(d * nsPerDay)
	var times [maxPerDay]time.Duration
	n := p.deployCount(&r, weekday(d))
	for i := range n {
		times[i] = p.deployTime(&r)
	}
	slices.Sort(times[:n])

	own := 0 // the slot's incident numbers in use
	nextIncidentID := func() string {
		own++
		if own > maxIncidentsPerSlot {
			return "" // over the slot's numbers: drawn, never added
		}
		return incidentID(d, incFirstOwn+si*maxIncidentsPerSlot+own-1)
	}
	var plan [2 * maxPerDay]planned
	np := 0
	add := func(pl planned) *planned {
		plan[np] = pl
		np++
		return &plan[np-1]
	}
	cause := func(pl *planned, rr *rng, start model.Stamp, resolve time.Duration) {
		pl.inc = drawIncident(rr, p.incidentSpec(rr, nextIncidentID(), start, resolve))
		pl.caused = true
	}
	for i := range n {
		at := dayStart + model.Stamp(times[i])
		u := r.float()
		stagingAt := at - model.Stamp(r.between(p.stagingMin, p.stagingMax))
		commits := g.newCommits(&r, p, si, d, i, stagingAt)
		prod := add(planned{stagingAt: stagingAt, dep: model.Deployment{Service: p.name,
			Environment: "production", FinishedAt: at, Commits: commits}})
		switch {
		case u < p.pFailed:
			// Nothing shipped: the team retries the same commits.
			prod.dep.Status = model.StatusFailed
			retry := prod.dep
			retry.Status = model.StatusSuccess
			retry.FinishedAt = at + model.Stamp(r.between(20*time.Minute, 2*time.Hour))
			add(planned{dep: retry})
		case u < p.pFailed+p.pRolledBack:
			// Shipped, broke something, rolled back; the same commits go
			// out again later with a fix on top.
			prod.dep.Status = model.StatusRolledBack
			redeployAt := at + model.Stamp(r.between(90*time.Minute, 8*time.Hour))
			if r.chance(0.6) {
				start := at + model.Stamp(r.between(2*time.Minute, 25*time.Minute))
				cause(prod, &r, start, r.skewed(p.restoreMedian, p.restoreSigma, 10*time.Minute, 20*24*time.Hour))
				redeployAt = max(redeployAt, prod.inc.ResolvedAt+model.Stamp(r.between(30*time.Minute, 3*time.Hour)))
			}
			fix := g.alloc(len(commits) + 1)
			copy(fix, commits)
			gap := time.Duration(redeployAt - at)
			fix[len(commits)] = model.Commit{
				SHA:         shortSHA(si, d, i, len(commits)),
				CommittedAt: at + model.Stamp(r.between(gap*3/10, gap*8/10)),
			}
			add(planned{dep: model.Deployment{Service: p.name, Environment: "production",
				FinishedAt: redeployAt, Status: model.StatusSuccess, Commits: fix}})
		default:
			if r.chance(p.pIncident) {
				start := at + model.Stamp(r.skewed(20*time.Minute, 1, 2*time.Minute, 6*time.Hour))
				cause(prod, &r, start, r.skewed(p.restoreMedian, p.restoreSigma, 5*time.Minute, 20*24*time.Hour))
			}
		}
	}

	// Stable: two deployments in the same second keep the order they were drawn in.
	slices.SortStableFunc(plan[:np], func(a, b planned) int { return cmp.Compare(a.dep.FinishedAt, b.dep.FinishedAt) })
	for k := range plan[:np] {
		pl := &plan[k]
		pl.dep.ID = deploymentID(p.name, "", date, k+1)
		if pl.stagingAt != model.NoStamp {
			g.deploy(model.Deployment{ID: deploymentID(p.name, "stg-", date, k+1), Service: p.name,
				Environment: "staging", FinishedAt: pl.stagingAt, Status: model.StatusSuccess, Commits: pl.dep.Commits})
		}
		// An incident is kept only with the deployment that caused it.
		if g.deploy(pl.dep) && pl.caused {
			pl.inc.DeploymentID = pl.dep.ID
			if g.addIncident(pl.inc) && g.causedBy != nil {
				g.causedBy[pl.dep.ID] = pl.dep.FinishedAt
			}
		}
	}

	// Incidents unrelated to any deployment.
	ri := slotRNG(kindIncident, p.seed, d)
	for range ri.poisson(p.incidentsPerDay) {
		start := dayStart + model.Stamp(ri.between(0, 24*time.Hour))
		resolve := ri.skewed(p.restoreMedian, p.restoreSigma, 5*time.Minute, 20*24*time.Hour)
		g.addIncident(drawIncident(&ri, p.incidentSpec(&ri, nextIncidentID(), start, resolve)))
	}
}

// pager generates on-call block b's alert, if the block has one: it opens a
// few minutes into the block and is resolved after the block ends, so it is
// open for as long as its block is the current one.
func (g *generator) pager(b int64) {
	r := slotRNG(kindPager, 0, b)
	if !r.chance(pagerShare) {
		return
	}
	blockStart := model.Stamp(b * int64(pagerBlock))
	start := blockStart + model.Stamp(r.between(2*time.Minute, 12*time.Minute))
	end := blockStart + model.Stamp(pagerBlock+r.skewed(25*time.Minute, 0.6, 5*time.Minute, 2*time.Hour))
	p := &services[r.pick(pagerWeights)]
	title := pagerTitles[r.intn(len(pagerTitles))]
	if r.chance(0.5) {
		title = p.titles[r.intn(len(p.titles))]
	}
	g.addIncident(drawIncident(&r, incidentSpec{
		id:      incidentID(floorDiv(b, 6), int(b-floorDiv(b, 6)*6)),
		service: p.name, title: title,
		severity: model.Severity(3 + r.pick([]int{45, 40, 15})),
		start:    start, resolve: time.Duration(end - start),
		detectMedian: 2 * time.Minute, pNoDetect: 0.03, pNoAck: 0.1,
	}))
}

// linger generates the long-running low-severity incident of stretch c. It
// opens within the stretch's first 12 hours and is resolved 13–30 hours
// into the next stretch, after that one's incident opened.
func (g *generator) linger(c int64) {
	r := slotRNG(kindLinger, 0, c)
	period := int64(lingerPeriod)
	start := model.Stamp(c*period) + model.Stamp(r.between(0, 12*time.Hour))
	end := model.Stamp((c+1)*period) + model.Stamp(r.between(13*time.Hour, 30*time.Hour))
	l := lingering[r.intn(len(lingering))]
	sev := model.Severity(4)
	if r.chance(0.3) {
		sev = 5
	}
	g.addIncident(drawIncident(&r, incidentSpec{
		id:      incidentID(floorDiv(int64(start), nsPerDay), incLingerSlot),
		service: l.service, title: l.title, severity: sev,
		start: start, resolve: time.Duration(end - start),
		detectMedian: 20 * time.Minute, pNoDetect: 0.05, pNoAck: 0.3,
	}))
}

// pagerWeights are the services' shares of the on-call stream.
var pagerWeights = func() []int {
	w := make([]int, len(services))
	for i, p := range services {
		w[i] = p.pagerWeight
	}
	return w
}()

// deployCount draws how many production deployments the service makes on a
// day that is a wd.
func (p *profile) deployCount(r *rng, wd time.Weekday) int {
	if p.trainProb > 0 {
		if wd == p.trainDay && r.chance(p.trainProb) {
			return 1
		}
		return 0
	}
	mean := p.perWeekday
	if wd == time.Saturday || wd == time.Sunday {
		mean *= p.weekend
	}
	return min(r.poisson(mean), maxPerDay)
}

// deployTime draws a deployment's time of day.
func (p *profile) deployTime(r *rng) time.Duration {
	if r.chance(p.offHours) {
		return r.between(0, 24*time.Hour)
	}
	return r.between(time.Duration(p.hourFrom)*time.Hour, time.Duration(p.hourTo)*time.Hour)
}

// incidentSpec draws the severity and title of one of the service's own
// incidents.
func (p *profile) incidentSpec(r *rng, id string, start model.Stamp, resolve time.Duration) incidentSpec {
	return incidentSpec{
		id: id, service: p.name, title: p.titles[r.intn(len(p.titles))],
		severity: model.Severity(r.pick(p.severity)), start: start, resolve: resolve,
		detectMedian: 4 * time.Minute, pNoDetect: 0.08, pNoAck: 0.12,
	}
}

// newCommits draws the commits of service si's deployment i of day d, all
// committed before the staging deployment at stagingAt.
func (g *generator) newCommits(r *rng, p *profile, si int, d int64, i int, stagingAt model.Stamp) []model.Commit {
	u := r.float()
	n := p.commitsMin + int(float64(p.commitsMax-p.commitsMin+1)*u*u)
	cs := g.alloc(n)
	for k := range cs {
		lead := r.skewed(p.leadMedian, p.leadSigma, 3*time.Minute, 60*24*time.Hour)
		cs[k] = model.Commit{SHA: shortSHA(si, d, i, k), CommittedAt: stagingAt - model.Stamp(lead)}
	}
	return cs
}

// alloc returns n zeroed commits carved from the arena; the slice's
// capacity is n so appending to it never touches a neighbour.
func (g *generator) alloc(n int) []model.Commit {
	if len(g.arena) < n {
		g.arena = make([]model.Commit, max(4096, n))
	}
	s := g.arena[:n:n]
	g.arena = g.arena[n:]
	return s
}

// shortSHA returns the 7-hex-digit sha of commit k of deployment i of
// service si on day d. The four numbers are packed into 28 bits and
// scrambled by a bijection, so shas are unique across the whole history
// (for 179 years) and still look random.
func shortSHA(si int, d int64, i, k int) string {
	x := scramble28((uint32(si)&7)<<25 | (uint32(d)&0xffff)<<9 | (uint32(i)&15)<<5 | uint32(k)&31)
	const hex = "0123456789abcdef"
	var b [7]byte
	for j := 6; j >= 0; j-- {
		b[j] = hex[x&15]
		x >>= 4
	}
	return string(b[:])
}

// scramble28 is a bijection of [0, 2^28): xor-shifts and odd multipliers
// modulo 2^28 are each invertible.
func scramble28(x uint32) uint32 {
	const mask = 1<<28 - 1
	x &= mask
	x ^= x >> 13
	x = (x * 0x5bd1e995) & mask
	x ^= x >> 15
	x = (x * 0x2c1b3c6d) & mask
	x ^= x >> 11
	return x
}

// deploymentID returns "<service>-<env><yyyymmdd>-<seq>", e.g.
// "checkout-20261120-3" or "checkout-stg-20261120-3".
func deploymentID(service, env, date string, seq int) string {
	b := make([]byte, 0, len(service)+len(env)+len(date)+5)
	b = append(b, service...)
	b = append(b, '-')
	b = append(b, env...)
	b = append(b, date...)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(seq), 10)
	return string(b)
}

// incidentID returns "INC-<n>" for slot k of day d.
func incidentID(d int64, k int) string {
	return "INC-" + strconv.FormatInt(d*incPerDay+int64(k), 10)
}

// weekday returns the weekday of day d since the Unix epoch (a Thursday).
func weekday(d int64) time.Weekday {
	return time.Weekday((d%7 + 7 + 4) % 7)
}

// floorDiv divides rounding toward negative infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
