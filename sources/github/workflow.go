package github

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"doradash/sources/apisrc"
)

// GitHub answers at most 1,000 results per filtered query; runs are read
// in created-date ranges that stay below it.
const (
	searchCap = 1000
	// rangeSpan is the size of the first ranges; they are aligned to
	// multiples of it since the Unix epoch, so their URLs (and validators)
	// stay the same from poll to poll.
	rangeSpan = 30 * 24 * time.Hour
	// minSpan is the smallest range that is still split.
	minSpan = time.Minute
)

// timeRange is a created-date filter: [from, to], or from on when open.
type timeRange struct {
	from, to time.Time
	open     bool
}

func (r timeRange) query() string {
	const f = "2006-01-02T15:04:05Z"
	if r.open {
		return r.from.UTC().Format(f) + "..*"
	}
	return r.from.UTC().Format(f) + ".." + r.to.UTC().Format(f)
}

// split halves r at a whole second.
func (r timeRange) split(now time.Time) (timeRange, timeRange) {
	end := r.to
	if r.open {
		end = now
	}
	mid := r.from.Add(end.Sub(r.from) / 2).Truncate(time.Second)
	return timeRange{from: r.from, to: mid.Add(-time.Second)}, timeRange{from: mid, to: r.to, open: r.open}
}

// readRuns reads the workflow's completed runs created since cutoff.
func (s *Source) readRuns(ctx context.Context, cutoff time.Time) error {
	now := s.o.Now()
	seen := map[int64]bool{}
	start := cutoff.Truncate(rangeSpan)
	var ranges []timeRange
	for from := start; ; from = from.Add(rangeSpan) {
		if !from.Add(rangeSpan).Before(now) {
			ranges = append(ranges, timeRange{from: from, open: true})
			break
		}
		ranges = append(ranges, timeRange{from: from, to: from.Add(rangeSpan - time.Second)})
	}
	pages := 0
	for len(ranges) > 0 {
		r := ranges[len(ranges)-1] // newest first
		ranges = ranges[:len(ranges)-1]
		older, newer, split, err := s.readRange(ctx, r, cutoff, now, seen, &pages)
		if err != nil {
			return err
		}
		if split {
			ranges = append(ranges, older, newer)
		}
		s.st.SetDetail(fmt.Sprintf("%d runs, page %d", len(seen), pages))
		s.partial(cutoff)
	}
	for id := range s.deps {
		if !seen[id] {
			delete(s.deps, id)
		}
	}
	return nil
}

// readRange reads one range's pages, or reports that it must be split
// because it holds more runs than GitHub returns for one query.
func (s *Source) readRange(ctx context.Context, r timeRange, cutoff, now time.Time, seen map[int64]bool, pages *int) (older, newer timeRange, split bool, err error) {
	q := url.Values{}
	q.Set("status", "completed")
	q.Set("per_page", "100")
	q.Set("created", r.query())
	first := apisrc.Request{
		URL:         s.repoPath + "/actions/workflows/" + pathEscape(s.o.Workflow) + "/runs?" + q.Encode(),
		Conditional: true, Compact: apisrc.Compact[apiRuns],
	}
	err = s.client.Walk(ctx, first, apisrc.LinkPager{}, func(page int, resp *apisrc.Response) (bool, error) {
		*pages++
		var runs apiRuns
		if err := decodeJSON("workflow runs", resp.Body, &runs); err != nil {
			return false, err
		}
		end := r.to
		if r.open {
			end = now
		}
		if page == 1 && runs.TotalCount > searchCap && end.Sub(r.from) > minSpan {
			older, newer = r.split(now)
			split = true
			return false, nil
		}
		for _, it := range runs.WorkflowRuns {
			created := parseTime(it.CreatedAt)
			if created.Before(cutoff) {
				continue
			}
			seen[it.ID] = true
			d := &deployment{id: it.ID, run: true, sha: it.HeadSHA, env: s.o.Environment, created: created, final: true}
			switch it.Conclusion {
			case "success":
				d.status, d.finished = "success", it.UpdatedAt
			case "failure", "timed_out":
				d.status, d.finished = "failed", it.UpdatedAt
			}
			if old := s.deps[it.ID]; old != nil && old.sha != d.sha {
				delete(s.deps, it.ID)
			}
			s.deps[it.ID] = d
		}
		return len(runs.WorkflowRuns) > 0, nil
	})
	return older, newer, split, err
}
