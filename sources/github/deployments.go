package github

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"doradash/sources/apisrc"
)

// Status re-reading: a deployment whose status is not final yet is read
// again on every poll while it is younger than recentAge, and at most every
// recheckEvery after that (with a conditional request, so an unchanged
// list costs a 304).
const (
	recentAge    = 7 * 24 * time.Hour
	recheckEvery = time.Hour
)

// readDeployments walks GET /repos/{repo}/deployments newest first down to
// the first page older than cutoff, and decides each deployment's status.
func (s *Source) readDeployments(ctx context.Context, cutoff time.Time) error {
	seen := map[int64]bool{}
	first := apisrc.Request{URL: s.repoPath + "/deployments?per_page=100", Conditional: true, Compact: apisrc.Compact[[]apiDeployment]}
	err := s.client.Walk(ctx, first, apisrc.LinkPager{}, func(page int, resp *apisrc.Response) (bool, error) {
		var items []apiDeployment
		if err := decodeJSON("deployments", resp.Body, &items); err != nil {
			return false, err
		}
		more := len(items) > 0
		var todo []*deployment
		for _, it := range items {
			created := parseTime(it.CreatedAt)
			if created.Before(cutoff) {
				more = false // the first page older than history is the last
				continue
			}
			d := s.deps[it.ID]
			if d == nil || d.sha != it.SHA || d.env != it.Environment {
				d = &deployment{id: it.ID, sha: it.SHA, env: it.Environment}
				s.deps[it.ID] = d
			}
			d.created = created
			seen[it.ID] = true
			todo = append(todo, d)
		}
		if err := parallel(ctx, todo, s.decide); err != nil {
			return false, err
		}
		s.st.SetDetail(fmt.Sprintf("%d deployments, page %d", len(seen), page))
		s.partial(cutoff)
		return more, nil
	})
	if err != nil {
		return err
	}
	for id := range s.deps {
		if !seen[id] {
			delete(s.deps, id) // deleted upstream, or older than history now
		}
	}
	return nil
}

// finalStatus is what the cache keeps of a deployment whose status no
// longer changes.
type finalStatus struct {
	Status   string `json:"status"`
	Finished string `json:"finished_at"`
}

// decide reads d's statuses when they may have changed: the earliest
// success makes it a success, else the earliest failure or error makes it
// failed, else there is no record yet (SPEC §8.2).
func (s *Source) decide(ctx context.Context, d *deployment) error {
	if d.final {
		return nil
	}
	key := "deployment-status/" + s.o.Repo + "/" + strconv.FormatInt(d.id, 10)
	if raw, ok := s.client.Lookup(key); ok {
		var fs finalStatus
		if json.Unmarshal(raw, &fs) == nil && (fs.Status == "success" || fs.Status == "failed") {
			d.status, d.finished, d.final = fs.Status, fs.Finished, true
			return nil
		}
	}
	now := s.client.Clock().Now()
	if !d.checked.IsZero() && now.Sub(d.created) > recentAge && now.Sub(d.checked) < recheckEvery {
		return nil
	}
	var statuses []apiStatus
	first := apisrc.Request{
		URL:         fmt.Sprintf("%s/deployments/%d/statuses?per_page=100", s.repoPath, d.id),
		Conditional: true, Compact: apisrc.Compact[[]apiStatus],
	}
	err := s.client.Walk(ctx, first, apisrc.LinkPager{}, func(_ int, resp *apisrc.Response) (bool, error) {
		var page []apiStatus
		if err := decodeJSON("deployment statuses", resp.Body, &page); err != nil {
			return false, err
		}
		statuses = append(statuses, page...)
		return len(page) > 0, nil
	})
	if err != nil {
		return err
	}
	d.checked = now
	d.status, d.finished = decideStatus(statuses)
	// A success is final; so, in practice, is a failure once the
	// deployment is older than recentAge (nobody marks a week-old failed
	// deployment successful), which keeps restarts cheap.
	if d.status == "success" || (d.status == "failed" && now.Sub(d.created) > recentAge) {
		d.final = true
		if raw, err := json.Marshal(finalStatus{d.status, d.finished}); err == nil {
			s.client.Keep(key, raw)
		}
	}
	return nil
}

// decideStatus applies SPEC §8.2 to a deployment's statuses, in any order.
func decideStatus(statuses []apiStatus) (status, finished string) {
	var success, failure string
	var successT, failureT time.Time
	for _, st := range statuses {
		t := parseTime(st.CreatedAt)
		switch st.State {
		case "success":
			if success == "" || t.Before(successT) {
				success, successT = st.CreatedAt, t
			}
		case "failure", "error":
			if failure == "" || t.Before(failureT) {
				failure, failureT = st.CreatedAt, t
			}
		}
	}
	switch {
	case success != "":
		return "success", success
	case failure != "":
		return "failed", failure
	}
	return "", ""
}
