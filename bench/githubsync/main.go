// Command githubsync measures what the github source costs against a local
// server that behaves like GitHub (sources/github/githubtest): the
// requests and time of a first sync, of a second poll, and of a restart
// that finds the cache.
//
//	go run ./bench/githubsync -deployments 1000
//
// With the default -paced the source keeps SPEC §8.1's 10 requests a
// second, so a first sync takes about requests/10 seconds; -paced=false
// lifts that to show the time spent in doradash itself.
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"time"

	"doradash/bench/internal/syncbench"
	"doradash/model"
	"doradash/sources/github"
	"doradash/sources/github/githubtest"
)

const token = "ghp_benchTOKEN"

func main() {
	n := flag.Int("deployments", 1000, "deployments in the repository (one every 3 hours)")
	paced := flag.Bool("paced", true, "keep the 10 requests a second of SPEC §8.1")
	flag.Parse()
	if err := run(*n, *paced); err != nil {
		fmt.Fprintln(os.Stderr, "githubsync:", err)
		os.Exit(1)
	}
}

func run(n int, paced bool) error {
	now := time.Now().UTC().Truncate(time.Second)
	clock := githubtest.NewClock(now)
	srv := githubtest.NewServer(clock, token)
	defer srv.Close()
	srv.Generate(n, now.Add(-time.Hour))
	dir, err := os.MkdirTemp("", "githubsync")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	history := time.Duration(math.Max(180, float64(n)*3/24+1)) * 24 * time.Hour
	build := func() (*github.Source, error) {
		return github.New(github.Options{Repo: "acme/checkout",
			Access: syncbench.Access(srv.URL, token, srv.Client(), dir, history, paced, clock)})
	}
	p := syncbench.Poller{Server: srv, Width: 14, Count: func(b *model.Batch) string {
		return fmt.Sprintf("%d deployments", len(b.Deployments))
	}}
	s, err := build()
	if err != nil {
		return err
	}
	fmt.Printf("repository: %d deployments, paced=%v\n", n, paced)
	if err := p.Step("first sync", s); err != nil {
		return err
	}
	if err := p.Step("second poll", s); err != nil {
		return err
	}
	s.CloseIdleConnections()
	s2, err := build()
	if err != nil {
		return err
	}
	return p.Step("restart+cache", s2)
}
