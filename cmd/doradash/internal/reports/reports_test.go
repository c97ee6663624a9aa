package reports

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"doradash/model"
)

func TestConcurrentCallersComputeOnce(t *testing.T) {
	c := New(8)
	ds := model.Merge()
	var n atomic.Int64
	release := make(chan struct{})
	var wg sync.WaitGroup
	got := make([]any, 50)
	for i := range got {
		wg.Go(func() {
			got[i], _ = c.Get(context.Background(), ds, "k", func() any {
				n.Add(1)
				<-release // every other caller arrives while this one computes
				return new(int)
			})
		})
	}
	for c.Computes() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if n.Load() != 1 || c.Computes() != 1 {
		t.Fatalf("%d computations (counted %d), want 1", n.Load(), c.Computes())
	}
	for i := range got {
		if got[i] != got[0] {
			t.Fatalf("caller %d got another value", i)
		}
	}
	if _, ok := c.Get(context.Background(), ds, "other", func() any { return 1 }); !ok || c.Computes() != 2 {
		t.Errorf("another key: %d computations, want 2", c.Computes())
	}
}

func TestBounded(t *testing.T) {
	c := New(3)
	ds := model.Merge()
	for i := range 10 {
		c.Get(context.Background(), ds, strconv.Itoa(i), func() any { return i })
	}
	if c.Len() != 3 {
		t.Errorf("%d entries, want 3", c.Len())
	}
	if v, _ := c.Get(context.Background(), ds, "9", func() any { return -1 }); v != 9 || c.Computes() != 10 {
		t.Errorf("the newest entry was not kept: %v, %d computations", v, c.Computes())
	}
	if v, _ := c.Get(context.Background(), ds, "0", func() any { return -1 }); v != -1 {
		t.Errorf("the oldest entry was kept: %v", v)
	}
	if len(c.order) > 4*3+1 {
		t.Errorf("%d keys remembered for 3 entries", len(c.order))
	}
}

func TestOnlyTheTwoNewestDatasetsAreKept(t *testing.T) {
	c := New(100)
	a, b, d := model.Merge(), model.Merge(), model.Merge()
	get := func(ds *model.Dataset) { c.Get(context.Background(), ds, "k", func() any { return ds }) }
	get(a)
	get(b)
	get(a) // a session still on the older dataset: cached
	if c.Computes() != 2 {
		t.Fatalf("%d computations, want 2", c.Computes())
	}
	get(d)
	if c.Len() != 2 {
		t.Errorf("%d entries after a third dataset, want 2", c.Len())
	}
	for k := range c.entries {
		if k.data == a {
			t.Error("the oldest dataset is still kept")
		}
	}
	for _, k := range c.order {
		if k.data == a {
			t.Error("a stale key keeps the oldest dataset alive")
		}
	}
}

func TestPanicLetsTheNextCallerCompute(t *testing.T) {
	c := New(4)
	ds := model.Merge()
	func() {
		defer func() { recover() }()
		c.Get(context.Background(), ds, "k", func() any { panic("boom") })
	}()
	if v, ok := c.Get(context.Background(), ds, "k", func() any { return 7 }); !ok || v != 7 {
		t.Errorf("after a panic: %v, %v; want 7, true", v, ok)
	}
}

func TestWaiterGivesUpWithItsContext(t *testing.T) {
	c := New(4)
	ds := model.Merge()
	started, release := make(chan struct{}), make(chan struct{})
	go c.Get(context.Background(), ds, "k", func() any { close(started); <-release; return 1 })
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, ok := c.Get(ctx, ds, "k", func() any { return 2 }); ok {
		t.Error("a cancelled waiter got a value")
	}
	close(release)
}

// TestUnusedEntriesAreDropped: with a live clock every key moves on to
// the next minute; the entries of earlier minutes go once nobody asked
// for them within Unused, while an entry still asked for stays.
func TestUnusedEntriesAreDropped(t *testing.T) {
	c := New(100)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	ds := model.Merge()
	get := func(key string) any {
		v, _ := c.Get(context.Background(), ds, key, func() any { return key + "@" + now.Format("15:04") })
		return v
	}
	for i := range 10 { // ten minutes of a live clock, one key each
		get("minute " + strconv.Itoa(i))
		get("kept") // asked for every minute
		now = now.Add(time.Minute)
	}
	if got := get("kept"); got != "kept@12:00" {
		t.Errorf("an entry asked for every minute was recomputed: %v", got)
	}
	// Entries unused for more than Unused are gone; the sweep runs at
	// most every Unused/4, so one or two more may linger.
	if n := c.Len(); n > 2+int(Unused/time.Minute)+2 {
		t.Errorf("%d entries after 10 minutes, want about %d", n, 2+int(Unused/time.Minute))
	}
	if got := get("minute 0"); got == "minute 0@12:00" {
		t.Error("the entry of minute 0 outlived Unused")
	}
	if got := get("minute 9"); got != "minute 9@12:09" {
		t.Errorf("a recent entry was dropped: %v", got)
	}
}
