package main

import (
	"context"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"doradash/cmd/doradash/internal/reports"
	"doradash/model"
	"doradash/sources/demo"
	"doradash/ui"
)

// versionFeed is a ui.Feed whose versions the test publishes; delivery is
// latest-only, as the poller's.
type versionFeed struct {
	mu   sync.Mutex
	cur  *model.Version
	subs map[chan *model.Version]bool
}

func (f *versionFeed) Subscribe(ctx context.Context) <-chan *model.Version {
	ch := make(chan *model.Version, 1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subs == nil {
		f.subs = map[chan *model.Version]bool{}
	}
	f.subs[ch] = true
	if f.cur != nil {
		ch <- f.cur
	}
	context.AfterFunc(ctx, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.subs, ch)
		close(ch)
	})
	return ch
}

func (f *versionFeed) Refresh() {}

func (f *versionFeed) publish(v *model.Version) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cur = v
	for ch := range f.subs {
		select { // keep only the newest
		case <-ch:
		default:
		}
		ch <- v
	}
}

// countingReports counts the snapshots the dashboards asked for.
type countingReports struct {
	ui.Reports
	asked atomic.Int64
}

func (c *countingReports) Share(ds *model.Dataset, key string, end time.Time, compute func() any) any {
	defer c.asked.Add(1)
	return c.Reports.Share(ds, key, end, compute)
}

var sharedNow = time.Date(2026, 11, 20, 14, 3, 22, 0, time.UTC)

func sharedVersion(seq uint64, ds *model.Dataset) *model.Version {
	return &model.Version{Seq: seq, Data: ds, Sources: []model.SourceStatus{
		{Name: "demo", Type: "demo", State: model.SourceOK, OK: true, LastSuccess: sharedNow}}}
}

// runSessions runs n dashboards over feed, each a real Bubble Tea program
// without a terminal, until the returned stop is called.
func runSessions(t testing.TB, feed ui.Feed, shared ui.Reports, days []int) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, d := range days {
		m := ui.New(ui.Options{Feed: feed, Clock: func() time.Time { return sharedNow }, Query: model.Query{Days: d}, Reports: shared})
		p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(nil), tea.WithOutput(io.Discard),
			tea.WithoutRenderer(), tea.WithoutSignalHandler())
		wg.Go(func() {
			p.Run()
			m.Close()
		})
	}
	return func() { cancel(); wg.Wait() }
}

// waitFor waits until cond holds; a minute is a hung test, not slowness.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestSessionsShareOneComputation: 50 dashboards on one view and 10 on
// another compute once per view for each new dataset; a new status with
// the same data computes nothing.
func TestSessionsShareOneComputation(t *testing.T) {
	cache := reports.New(0)
	shared := &countingReports{Reports: newUIReports(cache, true)}
	base := model.Merge(demo.Generate(sharedNow))
	feed := &versionFeed{}
	feed.publish(sharedVersion(1, base))
	days := make([]int, 60)
	for i := range days {
		days[i] = 30
		if i >= 50 {
			days[i] = 7
		}
	}
	stop := runSessions(t, feed, shared, days)
	defer stop()

	waitFor(t, "60 sessions computed the first version", func() bool { return shared.asked.Load() == 60 })
	if n := cache.Computes(); n != 2 {
		t.Fatalf("first version: %d computations for 2 views, want 2", n)
	}
	for i := range 3 {
		next := *base // a new dataset: the same records, another version
		feed.publish(sharedVersion(uint64(i+2), &next))
		waitFor(t, "every session computed the new version", func() bool { return shared.asked.Load() == int64(60*(i+2)) })
		if n, want := cache.Computes(), int64(2*(i+2)); n != want {
			t.Fatalf("data change %d: %d computations in all, want %d", i+1, n, want)
		}
	}
	if cache.Len() > 4 {
		t.Errorf("%d cache entries for 2 views over the two newest datasets", cache.Len())
	}
}

// TestUIReportsSameView: with a live clock one minute is one view, with a
// fixed clock only the exact instant.
func TestUIReportsSameView(t *testing.T) {
	ds := model.Merge()
	t1 := time.Date(2026, 11, 20, 14, 3, 0, 0, time.UTC)
	for _, c := range []struct {
		fixed bool
		ends  []time.Time
		want  int64
	}{
		{false, []time.Time{t1.Add(time.Second), t1.Add(59 * time.Second), t1}, 1},
		{false, []time.Time{t1.Add(59 * time.Second), t1.Add(time.Minute)}, 2},
		{true, []time.Time{t1.Add(time.Second), t1.Add(time.Second)}, 1},
		{true, []time.Time{t1.Add(time.Second), t1.Add(2 * time.Second)}, 2},
	} {
		cache := reports.New(0)
		r := newUIReports(cache, c.fixed)
		var first any
		for i, end := range c.ends {
			v := r.Share(ds, "k", end, func() any { return end })
			if i == 0 {
				first = v
			}
			if c.want == 1 && v != first {
				t.Errorf("fixed=%v %v: got the value of %v, want the first %v", c.fixed, end, v, first)
			}
		}
		if cache.Computes() != c.want {
			t.Errorf("fixed=%v ends %v: %d computations, want %d", c.fixed, c.ends, cache.Computes(), c.want)
		}
	}
}

// BenchmarkSessionsNewVersion is the CPU time of n dashboards on one view
// taking a new dataset (demo data), per session (cpu-ns/session: the
// process's user and system time, so it includes the test's own polling):
// shared computes once for all, alone computes in every session.
func BenchmarkSessionsNewVersion(b *testing.B) {
	for _, mode := range []string{"alone", "shared"} {
		for _, n := range []int{50, 200} {
			b.Run(mode+"/sessions="+strconv.Itoa(n), func(b *testing.B) {
				var shared *countingReports
				var cache *reports.Cache
				if mode == "shared" {
					cache = reports.New(0)
					shared = &countingReports{Reports: newUIReports(cache, true)}
				}
				asked := &atomic.Int64{}
				var r ui.Reports = countAlone{asked}
				if shared != nil {
					r = shared
					asked = &shared.asked
				}
				base := model.Merge(demo.Generate(sharedNow))
				feed := &versionFeed{}
				feed.publish(sharedVersion(1, base))
				days := make([]int, n)
				for i := range days {
					days[i] = 30
				}
				stop := runSessions(b, feed, r, days)
				defer stop()
				waitFor(b, "first version", func() bool { return asked.Load() == int64(n) })
				b.ResetTimer()
				cpu0 := processCPU()
				for i := range b.N {
					next := *base
					feed.publish(sharedVersion(uint64(i+2), &next))
					waitFor(b, "every session computed", func() bool { return asked.Load() == int64(n*(i+2)) })
				}
				b.StopTimer()
				cpu := processCPU() - cpu0
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/session")
			})
		}
	}
}

// processCPU is the CPU time (user and system) the process used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// countAlone counts the dashboards' computations without sharing them.
type countAlone struct{ asked *atomic.Int64 }

func (c countAlone) Share(_ *model.Dataset, _ string, _ time.Time, compute func() any) any {
	defer c.asked.Add(1)
	return compute()
}
