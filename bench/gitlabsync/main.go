// Command gitlabsync measures what the gitlab source costs against a local
// server that behaves like GitLab (sources/gitlab/gitlabtest): the
// requests and time of a first sync, of a second poll, of a poll after a
// change, and of a restart that finds the cache.
//
//	go run ./bench/gitlabsync -deployments 1000 -incidents 2000
//
// With the default -paced the source keeps SPEC §8.1's 10 requests a
// second, so a first sync takes about requests/10 seconds; -paced=false
// lifts that to show the time spent in doradash itself. Request counts do
// not depend on it.
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"time"

	"doradash/bench/internal/syncbench"
	"doradash/model"
	"doradash/sources/gitlab"
	"doradash/sources/gitlab/gitlabtest"
)

const token = "glpat-benchTOKEN"

func main() {
	deps := flag.Int("deployments", 1000, "deployments in the project (one every 3 hours)")
	incs := flag.Int("incidents", 2000, "incidents in the project (one every 2 hours, besides as many ordinary issues)")
	paced := flag.Bool("paced", true, "keep the 10 requests a second of SPEC §8.1")
	flag.Parse()
	if err := run(*deps, *incs, *paced); err != nil {
		fmt.Fprintln(os.Stderr, "gitlabsync:", err)
		os.Exit(1)
	}
}

func run(deps, incs int, paced bool) error {
	now := time.Now().UTC().Truncate(time.Second)
	clock := gitlabtest.NewClock(now)
	srv := gitlabtest.NewServer(clock, token)
	defer srv.Close()
	srv.Lock()
	srv.Limit, srv.Remaining = 1<<30, 1<<30 // measure requests, not waits
	srv.Unlock()
	srv.GenerateDeployments(deps, now.Add(-time.Hour))
	srv.GenerateIncidents(incs, now.Add(-time.Hour))
	dir, err := os.MkdirTemp("", "gitlabsync")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	days := math.Max(float64(deps)*3/24, float64(incs)*2/24) + 2
	history := time.Duration(math.Max(180, days)) * 24 * time.Hour
	build := func() (*gitlab.Source, error) {
		return gitlab.New(gitlab.Options{Project: "group/app", Incidents: incs > 0,
			Access: syncbench.Access(srv.URL, token, srv.Client(), dir, history, paced, clock)})
	}
	p := syncbench.Poller{Server: srv, Width: 16, Count: func(b *model.Batch) string {
		return fmt.Sprintf("%d deployments, %d incidents", len(b.Deployments), len(b.Incidents))
	}}
	s, err := build()
	if err != nil {
		return err
	}
	fmt.Printf("project: %d deployments, %d incidents, paced=%v\n", deps, incs, paced)
	if err := p.Step("first sync", s); err != nil {
		return err
	}
	if err := p.Step("second poll", s); err != nil {
		return err
	}
	// One incident is resolved: its issue moves to the top of the list.
	srv.Lock()
	for _, is := range srv.Issues {
		if is.State == "opened" && is.Type == "" {
			t := clock.Now()
			is.State, is.Closed, is.Updated = "closed", &t, t
			break
		}
	}
	srv.Unlock()
	if err := p.Step("after a change", s); err != nil {
		return err
	}
	if !paced { // the source runs on the server's clock: an hour passes at once
		clock.Advance(time.Hour)
		if err := p.Step("hourly full read", s); err != nil {
			return err
		}
	}
	s.CloseIdleConnections()
	s2, err := build()
	if err != nil {
		return err
	}
	return p.Step("restart+cache", s2)
}
