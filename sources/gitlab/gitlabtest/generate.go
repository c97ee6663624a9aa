package gitlabtest

import (
	"fmt"
	"time"
)

// GenerateDeployments fills the project with n deployments, one every 3
// hours back from now, each shipping 1–3 new commits. Every 10th fails,
// every 25th goes to staging, every 15th is canceled (no record); every
// 7th has no finished_at of its own (its job's is used) and every 11th
// neither a job (updated_at is used).
func (f *Server) GenerateDeployments(n int, now time.Time) {
	f.Lock()
	defer f.Unlock()
	start := now.Add(-time.Duration(n) * 3 * time.Hour)
	if len(f.Commits) == 0 {
		f.Commits = append(f.Commits, Commit{SHA: "c00000", Author: start.Add(-time.Hour), Committer: start.Add(-time.Hour)})
	}
	for i := range n {
		at := start.Add(time.Duration(i) * 3 * time.Hour)
		for k := range 1 + i%3 {
			c := at.Add(-time.Duration(30+k*10) * time.Minute)
			f.Commits = append(f.Commits, Commit{SHA: fmt.Sprintf("c%05d", len(f.Commits)), Author: c, Committer: c.Add(5 * time.Minute)})
		}
		fin := at.Add(5 * time.Minute)
		job := at.Add(4 * time.Minute)
		d := &Deployment{ID: int64(5000 + i), IID: int64(1 + i), SHA: f.Commits[len(f.Commits)-1].SHA, Env: "production",
			Status: "success", Created: at, Updated: fin.Add(time.Second), Finished: &fin, JobFinished: &job}
		switch {
		case i%10 == 9:
			d.Status = "failed"
		case i%15 == 14:
			d.Status = "canceled"
		}
		if i%25 == 24 {
			d.Env = "staging"
		}
		if i%7 == 6 {
			d.Finished = nil
		}
		if i%11 == 10 {
			d.Finished, d.NoJob = nil, true
		}
		f.Deployments = append(f.Deployments, d)
	}
}

// GenerateIncidents fills the project with n incidents, one every 2 hours
// back from now, and as many ordinary issues (which are not incidents).
// Severities cycle through GitLab's five; all but every 10th are closed
// after 20 to 110 minutes.
func (f *Server) GenerateIncidents(n int, now time.Time) {
	f.Lock()
	defer f.Unlock()
	start := now.Add(-time.Duration(n) * 2 * time.Hour)
	sevs := []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"}
	for i := range n {
		at := start.Add(time.Duration(i) * 2 * time.Hour)
		is := &Issue{IID: int64(2*i + 1), Title: fmt.Sprintf("Incident %d", i), State: "opened",
			Severity: sevs[i%len(sevs)], Created: at, Updated: at.Add(time.Minute)}
		if i%10 != 9 {
			c := at.Add(time.Duration(20+i%10*10) * time.Minute)
			is.State, is.Closed, is.Updated = "closed", &c, c
		}
		f.Issues = append(f.Issues, is, &Issue{IID: int64(2*i + 2), Title: "Bug", State: "opened", Type: "issue",
			Severity: "UNKNOWN", Created: at.Add(time.Minute), Updated: at.Add(time.Minute)})
	}
}
