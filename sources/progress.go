package sources

import (
	"fmt"
	"time"

	"doradash/model"
)

// Progress is what a source that reads an API page by page (SPEC §8)
// tells about itself besides its data: whether its first full read is
// still under way, whether it waits for a rate limit, and what it cost.
type Progress struct {
	// Syncing is true until the source's first full read is done; Detail
	// then says how far it got ("412 deployments, page 5").
	Syncing bool
	Detail  string
	// RateLimitedUntil is the reset the source waits for; zero when it is
	// not rate limited.
	RateLimitedUntil time.Time
	// Requests counts the HTTP requests made since the source was built;
	// Cached those of them answered with 304, plus the answers taken from
	// the cache without any request.
	Requests, Cached int
	// RateLimit and RateRemaining are the vendor's last reported limit and
	// remaining requests; -1 when no response said so yet.
	RateLimit, RateRemaining int
	// RateReset is when the vendor's current rate-limit window ends (zero
	// when unknown).
	RateReset time.Time
}

// Reporter is an optional interface of sources that read an API page by
// page. The poller calls Observe once, before any Fetch.
//
// Contract: the source calls fn from inside Fetch only (never after Fetch
// returned, never concurrently with itself), with its current progress and,
// when it has read something new worth showing, a partial batch of
// everything it knows so far (nil: no new data). fn must return quickly
// and must not call back into the source; the batch then belongs to the
// caller. Progress returns the source's current progress at any time, from
// any goroutine.
type Reporter interface {
	Observe(fn func(p Progress, partial *model.Batch))
	Progress() Progress
}

// RateLimitedError is the error of a Fetch that stopped to wait for a rate
// limit's reset longer than it may wait. It is not a failure: the caller
// keeps its data (and takes Partial when set, which holds everything the
// source knows, older data included), shows the source as rate limited
// and polls again no sooner than Until.
type RateLimitedError struct {
	Until   time.Time
	Partial *model.Batch
	// Rejected and FirstRejection describe Partial as Result does.
	Rejected       int
	FirstRejection string
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("rate limited until %s", e.Until.Local().Format("15:04:05"))
}
