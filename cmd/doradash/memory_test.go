package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
)

func TestHeadroomFor(t *testing.T) {
	const MiB = 1 << 20
	tests := []struct {
		live, want uint64
	}{
		{0, MiB},
		{3 * MiB, MiB},         // the demo dashboard: 1 MiB, not 3
		{8 * MiB, 2 * MiB},     // live²/32 MiB
		{16 * MiB, 8 * MiB},    //
		{32 * MiB, 32 * MiB},   // from here GOGC=100's doubling
		{300 * MiB, 300 * MiB}, // a large file source
		{math.MaxUint64 / 4, math.MaxUint64 / 4},
	}
	for _, tt := range tests {
		if got := headroomFor(tt.live); got != tt.want {
			t.Errorf("headroomFor(%d) = %d, want %d", tt.live, got, tt.want)
		}
	}
}

func TestHeapLimit(t *testing.T) {
	const MiB = 1 << 20
	tests := []struct {
		name                                 string
		total, released, free, objects, live uint64
		want                                 int64
	}{
		// other = 12-3-1-4 = 4 MiB; goal = 3+1 MiB; reserve 1 MiB.
		{"small heap", 12 * MiB, 3 * MiB, 1 * MiB, 4 * MiB, 3 * MiB, 9 * MiB},
		// Before the first GC the objects stand in for live.
		{"before the first GC", 8 * MiB, 2 * MiB, 0, 2 * MiB, 0, (4 + 2 + 1 + 1) * MiB},
		// other = 1 GiB - 0 - 100 - 800 = 124 MiB; goal = 600 MiB; reserve 3 % of it.
		{"large heap", 1024 * MiB, 0, 100 * MiB, 800 * MiB, 300 * MiB, 124*MiB + 600*MiB + 600*MiB/97*3},
		// Counters read mid-update never make other negative.
		{"inconsistent counters", 4 * MiB, 2 * MiB, 2 * MiB, 2 * MiB, 2 * MiB, (0 + 3 + 1) * MiB},
		{"overflow", math.MaxUint64, 0, 0, 0, math.MaxUint64 / 2, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := heapLimit(tt.total, tt.released, tt.free, tt.objects, tt.live); got != tt.want {
				t.Errorf("heapLimit = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestProcsFor(t *testing.T) {
	for _, c := range []struct {
		live uint64
		cpus int
		want int
	}{
		{0, 8, 1}, {3 << 20, 2, 1}, {fullHeadroomAt - 1, 4, 1}, {fullHeadroomAt, 4, 4}, {1 << 30, 2, 2}, {1 << 30, 1, 1},
	} {
		if got := procsFor(c.live, c.cpus); got != c.want {
			t.Errorf("procsFor(%d, %d) = %d, want %d", c.live, c.cpus, got, c.want)
		}
	}
}

func TestTightHeapSetsAndRestoresTheLimit(t *testing.T) {
	if os.Getenv("GOMAXPROCS") != "" {
		t.Skip("GOMAXPROCS is set: tightHeap leaves it alone")
	}
	prev := debug.SetMemoryLimit(-1)
	procs := runtime.GOMAXPROCS(0)
	stop := tightHeap()
	got := debug.SetMemoryLimit(-1)
	gotProcs := runtime.GOMAXPROCS(0)
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	stop()
	if want := procsFor(live[0].Value.Uint64(), procs); gotProcs != want {
		t.Errorf("GOMAXPROCS while tight over a live heap of %d = %d, want %d", live[0].Value.Uint64(), gotProcs, want)
	}
	if after := runtime.GOMAXPROCS(0); after != procs {
		t.Errorf("GOMAXPROCS after stop = %d, want %d restored", after, procs)
	}
	if got <= 0 || got == math.MaxInt64 || got == prev {
		t.Errorf("limit while tight = %d, want a finite limit (was %d)", got, prev)
	}
	if after := debug.SetMemoryLimit(-1); after != prev {
		t.Errorf("limit after stop = %d, want %d restored", after, prev)
	}
}

func TestTightHeapLeavesGOMEMLIMITAlone(t *testing.T) {
	prev := debug.SetMemoryLimit(64 << 20)
	defer debug.SetMemoryLimit(prev)
	stop := tightHeap()
	got := debug.SetMemoryLimit(-1)
	stop()
	if got != 64<<20 {
		t.Errorf("limit = %d, want the user's %d", got, 64<<20)
	}
}
