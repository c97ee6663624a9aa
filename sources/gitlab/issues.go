package gitlab

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// issue is one incident issue as the source tracks it.
type issue struct {
	created time.Time
	updated text
	rec     nativeIncident
}

// readIssues walks GET /projects/{id}/issues?issue_type=incident by
// updated_at, newest first (see walkUpdated), as incidents (SPEC §8.3).
func (s *Source) readIssues(ctx context.Context, cutoff time.Time, full bool) error {
	seen := map[int64]bool{}
	first := s.projPath + "/issues?issue_type=incident&order_by=updated_at&sort=desc&per_page=100"
	visit := func(it apiIssue) (time.Time, bool) {
		updated, created := parseTime(it.UpdatedAt), parseTime(it.CreatedAt)
		if before(created, updated, cutoff) {
			return updated, false
		}
		seen[it.IID] = true
		if is := s.issues[it.IID]; is != nil && is.updated == it.UpdatedAt {
			return updated, true
		}
		s.issues[it.IID] = &issue{created: created, updated: it.UpdatedAt, rec: s.incident(it)}
		return updated, false
	}
	progress := func(page int) {
		if s.syncing() {
			s.SetDetail(fmt.Sprintf("%d deployments, %d incidents, page %d", len(s.deps), len(s.issues), page))
		}
		s.partial(cutoff)
	}
	if err := walkUpdated(ctx, s, "incidents", first, full, cutoff, visit, progress); err != nil {
		return err
	}
	for iid, is := range s.issues {
		if (full && !seen[iid]) || before(is.created, parseTime(is.updated), cutoff) {
			delete(s.issues, iid)
		}
	}
	return nil
}

// incident maps one issue: started and detected when it was opened,
// resolved when closed (a reopened issue is open), severity from GitLab's
// incident severity.
func (s *Source) incident(it apiIssue) nativeIncident {
	in := nativeIncident{
		ID: s.prefix + "issue/" + strconv.FormatInt(it.IID, 10), Service: s.o.Service, Title: string(it.Title),
		StartedAt: string(it.CreatedAt), DetectedAt: string(it.CreatedAt), Severity: severity(string(it.Severity)),
	}
	if it.ClosedAt != "" && it.State != "opened" {
		closed := string(it.ClosedAt)
		in.ResolvedAt = &closed
	}
	return in
}

// severity maps GitLab's incident severities to SPEC §1's levels; UNKNOWN
// and anything else are unknown (0: left out of the record).
func severity(v string) int {
	switch strings.ToUpper(v) {
	case "CRITICAL":
		return 1
	case "HIGH":
		return 2
	case "MEDIUM":
		return 3
	case "LOW":
		return 4
	}
	return 0
}
