package gitlab

import (
	"context"
	"fmt"
	"time"
)

// deployment is one GitLab deployment as the source tracks it, whatever
// its status (so that an unchanged one is known as such).
type deployment struct {
	id       int64
	sha, env string
	created  time.Time
	updated  text
	status   string // "success", "failed" or "" (no record)
	finished string // RFC 3339, as GitLab wrote it; "" when it gave none
}

// readDeployments walks GET /projects/{id}/deployments by updated_at,
// newest first (see walkUpdated), and maps each deployment (SPEC §8.3).
func (s *Source) readDeployments(ctx context.Context, cutoff time.Time, full bool) error {
	seen := map[int64]bool{}
	first := s.projPath + "/deployments?order_by=updated_at&sort=desc&per_page=100"
	visit := func(it apiDeployment) (time.Time, bool) {
		updated := parseTime(it.UpdatedAt)
		if before(parseTime(it.CreatedAt), updated, cutoff) {
			return updated, false
		}
		seen[it.ID] = true
		if d := s.deps[it.ID]; d != nil && d.updated == it.UpdatedAt {
			return updated, true
		}
		s.deps[it.ID] = mapDeployment(it)
		return updated, false
	}
	progress := func(page int) {
		s.SetDetail(fmt.Sprintf("%d deployments, page %d", len(s.deps), page))
		s.partial(cutoff)
	}
	if err := walkUpdated(ctx, s, "deployments", first, full, cutoff, visit, progress); err != nil {
		return err
	}
	for id, d := range s.deps {
		if (full && !seen[id]) || before(d.created, parseTime(d.updated), cutoff) {
			delete(s.deps, id) // deleted upstream, or older than history now
		}
	}
	return nil
}

// mapDeployment applies SPEC §8.3 to one deployment: success and failed
// make records, any other status none; finished_at falls back to the
// job's finished_at, then to updated_at.
func mapDeployment(it apiDeployment) *deployment {
	d := &deployment{id: it.ID, sha: string(it.SHA), created: parseTime(it.CreatedAt), updated: it.UpdatedAt}
	if it.Environment != nil {
		d.env = string(it.Environment.Name)
	}
	switch it.Status {
	case "success":
		d.status = "success"
	case "failed":
		d.status = "failed"
	default:
		return d
	}
	switch {
	case it.FinishedAt != "":
		d.finished = string(it.FinishedAt)
	case it.Deployable != nil && it.Deployable.FinishedAt != "":
		d.finished = string(it.Deployable.FinishedAt)
	default:
		d.finished = string(it.UpdatedAt)
	}
	return d
}
