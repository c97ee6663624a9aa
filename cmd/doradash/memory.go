package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// The dashboard's heap is small (about 3 MiB live on the demo data) and it
// allocates little while idle, so the default GOGC=100 lets it grow to
// twice its live size over the first minute and keep those pages: 3–4 MiB
// of resident memory for nothing. tightHeap instead sets a soft memory
// limit, after every GC, of what the runtime needs besides the heap plus
// the live heap plus a headroom: the GC runs when the heap has grown by
// the headroom, and the runtime returns the pages it freed. The headroom
// grows with the heap (headroomFor), so that large data (file sources of
// hundreds of MB) keep GOGC's usual doubling and its GC cost; only heaps
// under 32 MiB collect more often than with GOGC=100.
const (
	// minHeadroom is how much a small heap may grow between GCs: at the
	// idle dashboard's tens of KB a second, one GC every half a minute or so.
	minHeadroom = 1 << 20
	// fullHeadroomAt is the live heap from which the headroom is the live
	// heap itself, as with GOGC=100.
	fullHeadroomAt = 32 << 20
)

// headroomFor returns how much the heap may grow past live before the
// next GC: minHeadroom for small heaps, rising as live²/fullHeadroomAt to
// live itself (GOGC=100) from fullHeadroomAt on.
func headroomFor(live uint64) uint64 {
	if live >= fullHeadroomAt {
		return live
	}
	return max(minHeadroom, live*live/fullHeadroomAt)
}

// memSample names the runtime metrics readLimit reads, in the order of
// heapLimit's parameters.
var memSample = []string{
	"/memory/classes/total:bytes",
	"/memory/classes/heap/released:bytes",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/objects:bytes",
	"/gc/heap/live:bytes",
}

// readLimit returns heapLimit of the runtime's state, read into s
// (memSample), and the live heap it is for.
func readLimit(s []metrics.Sample) (limit int64, live uint64) {
	metrics.Read(s)
	v := func(i int) uint64 {
		if s[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return s[i].Value.Uint64()
	}
	live = v(4)
	if live == 0 {
		live = v(3)
	}
	return heapLimit(v(0), v(1), v(2), v(3), v(4)), live
}

// procsFor is how many Ps (GOMAXPROCS) the dashboard runs with over a
// live heap of live bytes on a machine of cpus: one while the heap is
// small, every CPU from fullHeadroomAt on. Each P keeps a span of every
// size class it allocates from, about 1 MiB of resident heap that an
// idle dashboard over small data has no use for (its computations take
// milliseconds and run in one goroutine each); large data gets the
// machine back for decoding, computing and the GC.
func procsFor(live uint64, cpus int) int {
	if live >= fullHeadroomAt {
		return cpus
	}
	return 1
}

// heapLimit returns the soft memory limit for a runtime that has mapped
// total bytes, of which released were returned to the OS, free are free
// heap pages and objects are heap objects, live of them marked by the last
// GC: the memory the runtime holds besides the heap's objects and free
// pages (metadata, stacks, the unused ends of spans), plus the live heap,
// plus its headroom, plus the reserve the runtime keeps below the limit.
// Before the first GC, when live is not known yet (0), the heap's objects
// stand in for it.
func heapLimit(total, released, free, objects, live uint64) int64 {
	if live == 0 {
		live = objects
	}
	other := uint64(0)
	if held := released + free + objects; total > held {
		other = total - held
	}
	goal := addSat(live, headroomFor(live))
	// The runtime aims the heap at 3 % of the limit, at least 1 MiB, below
	// what the limit allows (runtime.memoryLimitHeapGoal).
	limit := addSat(addSat(other, goal), max(1<<20, goal/97*3))
	return int64(min(limit, math.MaxInt64))
}

// addSat returns a+b, or the largest uint64 when that overflows.
func addSat(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

// tightHeap keeps the process's heap close to its live data (see
// minHeadroom) until stop is called, which restores the previous limit.
// It re-computes the limit after every GC cycle. A limit the user set
// (GOMEMLIMIT) is left alone.
func tightHeap() (stop func()) {
	if debug.SetMemoryLimit(-1) != math.MaxInt64 {
		return func() {}
	}
	samples := make([]metrics.Sample, len(memSample))
	for i, name := range memSample {
		samples[i].Name = name
	}
	var (
		mu      sync.Mutex
		stopped bool
	)
	// GOMAXPROCS set by the user is theirs; else procsFor decides.
	procs := runtime.GOMAXPROCS(0)
	ownProcs := os.Getenv("GOMAXPROCS") == ""
	update := func() {
		limit, live := readLimit(samples)
		debug.SetMemoryLimit(limit)
		if n := procsFor(live, procs); ownProcs && n != runtime.GOMAXPROCS(0) {
			runtime.GOMAXPROCS(n)
		}
	}
	update()
	// A cleanup runs once after the GC cycle that found its sentinel
	// unreachable; each run arms the next one. When the next cycle has
	// already begun, the new sentinel is allocated marked and outlives it,
	// and the limit just computed from the older cycle's live heap (which
	// can be a transient high at start) would stay until a cycle the heap
	// may take minutes to trigger: the limit is computed again a second
	// later, when that cycle has long finished.
	var arm func()
	locked := func(f func()) func() {
		return func() {
			mu.Lock()
			defer mu.Unlock()
			if !stopped {
				f()
			}
		}
	}
	arm = func() {
		runtime.AddCleanup(new(gcSentinel), func(struct{}) {
			locked(func() {
				update()
				arm()
				time.AfterFunc(time.Second, locked(update))
			})()
		}, struct{}{})
	}
	arm()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		debug.SetMemoryLimit(math.MaxInt64)
		if ownProcs {
			runtime.GOMAXPROCS(procs)
		}
	}
}

// gcSentinel is big enough not to share a tiny-allocator block, whose
// cleanups may never run.
type gcSentinel struct{ _ [2]*byte }
