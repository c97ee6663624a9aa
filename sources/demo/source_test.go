package demo

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"doradash/model"
)

func TestSourceIdentity(t *testing.T) {
	s := New("demo-1", nil)
	if s.Name() != "demo-1" || s.Type() != "demo" || s.Target() != "built-in demo data" {
		t.Fatalf("Name/Type/Target = %q/%q/%q", s.Name(), s.Type(), s.Target())
	}
}

// quietStep finds a step after now over which the batch does not change, so
// the table below holds a "clock moved, nothing happened" case by
// construction rather than by luck.
func quietStep(t *testing.T, now time.Time) time.Duration {
	t.Helper()
	b := Generate(now)
	for _, d := range []time.Duration{time.Second, 10 * time.Second, time.Minute} {
		if reflect.DeepEqual(b, Generate(now.Add(d))) {
			return d
		}
	}
	t.Fatalf("no quiet step after %v", now)
	return 0
}

func TestFetchUnchanged(t *testing.T) {
	quiet := quietStep(t, base)
	// Each step moves the clock; Fetch must report Unchanged exactly when
	// Generate gives a deep-equal batch.
	steps := []time.Duration{0, 0, quiet, 0, 4 * time.Hour, time.Nanosecond, 24 * time.Hour, 30 * time.Second,
		5 * time.Minute, 7 * 24 * time.Hour, 0, -2 * time.Hour}
	now := base
	clock := func() time.Time { return now }
	s := New("demo", clock)
	var prev time.Time
	sawQuiet, sawChange := false, false
	for i, step := range steps {
		now = now.Add(step)
		res, err := s.Fetch(context.Background())
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		want := Generate(now)
		same := i > 0 && reflect.DeepEqual(want, Generate(prev))
		if res.Unchanged != same {
			t.Fatalf("step %d (%v): Unchanged = %v, want %v", i, step, res.Unchanged, same)
		}
		switch {
		case res.Unchanged && res.Batch != nil:
			t.Fatalf("step %d: Unchanged with a batch", i)
		case !res.Unchanged && !reflect.DeepEqual(res.Batch, want):
			t.Fatalf("step %d: the batch is not Generate(now)", i)
		}
		if res.Rejected != 0 || res.FirstRejection != "" {
			t.Fatalf("step %d: rejections %d %q", i, res.Rejected, res.FirstRejection)
		}
		sawQuiet = sawQuiet || (same && step != 0)
		sawChange = sawChange || (!same && i > 0)
		prev = now
	}
	if !sawQuiet || !sawChange {
		t.Fatalf("the table lacks a quiet move (%v) or a change (%v)", sawQuiet, sawChange)
	}
}

func TestFetchCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := New("demo", func() time.Time { return base })
	res, err := s.Fetch(ctx)
	if !errors.Is(err, context.Canceled) || res.Batch != nil {
		t.Fatalf("Fetch on a cancelled context = %+v, %v; want an error wrapping context.Canceled", res, err)
	}
	// A failed Fetch leaves no state behind: the next one delivers.
	res, err = s.Fetch(context.Background())
	if err != nil || res.Batch == nil {
		t.Fatalf("Fetch after a cancelled one = %+v, %v", res.Unchanged, err)
	}
}

func TestFetchConcurrent(t *testing.T) {
	var mu sync.Mutex
	now := base
	s := New("demo", func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Hour)
		return now
	})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := s.Fetch(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func BenchmarkFetchUnchanged(b *testing.B) {
	s := New("demo", func() time.Time { return base })
	if _, err := s.Fetch(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if res, _ := s.Fetch(context.Background()); !res.Unchanged {
			b.Fatal("changed")
		}
	}
}

// TestFetchSeesTimesAppear moves the clock across the instant an incident
// gets detected, acknowledged or resolved, with nothing else happening:
// Fetch must deliver, not report Unchanged.
func TestFetchSeesTimesAppear(t *testing.T) {
	fields := []struct {
		name string
		get  func(*model.Incident) model.Stamp
	}{
		{"detected_at", func(i *model.Incident) model.Stamp { return i.DetectedAt }},
		{"acknowledged_at", func(i *model.Incident) model.Stamp { return i.AcknowledgedAt }},
		{"resolved_at", func(i *model.Incident) model.Stamp { return i.ResolvedAt }},
	}
	for _, f := range fields {
		t.Run(f.name, func(t *testing.T) {
			// Find an instant T at which only this field of one incident
			// comes to pass: absent at T-1s, present at T, and the batches
			// at T-1s and T differ in nothing else.
			var at time.Time
			for _, inc := range Generate(base.Add(10 * 24 * time.Hour)).Incidents {
				when := f.get(&inc)
				if !when.IsSet() || when.Time().Before(base) || inc.StartedAt >= when-model.Stamp(time.Second) {
					continue
				}
				before, after := Generate(when.Time().Add(-time.Second)), Generate(when.Time())
				if reflect.DeepEqual(before.Deployments, after.Deployments) && len(before.Incidents) == len(after.Incidents) {
					at = when.Time()
					break
				}
			}
			if at.IsZero() {
				t.Fatal("no incident gets its " + f.name + " alone in the next days")
			}
			now := at.Add(-time.Second)
			s := New("demo", func() time.Time { return now })
			if res, err := s.Fetch(context.Background()); err != nil || res.Unchanged {
				t.Fatalf("first Fetch: %v, %v", res.Unchanged, err)
			}
			now = at
			res, err := s.Fetch(context.Background())
			if err != nil || res.Unchanged || !reflect.DeepEqual(res.Batch, Generate(at)) {
				t.Fatalf("Fetch across %s at %v: Unchanged %v, %v", f.name, at, res.Unchanged, err)
			}
		})
	}
}

// TestFetchFollowsGenerate walks the clock over several days in uneven
// steps, across the cache's horizon and back: every Fetch is exactly
// Generate(now), and Unchanged exactly when that did not change.
func TestFetchFollowsGenerate(t *testing.T) {
	now := base
	s := New("demo", func() time.Time { return now })
	var prev *model.Batch
	step := 41*time.Minute + 7*time.Second
	for i := range 110 {
		if i == 90 {
			step = -5 * time.Hour // back in time, inside and then before the cache
		}
		now = now.Add(step)
		res, err := s.Fetch(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := Generate(now)
		if res.Unchanged {
			if !reflect.DeepEqual(want, prev) {
				t.Fatalf("step %d at %v: Unchanged, but Generate changed", i, now)
			}
			continue
		}
		if prev != nil && reflect.DeepEqual(want, prev) {
			t.Fatalf("step %d at %v: a batch although nothing changed", i, now)
		}
		if !reflect.DeepEqual(res.Batch, want) {
			t.Fatalf("step %d at %v: the batch is not Generate(now)", i, now)
		}
		prev = want
	}
}

// BenchmarkFetchQuiet is the demo source's idle cost: a poll every five
// seconds that mostly finds nothing new.
func BenchmarkFetchQuiet(b *testing.B) {
	now := base
	s := New("demo", func() time.Time { return now })
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(5 * time.Second)
		if _, err := s.Fetch(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// The cache knows, for every incident that names a deployment, when that
// deployment finished, without an index of every deployment.
func TestCacheCausedBy(t *testing.T) {
	for _, now := range instants(10) {
		c := newCache(now)
		finished := map[string]model.Stamp{}
		for _, d := range c.all.Deployments {
			finished[d.ID] = d.FinishedAt
		}
		want := map[string]model.Stamp{}
		for _, in := range c.all.Incidents {
			if in.DeploymentID != "" {
				want[in.DeploymentID] = finished[in.DeploymentID]
			}
		}
		if len(want) == 0 {
			t.Fatalf("%v: no incident names a deployment", now)
		}
		if !reflect.DeepEqual(c.causedBy, want) {
			t.Errorf("%v: causedBy has %d entries, want %d", now, len(c.causedBy), len(want))
		}
	}
}

// BenchmarkNewCache is the demo source's cost at start and once a day:
// generating 401 days of events.
func BenchmarkNewCache(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		newCache(base.Add(time.Duration(i) * time.Hour))
	}
}
