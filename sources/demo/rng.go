package demo

import (
	"math"
	"time"
)

// rng is a small deterministic generator (SplitMix64) seeded from a slot's
// key, so the events of a slot never depend on anything but that key: not
// on now, not on other slots, not on global state.
type rng struct{ s uint64 }

// mix64 is SplitMix64's finaliser: a bijective avalanche of z.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// slotRNG returns the generator of one slot: a stream kind (deployments,
// incidents, pager, …), an owner (a service's seed, or 0) and the slot's
// index in its own unit (a day, a 4-hour block, …).
func slotRNG(kind, owner uint64, slot int64) rng {
	return rng{s: mix64(mix64(kind*0x9e3779b97f4a7c15^owner) ^ uint64(slot))}
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// float returns a uniform value in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// intn returns a value in [0, n); n must be positive. The modulo bias is
// far below anything a dashboard can show.
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

// between returns a uniform duration in [lo, hi), in whole seconds (so
// every generated timestamp is).
func (r *rng) between(lo, hi time.Duration) time.Duration {
	return (lo + time.Duration(r.float()*float64(hi-lo))).Truncate(time.Second)
}

// normal returns a standard normal value (Box–Muller).
func (r *rng) normal() float64 {
	u1 := 1 - r.float() // (0, 1]: the logarithm stays finite
	u2 := r.float()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// skewed returns a log-normal duration with the given median and shape,
// clamped to [lo, hi]: most values near the median, a long tail above it,
// which is how lead times and restore times are distributed in practice.
// Whole seconds, like between.
func (r *rng) skewed(median time.Duration, sigma float64, lo, hi time.Duration) time.Duration {
	d := time.Duration(float64(median) * math.Exp(sigma*r.normal()))
	return min(max(d, lo), hi).Truncate(time.Second)
}

// poisson returns a Poisson-distributed count with the given mean (Knuth's
// method; the means used here are small).
func (r *rng) poisson(mean float64) int {
	if mean <= 0 {
		return 0
	}
	limit := math.Exp(-mean)
	k, p := 0, r.float()
	for p > limit {
		k++
		p *= r.float()
	}
	return k
}

// pick returns an index drawn with the given non-negative weights; their sum
// must be positive.
func (r *rng) pick(weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := r.intn(total)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}
