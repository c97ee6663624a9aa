package poller

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"doradash/model"
	"doradash/sources"
)

// fakeSource is a scripted sources.Source. step(n) gives the outcome of the
// n-th Fetch (0-based); a nil step returns an empty batch.
type fakeSource struct {
	name    string
	step    func(n int) (sources.Result, error)
	hang    bool // Fetch blocks until ctx is done
	firstOK bool // with hang: the first Fetch succeeds, the later ones hang
	calls   atomic.Int32
	active  atomic.Int32 // concurrent Fetch calls in progress
	overlap atomic.Bool  // Fetch was ever entered concurrently

	mu     sync.Mutex
	starts []time.Time
}

func (f *fakeSource) Name() string   { return f.name }
func (f *fakeSource) Type() string   { return "fake" }
func (f *fakeSource) Target() string { return "fake://" + f.name }

func (f *fakeSource) Fetch(ctx context.Context) (sources.Result, error) {
	if f.active.Add(1) > 1 {
		f.overlap.Store(true)
	}
	defer f.active.Add(-1)
	n := int(f.calls.Add(1)) - 1
	f.mu.Lock()
	f.starts = append(f.starts, time.Now())
	f.mu.Unlock()
	if f.hang && !(f.firstOK && n == 0) {
		<-ctx.Done()
		return sources.Result{}, fmt.Errorf("fetch %s: %w", f.name, ctx.Err())
	}
	if f.step == nil {
		return sources.Result{Batch: &model.Batch{}}, nil
	}
	return f.step(n)
}

func (f *fakeSource) startTimes() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.starts...)
}

func deps(ids ...string) *model.Batch {
	b := &model.Batch{}
	for _, id := range ids {
		b.Deployments = append(b.Deployments, model.Deployment{ID: id, Service: "svc-" + id,
			Environment: "production", FinishedAt: model.StampOf(time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC))})
	}
	return b
}

func ok(b *model.Batch) func(int) (sources.Result, error) {
	return func(int) (sources.Result, error) { return sources.Result{Batch: b}, nil }
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var t0 = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func fixedClock() time.Time { return t0 }

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// awaitVersion reads ch until a version satisfies cond.
func awaitVersion(t *testing.T, ch <-chan *model.Version, what string, cond func(*model.Version) bool) *model.Version {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case v, open := <-ch:
			if !open {
				t.Fatalf("subscription closed while waiting for %s", what)
			}
			if cond(v) {
				return v
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func ids(ds *model.Dataset) []string {
	var out []string
	for _, d := range ds.Deployments {
		out = append(out, d.ID+"@"+d.Service)
	}
	return out
}

func TestLatestBeforeFirstPoll(t *testing.T) {
	p := New([]Entry{{Source: &fakeSource{name: "a"}, Interval: time.Minute}, {Source: &fakeSource{name: "b"}}}, Options{Clock: fixedClock})
	v := p.Latest()
	if v == nil || v.Data == nil {
		t.Fatal("Latest before the first poll must be a version with an empty dataset")
	}
	if v.Seq != 0 || len(v.Data.Deployments)+len(v.Data.Incidents) != 0 {
		t.Errorf("Seq %d, %d records; want 0 and none", v.Seq, len(v.Data.Deployments)+len(v.Data.Incidents))
	}
	want := []struct {
		name     string
		interval time.Duration
	}{{"a", time.Minute}, {"b", DefaultInterval}}
	if len(v.Sources) != len(want) {
		t.Fatalf("%d statuses, want %d", len(v.Sources), len(want))
	}
	for i, w := range want {
		s := v.Sources[i]
		if s.Name != w.name || s.State != model.SourcePending || s.OK || s.Interval != w.interval || s.Type != "fake" || s.Target != "fake://"+w.name {
			t.Errorf("status %d = %+v; want pending %s with interval %v", i, s, w.name, w.interval)
		}
	}
}

func TestPollOnceMergesAndFillsStatus(t *testing.T) {
	a := &fakeSource{name: "a", step: func(int) (sources.Result, error) {
		b := deps("1", "2")
		b.Incidents = []model.Incident{{ID: "INC-1", StartedAt: model.StampOf(t0)}}
		return sources.Result{Batch: b, Rejected: 2, FirstRejection: "deployments[3].id: missing"}, nil
	}}
	bb := deps("2", "3")
	bb.Deployments[0].Service = "from-b"
	b := &fakeSource{name: "b", step: ok(bb)}
	p := New([]Entry{{Source: a, Interval: time.Minute}, {Source: b, Interval: 2 * time.Minute}}, Options{Clock: fixedClock})

	v := p.PollOnce(context.Background())
	if v != p.Latest() {
		t.Error("PollOnce must return the version it published")
	}
	if v.Seq != 1 {
		t.Errorf("Seq = %d, want 1", v.Seq)
	}
	// Later source wins, at the position of its occurrence.
	if got, want := strings.Join(ids(v.Data), ","), "1@svc-1,2@from-b,3@svc-3"; got != want {
		t.Errorf("merged deployments %s, want %s", got, want)
	}
	if !v.Updated.Equal(t0) {
		t.Errorf("Updated = %v, want %v", v.Updated, t0)
	}
	tests := []model.SourceStatus{
		{Name: "a", Type: "fake", Target: "fake://a", State: model.SourceOK, OK: true, Deployments: 2, Incidents: 1,
			Rejected: 2, FirstRejection: "deployments[3].id: missing", LastSuccess: t0, LastAttempt: t0, Interval: time.Minute,
			StaleAt: t0.Add(2*time.Minute + time.Nanosecond)},
		{Name: "b", Type: "fake", Target: "fake://b", State: model.SourceOK, OK: true, Deployments: 2,
			LastSuccess: t0, LastAttempt: t0, Interval: 2 * time.Minute, StaleAt: t0.Add(4*time.Minute + time.Nanosecond)},
	}
	for i, want := range tests {
		got := v.Sources[i]
		got.LastDuration = 0 // real time, not deterministic
		if got != want {
			t.Errorf("status %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
	if a.calls.Load() != 1 || b.calls.Load() != 1 {
		t.Errorf("calls a=%d b=%d, want 1 each", a.calls.Load(), b.calls.Load())
	}
}

func TestFailingSourceKeepsLastGoodData(t *testing.T) {
	clk := &fakeClock{t: t0}
	errDown := errors.New("HTTP 503 Service Unavailable: \"upstream timeout\"")
	script := []error{nil, errDown, errDown, nil}
	src := &fakeSource{name: "inc", step: func(n int) (sources.Result, error) {
		if err := script[n]; err != nil {
			return sources.Result{}, err
		}
		return sources.Result{Batch: deps("d1", "d2"), Rejected: 1, FirstRejection: "line 3: bad"}, nil
	}}
	other := &fakeSource{name: "other", step: func(n int) (sources.Result, error) {
		if n == 0 {
			return sources.Result{Batch: deps("x")}, nil
		}
		return sources.Result{Unchanged: true}, nil
	}}
	p := New([]Entry{{Source: src, Interval: time.Minute}, {Source: other, Interval: time.Minute}}, Options{Clock: clk.Now})

	first := p.PollOnce(context.Background())
	wantIDs := "d1@svc-d1,d2@svc-d2,x@svc-x"
	if got := strings.Join(ids(first.Data), ","); got != wantIDs {
		t.Fatalf("first poll data %s, want %s", got, wantIDs)
	}

	steps := []struct {
		name         string
		state        model.SourceState
		ok           bool
		failures     int
		err          string
		failingSince time.Time
		lastSuccess  time.Time
	}{
		{"first failure", model.SourceFailing, false, 1, errDown.Error(), t0.Add(time.Minute), t0},
		{"second failure", model.SourceFailing, false, 2, errDown.Error(), t0.Add(time.Minute), t0},
		{"recovered", model.SourceOK, true, 0, "", time.Time{}, t0.Add(3 * time.Minute)},
	}
	for _, st := range steps {
		clk.Advance(time.Minute)
		v := p.PollOnce(context.Background())
		if got := strings.Join(ids(v.Data), ","); got != wantIDs {
			t.Errorf("%s: data %s, want the last good data %s", st.name, got, wantIDs)
		}
		s := v.Sources[0]
		if s.State != st.state || s.OK != st.ok || s.Failures != st.failures || s.Error != st.err ||
			!s.FailingSince.Equal(st.failingSince) || !s.LastSuccess.Equal(st.lastSuccess) {
			t.Errorf("%s: status %+v", st.name, s)
		}
		if !s.LastAttempt.Equal(clk.Now()) {
			t.Errorf("%s: LastAttempt %v, want %v", st.name, s.LastAttempt, clk.Now())
		}
		if s.Deployments != 2 || s.Rejected != 1 || s.FirstRejection != "line 3: bad" {
			t.Errorf("%s: counts of the last good batch lost: %+v", st.name, s)
		}
		if st.state == model.SourceFailing && v.Data != first.Data {
			t.Errorf("%s: a failure must keep the old Dataset pointer, not re-merge", st.name)
		}
	}
}

func TestUnchangedKeepsDatasetAndRejections(t *testing.T) {
	src := &fakeSource{name: "f", step: func(n int) (sources.Result, error) {
		if n == 0 {
			return sources.Result{Batch: deps("1"), Rejected: 3, FirstRejection: "line 1: x"}, nil
		}
		return sources.Result{Unchanged: true}, nil
	}}
	clk := &fakeClock{t: t0}
	p := New([]Entry{{Source: src}}, Options{Clock: clk.Now})
	v1 := p.PollOnce(context.Background())
	clk.Advance(time.Second)
	v2 := p.PollOnce(context.Background())
	if v2.Data != v1.Data {
		t.Error("Unchanged must keep the Dataset pointer")
	}
	if v2.Seq != v1.Seq+1 {
		t.Errorf("Seq %d after %d", v2.Seq, v1.Seq)
	}
	if !v2.Updated.Equal(t0) {
		t.Errorf("Updated moved to %v on an unchanged poll", v2.Updated)
	}
	s := v2.Sources[0]
	if s.Rejected != 3 || s.FirstRejection != "line 1: x" || s.Deployments != 1 || !s.LastSuccess.Equal(t0.Add(time.Second)) || s.State != model.SourceOK {
		t.Errorf("status after unchanged poll: %+v", s)
	}
	if &v1.Sources[0] == &v2.Sources[0] {
		t.Error("each version needs its own Sources slice")
	}
}

func TestBackoffSchedule(t *testing.T) {
	tests := []struct {
		name     string
		interval time.Duration
		floor    time.Duration
		jitter   float64
		want     []float64 // seconds, for failures 1, 2, 3, ...
	}{
		{"doubles then caps", 30 * time.Second, time.Second, 0,
			[]float64{1, 2, 4, 8, 16, 30, 30, 30}},
		{"full jitter adds half, still capped", 30 * time.Second, time.Second, 0.999999999,
			[]float64{1.5, 3, 6, 12, 24, 30, 30}},
		{"interval below floor: floor wins", 500 * time.Millisecond, time.Second, 0.5,
			[]float64{1, 1, 1}},
		{"interval equal to floor", time.Second, time.Second, 0.9,
			[]float64{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, w := range tt.want {
				want := time.Duration(w * float64(time.Second))
				got := Backoff(i+1, tt.interval, tt.floor, tt.jitter)
				if got < want-time.Millisecond || got > want+time.Millisecond {
					t.Errorf("failures %d: %v, want %v", i+1, got, want)
				}
			}
		})
	}
}

func TestBackoffBounds(t *testing.T) {
	floor := time.Second
	for _, interval := range []time.Duration{100 * time.Millisecond, time.Second, 7 * time.Second, time.Hour} {
		for _, j := range []float64{0, 0.25, 0.5, 0.99, -1, 2} {
			prev := time.Duration(0)
			for n := 0; n <= 80; n++ {
				d := Backoff(n, interval, floor, j)
				if d < floor || d > max(interval, floor) {
					t.Fatalf("Backoff(%d, %v, %v, %v) = %v outside [floor, interval]", n, interval, floor, j, d)
				}
				if d < prev {
					t.Fatalf("Backoff(%d, %v, …, %v) = %v shrank from %v", n, interval, j, d, prev)
				}
				prev = d
			}
		}
	}
}

func TestStateOf(t *testing.T) {
	const iv = time.Minute
	tests := []struct {
		name string
		s    *sourceState
		now  time.Time
		want model.SourceState
	}{
		{"never polled", &sourceState{}, t0, model.SourcePending},
		{"first attempt running, young", &sourceState{inFlightSince: t0}, t0.Add(2 * iv), model.SourcePending},
		{"first attempt hung: no data yet, not stale", &sourceState{inFlightSince: t0}, t0.Add(10 * iv), model.SourcePending},
		{"ok and fresh", &sourceState{polled: true, ok: true, lastSuccess: t0}, t0.Add(2 * iv), model.SourceOK},
		{"ok but too old (hung poll)", &sourceState{polled: true, ok: true, lastSuccess: t0, inFlightSince: t0.Add(iv)}, t0.Add(2*iv + 1), model.SourceStale},
		{"failing and fresh", &sourceState{polled: true, failures: 1, lastSuccess: t0}, t0.Add(iv), model.SourceFailing},
		{"failing beats stale", &sourceState{polled: true, failures: 5, lastSuccess: t0}, t0.Add(10 * iv), model.SourceFailing},
		{"failing from the start", &sourceState{polled: true, failures: 1}, t0.Add(10 * iv), model.SourceFailing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.s.interval = iv
			if got := stateOf(tt.s, tt.now); got != tt.want {
				t.Errorf("state %s, want %s", got, tt.want)
			}
		})
	}
}

func TestStaleAppearsWithoutPolls(t *testing.T) {
	clk := &fakeClock{t: t0}
	src := &fakeSource{name: "s", step: ok(deps("1"))}
	p := New([]Entry{{Source: src, Interval: time.Minute}}, Options{Clock: clk.Now})
	p.PollOnce(context.Background())
	clk.Advance(2*time.Minute + time.Second)
	if !p.stateChanged() {
		t.Fatal("the clock alone moved the source past 2 intervals: the state must change")
	}
	if p.stateChanged() {
		t.Error("a second evaluation without change must report none")
	}
	v := p.publish()
	if v.Sources[0].State != model.SourceStale || !v.Sources[0].OK {
		t.Errorf("status %+v, want stale with the last poll ok", v.Sources[0])
	}
}

// logRecorder collects log messages.
type logRecorder struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logRecorder) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

func (l *logRecorder) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.String() }

func TestStateChangesAreLoggedOnce(t *testing.T) {
	fail := errors.New("connection refused")
	script := []error{nil, fail, fail, fail, nil, nil}
	src := &fakeSource{name: "api", step: func(n int) (sources.Result, error) {
		return sources.Result{Batch: deps("1")}, script[n]
	}}
	var rec logRecorder
	p := New([]Entry{{Source: src}}, Options{Clock: fixedClock, Logger: slog.New(slog.NewTextHandler(&rec, nil))})
	for range script {
		p.PollOnce(context.Background())
	}
	out := rec.String()
	if n := strings.Count(out, "source failing"); n != 1 {
		t.Errorf("%d 'source failing' lines, want 1:\n%s", n, out)
	}
	if n := strings.Count(out, "source recovered"); n != 1 {
		t.Errorf("%d 'source recovered' lines, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "connection refused") || !strings.Contains(out, "source=api") {
		t.Errorf("failing line must name the source and the error:\n%s", out)
	}
}

func TestPollOnceCancelledIsNotAFailure(t *testing.T) {
	src := &fakeSource{name: "h", hang: true}
	p := New([]Entry{{Source: src}}, Options{Clock: fixedClock})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *model.Version)
	go func() { done <- p.PollOnce(ctx) }()
	waitFor(t, "fetch to start", 5*time.Second, func() bool { return src.calls.Load() == 1 })
	cancel()
	select {
	case v := <-done:
		if s := v.Sources[0]; s.State != model.SourcePending || s.Failures != 0 || s.Error != "" {
			t.Errorf("a poll cut short by cancellation was recorded: %+v", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("PollOnce did not return after cancel")
	}
}

func TestRunRetriesWithBackoffAndRecovers(t *testing.T) {
	const floor = 20 * time.Millisecond
	fail := errors.New("HTTP 500 Internal Server Error")
	src := &fakeSource{name: "flaky", step: func(n int) (sources.Result, error) {
		if n < 3 {
			return sources.Result{}, fail
		}
		return sources.Result{Batch: deps("back")}, nil
	}}
	var rec logRecorder
	p := New([]Entry{{Source: src, Interval: time.Hour}}, Options{MinBackoff: floor, Rand: func() float64 { return 0 },
		Logger: slog.New(slog.NewTextHandler(&rec, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := p.Subscribe(ctx)
	runDone := make(chan struct{})
	go func() { defer close(runDone); p.Run(ctx) }()

	v := awaitVersion(t, ch, "recovery", func(v *model.Version) bool { return v.Sources[0].State == model.SourceOK })
	if got := strings.Join(ids(v.Data), ","); got != "back@svc-back" {
		t.Errorf("data after recovery %q", got)
	}
	if v.Sources[0].Failures != 0 || v.Sources[0].Error != "" {
		t.Errorf("recovered status %+v", v.Sources[0])
	}
	if out := rec.String(); strings.Count(out, "source failing") != 1 || strings.Count(out, "source recovered") != 1 {
		t.Errorf("want one failing and one recovered line:\n%s", out)
	}
	starts := src.startTimes()
	if len(starts) != 4 {
		t.Fatalf("%d fetches, want 4 (3 failures, 1 success, then the 1h interval)", len(starts))
	}
	// The gaps must be at least the backoff: floor, 2·floor, 4·floor.
	for i := 1; i < len(starts); i++ {
		want := Backoff(i, time.Hour, floor, 0)
		if gap := starts[i].Sub(starts[i-1]); gap < want {
			t.Errorf("gap before attempt %d is %v, want ≥ %v", i+1, gap, want)
		}
	}
	cancel()
	<-runDone
}

func TestHungSourceDoesNotDelayOthers(t *testing.T) {
	hung := &fakeSource{name: "hung", hang: true, firstOK: true}
	var n atomic.Int32
	fast := &fakeSource{name: "fast", step: func(int) (sources.Result, error) {
		return sources.Result{Batch: deps(fmt.Sprint("f", n.Add(1)))}, nil
	}}
	p := New([]Entry{{Source: hung, Interval: 30 * time.Millisecond}, {Source: fast, Interval: 5 * time.Millisecond}},
		Options{MinBackoff: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := p.Subscribe(ctx)
	runDone := make(chan struct{})
	go func() { defer close(runDone); p.Run(ctx) }()

	v := awaitVersion(t, ch, "several fast updates", func(v *model.Version) bool {
		if len(v.Data.Deployments) != 1 {
			return false
		}
		k, err := strconv.Atoi(strings.TrimPrefix(v.Data.Deployments[0].ID, "f"))
		return err == nil && k >= 3
	})
	if st := v.Sources[0].State; st == model.SourceFailing {
		t.Errorf("hung source state %s", st)
	}
	awaitVersion(t, ch, "hung source turning stale", func(v *model.Version) bool {
		return v.Sources[0].State == model.SourceStale && v.Sources[1].State == model.SourceOK
	})
	if hung.calls.Load() != 2 {
		t.Errorf("hung source fetched %d times, want 2 (one success, one hung)", hung.calls.Load())
	}
	cancel()
	select {
	case <-runDone:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel with a hung fetch")
	}
}

func TestSlowSubscriberGetsLatestOnly(t *testing.T) {
	src := &fakeSource{name: "s"}
	p := New([]Entry{{Source: src}}, Options{Clock: fixedClock})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slow := p.Subscribe(ctx) // never read until the end
	fast := p.Subscribe(ctx)
	if v := <-fast; v.Seq != 0 {
		t.Fatalf("first delivery Seq %d, want the current version 0", v.Seq)
	}
	const rounds = 50
	for i := 1; i <= rounds; i++ {
		done := make(chan *model.Version)
		go func() { done <- p.PollOnce(ctx) }()
		select {
		case v := <-done:
			if got := <-fast; got != v {
				t.Fatalf("round %d: fast subscriber got Seq %d, want %d", i, got.Seq, v.Seq)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("round %d: publishing blocked on a slow subscriber", i)
		}
	}
	select {
	case v := <-slow:
		if v.Seq != rounds {
			t.Errorf("slow subscriber got Seq %d, want only the newest, %d", v.Seq, rounds)
		}
	default:
		t.Fatal("slow subscriber has nothing waiting")
	}
	select {
	case v := <-slow:
		t.Errorf("slow subscriber has a second version waiting (Seq %d)", v.Seq)
	default:
	}
}

func TestSubscribeDeliversEachVersionOnceInOrder(t *testing.T) {
	src := &fakeSource{name: "s", step: ok(deps("1"))}
	p := New([]Entry{{Source: src, Interval: time.Millisecond}}, Options{MinBackoff: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runDone := make(chan struct{})
	go func() { defer close(runDone); p.Run(ctx) }()
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Go(func() {
			sctx, scancel := context.WithCancel(ctx)
			defer scancel()
			ch := p.Subscribe(sctx)
			var last uint64
			seen := 0
			for v := range ch {
				if seen > 0 && v.Seq <= last {
					t.Errorf("reader %d: Seq %d after %d", r, v.Seq, last)
				}
				last, seen = v.Seq, seen+1
				if seen == 20 {
					scancel()
				}
			}
		})
	}
	wg.Wait()
	cancel()
	<-runDone
}

func TestSubscribeClosesOnCancel(t *testing.T) {
	p := New([]Entry{{Source: &fakeSource{name: "s"}}}, Options{})
	pre, cancelPre := context.WithCancel(context.Background())
	cancelPre()
	if _, open := <-p.Subscribe(pre); open {
		t.Error("Subscribe with a cancelled ctx must return a closed channel")
	}

	ctx, cancel := context.WithCancel(context.Background())
	ch := p.Subscribe(ctx)
	<-ch
	cancel()
	select {
	case _, open := <-ch:
		if open {
			// A version may race the close; the next receive must be the close.
			if _, open = <-ch; open {
				t.Error("channel still open after cancel")
			}
		}
	case <-time.After(5 * time.Second):
		t.Fatal("channel not closed after cancel")
	}
	p.PollOnce(context.Background()) // publishing after the close must not panic
	p.subsMu.Lock()
	n := len(p.subs)
	p.subsMu.Unlock()
	if n != 0 {
		t.Errorf("%d subscribers left registered after cancel", n)
	}
}

func TestRefreshIsCoalescedAndFloored(t *testing.T) {
	const floor = 150 * time.Millisecond
	src := &fakeSource{name: "s"}
	p := New([]Entry{{Source: src, Interval: time.Hour}}, Options{MinBackoff: floor})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runDone := make(chan struct{})
	go func() { defer close(runDone); p.Run(ctx) }()
	waitFor(t, "the first poll", 5*time.Second, func() bool { return src.calls.Load() == 1 })
	for range 10 {
		p.Refresh()
	}
	waitFor(t, "the refresh poll", 5*time.Second, func() bool { return src.calls.Load() == 2 })
	time.Sleep(3 * floor)
	if n := src.calls.Load(); n != 2 {
		t.Errorf("%d fetches after 10 coalesced refreshes, want 2", n)
	}
	starts := src.startTimes()
	if gap := starts[1].Sub(starts[0]); gap < floor {
		t.Errorf("refresh polled %v after the previous attempt, floor is %v", gap, floor)
	}
	cancel()
	<-runDone
}

func TestRefreshBeforeRunIsAnsweredByTheFirstPoll(t *testing.T) {
	const floor = 50 * time.Millisecond
	src := &fakeSource{name: "s"}
	p := New([]Entry{{Source: src, Interval: time.Hour}}, Options{MinBackoff: floor})
	p.Refresh()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runDone := make(chan struct{})
	go func() { defer close(runDone); p.Run(ctx) }()
	waitFor(t, "the first poll", 5*time.Second, func() bool { return src.calls.Load() == 1 })
	time.Sleep(4 * floor)
	if n := src.calls.Load(); n != 1 {
		t.Errorf("%d fetches; a refresh requested before Run must be answered by the first poll", n)
	}
	cancel()
	<-runDone
}

func TestHungSourceAloneTurnsStale(t *testing.T) {
	hung := &fakeSource{name: "hung", hang: true, firstOK: true}
	p := New([]Entry{{Source: hung, Interval: 20 * time.Millisecond}}, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := p.Subscribe(ctx)
	runDone := make(chan struct{})
	go func() { defer close(runDone); p.Run(ctx) }()
	v := awaitVersion(t, ch, "stale without a second poll completing", func(v *model.Version) bool {
		return v.Sources[0].State == model.SourceStale
	})
	if v.Seq == 0 || hung.calls.Load() != 2 {
		t.Errorf("version %d, status %+v", v.Seq, v.Sources[0])
	}
	cancel()
	<-runDone
}

func TestFetchNeverConcurrentPerSource(t *testing.T) {
	src := &fakeSource{name: "s", step: func(int) (sources.Result, error) {
		time.Sleep(time.Millisecond)
		return sources.Result{Batch: deps("1")}, nil
	}}
	p := New([]Entry{{Source: src, Interval: time.Millisecond}}, Options{MinBackoff: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	go func() { defer close(runDone); p.Run(ctx) }()
	for range 20 {
		p.PollOnce(ctx)
		p.Refresh()
	}
	cancel()
	<-runDone
	if src.overlap.Load() {
		t.Error("Fetch was called concurrently on one source")
	}
}

func TestRunTwicePanics(t *testing.T) {
	p := New(nil, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p.Run(ctx)
	defer func() {
		if recover() == nil {
			t.Error("second Run did not panic")
		}
	}()
	p.Run(ctx)
}

type closerSource struct {
	fakeSource
	closed atomic.Bool
}

func (c *closerSource) CloseIdleConnections() { c.closed.Store(true) }

func TestRunEndsEveryGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	closer := &closerSource{fakeSource: fakeSource{name: "c"}}
	p := New([]Entry{
		{Source: &fakeSource{name: "hung", hang: true}, Interval: 10 * time.Millisecond},
		{Source: &fakeSource{name: "fails", step: func(int) (sources.Result, error) { return sources.Result{}, errors.New("no") }}, Interval: 10 * time.Millisecond},
		{Source: closer, Interval: 5 * time.Millisecond},
	}, Options{MinBackoff: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	for range 3 {
		_ = p.Subscribe(ctx) // never read; closed by cancel
	}
	runDone := make(chan struct{})
	go func() { defer close(runDone); p.Run(ctx) }()
	waitFor(t, "some polls", 5*time.Second, func() bool { return closer.calls.Load() >= 3 })
	cancel()
	select {
	case <-runDone:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if !closer.closed.Load() {
		t.Error("Run did not close the idle connections of a source that has them")
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines after Run returned, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFailingSourceKeepsItsDataInTheReport(t *testing.T) {
	clk := &fakeClock{t: t0}
	var down atomic.Bool
	src := &fakeSource{name: "deploys", step: func(int) (sources.Result, error) {
		if down.Load() {
			return sources.Result{}, errors.New("HTTP 502 Bad Gateway")
		}
		return sources.Result{Batch: deps("a", "b", "c")}, nil
	}}
	p := New([]Entry{{Source: src, Interval: time.Minute}}, Options{Clock: clk.Now})
	report := func(v *model.Version) *model.Report {
		r := model.Compute(v.Data, model.Query{End: t0.Add(time.Hour), Days: 7})
		r.Sources = model.SourceReports(v.Sources)
		return r
	}
	before := report(p.PollOnce(context.Background()))
	if before.DeploymentFrequency.Count != 3 {
		t.Fatalf("deployments counted before the failure: %d, want 3", before.DeploymentFrequency.Count)
	}
	down.Store(true)
	clk.Advance(time.Minute)
	after := report(p.PollOnce(context.Background()))
	if after.DeploymentFrequency.Count != before.DeploymentFrequency.Count {
		t.Errorf("deployments counted after the failure: %d, want the old %d", after.DeploymentFrequency.Count, before.DeploymentFrequency.Count)
	}
	s := after.Sources[0]
	if s.OK || s.State != model.SourceFailing || s.Error == nil || *s.Error != "HTTP 502 Bad Gateway" ||
		s.Deployments != 3 || s.LastSuccess == nil || !s.LastSuccess.Equal(t0) {
		t.Errorf("report source entry %+v", s)
	}
}

// BenchmarkPublish measures publishing one version (no new data) to 100
// subscribers, half of which never read.
func BenchmarkPublish(b *testing.B) {
	src := &fakeSource{name: "s", step: ok(deps("1"))}
	p := New([]Entry{{Source: src}}, Options{})
	p.PollOnce(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for i := range 100 {
		ch := p.Subscribe(ctx)
		if i%2 == 0 {
			wg.Go(func() {
				for range ch {
				}
			})
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		p.publish()
	}
	cancel()
	wg.Wait()
}

// BenchmarkPublishMerge1M measures a publish that re-merges 1M deployments
// spread over 4 sources, the worst case a slow merge puts on publishing.
func BenchmarkPublishMerge1M(b *testing.B) {
	const perSource = 250_000
	var entries []Entry
	for s := range 4 {
		batch := &model.Batch{Deployments: make([]model.Deployment, perSource)}
		for i := range batch.Deployments {
			batch.Deployments[i] = model.Deployment{ID: fmt.Sprintf("%d-%d", s, i), Service: "svc", Environment: "production",
				FinishedAt: model.StampOf(t0)}
		}
		entries = append(entries, Entry{Source: &fakeSource{name: fmt.Sprint(s), step: ok(batch)}})
	}
	p := New(entries, Options{})
	p.PollOnce(context.Background())
	b.ReportAllocs()
	for b.Loop() {
		p.mu.Lock()
		p.dirty = true
		p.mu.Unlock()
		p.publish()
	}
}

// TestStatusCountsDistinctRecords: a source that repeats an id holds one
// record for it (SPEC §1: within a source the later occurrence wins), so
// its status counts it once, as the dataset does.
func TestStatusCountsDistinctRecords(t *testing.T) {
	b := deps("x", "x", "y", "x")
	b.Incidents = []model.Incident{{ID: "i"}, {ID: "i"}}
	p := New([]Entry{{Source: &fakeSource{name: "a", step: ok(b)}}}, Options{Clock: fixedClock})
	v := p.PollOnce(context.Background())
	if got := len(v.Data.Deployments); got != 2 {
		t.Fatalf("dataset holds %d deployments, want 2", got)
	}
	st := v.Sources[0]
	if st.Deployments != 2 || st.Incidents != 1 {
		t.Fatalf("status counts %d deployments, %d incidents; want 2 and 1", st.Deployments, st.Incidents)
	}
}
