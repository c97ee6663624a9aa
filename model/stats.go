package model

// nanosPerSecond converts the model's nanosecond durations to the seconds
// of the report.
const nanosPerSecond = 1e9

// durationStats computes a Stats block over durations in nanoseconds.
// Negative durations must already be left out. It reorders ds.
func durationStats(ds []int64) Stats { return summarize(ds, nanosPerSecond) }

// SeriesStats computes the statistics of SPEC §3 (count, median, mean,
// nearest-rank p90) over plain values, for series that are not durations
// (per-day counts and rates). It reorders xs. The same code computes
// every statistic of the report.
func SeriesStats(xs []float64) Stats { return summarize(xs, 1) }

// summarize is the statistics block of xs divided by unit. It reorders
// xs.
func summarize[T int64 | float64](xs []T, unit float64) Stats {
	n := len(xs)
	if n == 0 {
		return Stats{}
	}
	var sum float64
	for _, d := range xs {
		sum += float64(d)
	}
	mean := sum / float64(n) / unit
	median, p90 := quantiles(xs, unit)
	return Stats{Count: n, Median: &median, Mean: &mean, P90: &p90}
}

// quantiles returns the median and the nearest-rank p90 of xs (not
// empty) divided by unit. It reorders xs.
func quantiles[T int64 | float64](xs []T, unit float64) (median, p90 float64) {
	n := len(xs)
	// p90 is nearest-rank: rank ceil(0.9 n), 1-based; in integers that is
	// (9n+9)/10.
	p90 = float64(selectKth(xs, (9*n+9)/10-1)) / unit
	if n%2 == 1 {
		return float64(selectKth(xs, n/2)) / unit, p90
	}
	hi := selectKth(xs, n/2)
	// After selecting n/2, everything left of it is ≤ it: the largest of
	// those is the other middle value.
	lo := xs[0]
	for _, d := range xs[1 : n/2] {
		lo = max(lo, d)
	}
	return (float64(lo) + float64(hi)) / 2 / unit, p90
}

// selectKth reorders a so that a[k] holds the k-th smallest value (0-based),
// everything before it is ≤ a[k] and everything after ≥ a[k], and returns
// a[k]. Expected linear time (quickselect with median-of-three pivots,
// falling back to insertion sort on short ranges).
func selectKth[T int64 | float64](a []T, k int) T {
	lo, hi := 0, len(a)-1
	for hi-lo > 16 {
		mid := lo + (hi-lo)/2
		// Median of three to the middle, then use it as pivot.
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi] < a[mid] {
			a[hi], a[mid] = a[mid], a[hi]
		}
		pivot := a[mid]
		// Hoare partition.
		i, j := lo, hi
		for i <= j {
			for a[i] < pivot {
				i++
			}
			for a[j] > pivot {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return a[k]
		}
	}
	for i := lo + 1; i <= hi; i++ {
		for j := i; j > lo && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
	return a[k]
}
