package githubtest

import (
	"fmt"
	"time"
)

// Generate fills the repository with n deployments to production, one
// every 3 hours back from now, each shipping 1–3 new commits; every 10th fails, every
// 25th goes to staging.
func (f *Server) Generate(n int, now time.Time) {
	f.Lock()
	defer f.Unlock()
	start := now.Add(-time.Duration(n) * 3 * time.Hour)
	f.Commits = append(f.Commits, Commit{SHA: "c0000", Author: start.Add(-time.Hour), Committer: start.Add(-time.Hour)})
	for i := range n {
		at := start.Add(time.Duration(i) * 3 * time.Hour)
		for k := range 1 + i%3 {
			c := at.Add(-time.Duration(30+k*10) * time.Minute)
			f.Commits = append(f.Commits, Commit{SHA: fmt.Sprintf("c%04d", len(f.Commits)), Author: c, Committer: c.Add(5 * time.Minute)})
		}
		d := &Deployment{ID: int64(1000 + i), SHA: f.Commits[len(f.Commits)-1].SHA, Env: "production", Created: at}
		if i%25 == 24 {
			d.Env = "staging"
		}
		d.Statuses = append(d.Statuses, Status{ID: int64(i*10 + 1), State: "in_progress", Created: at.Add(time.Minute)})
		final := "success"
		if i%10 == 9 {
			final = "failure"
		}
		d.Statuses = append(d.Statuses, Status{ID: int64(i*10 + 2), State: final, Created: at.Add(5 * time.Minute)})
		if final == "success" {
			d.Statuses = append(d.Statuses, Status{ID: int64(i*10 + 3), State: "inactive", Created: at.Add(4 * time.Hour)})
		}
		f.Deployments = append(f.Deployments, d)
	}
}
