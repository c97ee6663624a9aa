package model

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The benchmark data set of the core issue, built in memory (the decoder
// has its own benchmark): 1,000,000 deployments with 1–5 commits each over
// 40 services and two years, and 100,000 incidents.
const (
	benchDeployments = 1_000_000
	benchIncidents   = 100_000
	benchServices    = 40
)

var (
	benchOnce sync.Once
	benchDS   *Dataset
)

func benchDataset() *Dataset {
	benchOnce.Do(func() {
		rng := rand.New(rand.NewPCG(42, 7))
		span := int64(730 * 24 * time.Hour)
		start := StampOf(end) - Stamp(span)
		services := make([]string, benchServices)
		for i := range services {
			services[i] = fmt.Sprintf("svc-%02d", i)
		}
		envs := []string{"production", "production", "production", "staging", "Production"}
		b := &Batch{Deployments: make([]Deployment, benchDeployments), Incidents: make([]Incident, benchIncidents)}
		for i := range b.Deployments {
			fin := start + Stamp(rng.Int64N(span))
			d := Deployment{ID: "d-" + strconv.Itoa(i), Service: services[rng.IntN(benchServices)],
				Environment: envs[rng.IntN(len(envs))], FinishedAt: fin}
			switch r := rng.IntN(100); {
			case r < 5:
				d.Status = StatusFailed
			case r < 10:
				d.Status = StatusRolledBack
			}
			n := 1 + rng.IntN(5)
			d.Commits = make([]Commit, n)
			for j := range d.Commits {
				// Some shas repeat, as re-deployed commits do.
				d.Commits[j] = Commit{SHA: strconv.FormatUint(uint64(rng.IntN(benchDeployments*3)), 16),
					CommittedAt: fin - Stamp(rng.Int64N(int64(72*time.Hour)))}
			}
			b.Deployments[i] = d
		}
		for i := range b.Incidents {
			st := start + Stamp(rng.Int64N(span))
			in := Incident{ID: "i-" + strconv.Itoa(i), Service: services[rng.IntN(benchServices)],
				Severity: Severity(rng.IntN(6)), StartedAt: st,
				DetectedAt: st + Stamp(rng.Int64N(int64(time.Hour))), AcknowledgedAt: st + Stamp(rng.Int64N(int64(2*time.Hour)))}
			if rng.IntN(50) > 0 {
				in.ResolvedAt = st + Stamp(rng.Int64N(int64(48*time.Hour)))
			}
			if rng.IntN(4) == 0 {
				in.DeploymentID = "d-" + strconv.Itoa(rng.IntN(benchDeployments))
			}
			b.Incidents[i] = in
		}
		benchDS = Merge(b)
	})
	return benchDS
}

// BenchmarkCompute measures Compute (the window and the previous one) over
// the 1M-deployment data set, with and without links by time; the target
// is under 500 ms on one core (go test -bench Compute -benchmem -cpu 1
// ./model/). The links' timeline is built once per dataset, on first use
// (BenchmarkTimeline), so it is built before the loop.
func BenchmarkCompute(b *testing.B) {
	ds := benchDataset()
	for _, days := range []int{30, 366} {
		for _, svc := range [][]string{nil, {"svc-07"}} {
			for _, link := range []time.Duration{0, 2 * time.Hour} {
				name := fmt.Sprintf("window=%dd/services=%d", days, len(svc))
				if link > 0 {
					name += "/link=" + link.String()
				}
				b.Run(name, func(b *testing.B) {
					q := Query{End: end, Days: days, Services: svc, LinkWithin: link}
					ds.timeline()
					b.ReportAllocs()
					for b.Loop() {
						if r := Compute(ds, q); r.DeploymentFrequency.Count == 0 {
							b.Fatal("empty report")
						}
					}
				})
			}
		}
	}
}

// BenchmarkTimeline measures building the order links by time search in,
// which happens once per dataset on the first Compute with a link limit.
func BenchmarkTimeline(b *testing.B) {
	ds := benchDataset()
	b.ReportAllocs()
	for b.Loop() {
		buildTimeline(ds)
	}
}

// BenchmarkLinks measures what links by time add to every Compute over
// the built timeline: resolving every incident's link once.
func BenchmarkLinks(b *testing.B) {
	ds := benchDataset()
	ds.timeline()
	f := newFilter(ds, Query{})
	b.ReportAllocs()
	for b.Loop() {
		newLinks(ds, f, 2*time.Hour)
	}
}

// BenchmarkMerge measures building a Dataset (dedupe and indexes) from one
// 1M-deployment batch, which happens once per new data, not per frame.
func BenchmarkMerge(b *testing.B) {
	ds := benchDataset()
	batch := &Batch{Deployments: ds.Deployments, Incidents: ds.Incidents}
	b.ReportAllocs()
	for b.Loop() {
		Merge(batch)
	}
}
