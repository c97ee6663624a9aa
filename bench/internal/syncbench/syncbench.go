// Package syncbench is what the vendor sync benchmarks (bench/githubsync,
// bench/gitlabsync) share: a source's access to a local server that
// behaves like the vendor, and one measured poll.
package syncbench

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"doradash/model"
	"doradash/sources"
	"doradash/sources/apisrc"
)

// Server is a local vendor server that counts what it answered.
type Server interface {
	// Counts returns the requests answered so far, and how many of them
	// were 304s.
	Counts() (requests, notModified int)
}

// Access is how a benchmarked source reaches the server at url with its
// HTTP client, keeping its cache in dir. Unless paced, the source runs on
// the server's clock, whose waits advance it at once, so the token bucket
// never holds a request back and the time is doradash's own.
func Access(url, token string, client *http.Client, dir string, history time.Duration, paced bool, clock apisrc.Clock) apisrc.Access {
	a := apisrc.Access{
		Name: "bench", APIURL: url, Token: token, UserAgent: "doradash/bench",
		Cache: apisrc.OpenCache(dir, nil), History: history, HTTPClient: client,
	}
	if !paced {
		a.Clock = clock
	}
	return a
}

// Poller runs measured polls against Server.
type Poller struct {
	Server Server
	Width  int                       // of the column of step names
	Count  func(*model.Batch) string // the records of a changed result
}

// Step polls s once and prints the requests it cost, how many were
// answered 304, its time and what it returned.
func (p Poller) Step(name string, s sources.Source) error {
	before, nm0 := p.Server.Counts()
	t0 := time.Now()
	res, err := s.Fetch(context.Background())
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	after, nm1 := p.Server.Counts()
	recs := "unchanged"
	if res.Batch != nil {
		recs = p.Count(res.Batch)
	}
	fmt.Printf("%-*s %5d requests (%4d answered 304)  %8.2fs  %s\n", p.Width, name, after-before, nm1-nm0, time.Since(t0).Seconds(), recs)
	return nil
}
