// Package sources defines how events reach doradash: the Source contract,
// the decoder of the native JSON and NDJSON formats, and the file source.
// The HTTP source, the demo generator and the poller that schedules sources
// live in sub-packages.
package sources

import (
	"context"
	"errors"

	"doradash/model"
)

// Source is one place events come from: a file, an HTTP endpoint, the demo
// generator.
//
// Contract:
//   - Fetch polls the source once and returns its complete current content.
//     The returned Batch belongs to the caller; the source never touches it
//     again.
//   - When the source can tell that nothing changed since its last
//     successful Fetch (HTTP 304, a file with the same size and modification
//     time) it returns a Result with Unchanged set and a nil Batch; the
//     caller keeps the data it has.
//   - A non-nil error means the poll failed as a whole; the caller keeps the
//     last good data. Records rejected one by one are not an error: they are
//     counted in Result.Rejected.
//   - Fetch returns promptly once ctx is cancelled, with an error wrapping
//     ctx.Err(), and leaves no goroutine behind.
//   - The poller never calls Fetch on the same Source concurrently; different
//     sources are fetched concurrently.
//   - Name, Type and Target are constant and safe to call at any time;
//     Target never contains a secret.
type Source interface {
	Name() string   // unique name from the configuration
	Type() string   // "file", "http" or "demo"
	Target() string // what it reads: a path or URL, for status lines
	Fetch(ctx context.Context) (Result, error)
}

// Result is the outcome of one successful Fetch.
type Result struct {
	Batch     *model.Batch // nil when Unchanged
	Unchanged bool
	// Rejected counts records rejected one by one; FirstRejection is the
	// first such error with its place, as SPEC §1 words it
	// (`deployments[3].finished_at: not an RFC 3339 timestamp: "yesterday"`).
	Rejected       int
	FirstRejection string
	// Rejections are the first such errors, FirstRejection first; a
	// source that keeps only the first leaves it empty.
	Rejections model.Rejections
}

// ErrUnsupported is returned by constructors for source types this build
// does not know.
var ErrUnsupported = errors.New("unsupported source type")
