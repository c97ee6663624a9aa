package apisrc

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"
)

// CommitDates is what a vendor source keeps of one commit. A commit list
// is cached as the JSON of a []CommitDates: the field names are part of
// the cache's format on disk.
type CommitDates struct {
	SHA       string `json:"sha"`
	Author    string `json:"author,omitempty"`
	Committer string `json:"committer,omitempty"`
}

// CommitRange is the commit list one successful deployment shipped (SPEC
// §8.2): the commits after Base, the previous successful deployment's sha
// in the same environment, up to SHA; with no Base, the commit SHA alone.
type CommitRange struct {
	ID       int64     // the deployment's (or workflow run's) id
	Env      string    // its environment
	SHA      string    // its sha
	Finished time.Time // its finished_at; zero: not known
	Base     string    // set by SuccessChains; "" for none
}

// Key names a range's commit list: "base...sha", or the sha alone.
func (r CommitRange) Key() string {
	if r.Base == "" {
		return r.SHA
	}
	return r.Base + "..." + r.SHA
}

// SuccessChains takes the successful deployments within history and sets
// each one's Base to the sha of the latest earlier one (by Finished, ties
// by the smaller ID) of the same environment. Those without a Finished
// time are left out: they are rejected as records anyway. It returns them
// newest first (ties: the larger ID first); ds itself is left as it is.
func SuccessChains(ds []CommitRange) []CommitRange {
	byEnv := map[string][]CommitRange{}
	for _, d := range ds {
		if !d.Finished.IsZero() {
			d.Base = ""
			byEnv[d.Env] = append(byEnv[d.Env], d)
		}
	}
	var out []CommitRange
	for _, rs := range byEnv {
		sort.Slice(rs, func(a, b int) bool {
			if !rs[a].Finished.Equal(rs[b].Finished) {
				return rs[a].Finished.Before(rs[b].Finished)
			}
			return rs[a].ID < rs[b].ID
		})
		for i := 1; i < len(rs); i++ {
			rs[i].Base = rs[i-1].SHA
		}
		out = append(out, rs...)
	}
	sort.Slice(out, func(a, b int) bool {
		if !out[a].Finished.Equal(out[b].Finished) {
			return out[a].Finished.After(out[b].Finished)
		}
		return out[a].ID > out[b].ID
	})
	return out
}

// ChainKeys returns each range's Key by its ID.
func ChainKeys(rs []CommitRange) map[int64]string {
	keys := make(map[int64]string, len(rs))
	for _, r := range rs {
		keys[r.ID] = r.Key()
	}
	return keys
}

// NewestFirst returns the ids of m whose values keep takes, largest (the
// newest) first: the order of a native document's records.
func NewestFirst[T any](m map[int64]T, keep func(T) bool) []int64 {
	ids := make([]int64, 0, len(m))
	for id, v := range m {
		if keep(v) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(b, a) })
	return ids
}

// CommitLists holds the commit lists read so far, by CommitRange.Key. It
// is not safe for concurrent use.
type CommitLists map[string][]CommitDates

// Keep forgets the lists no range needs any more (deployments that left
// history), so memory follows the history, not the uptime.
func (c CommitLists) Keep(rs []CommitRange) {
	need := make(map[string]bool, len(rs))
	for _, r := range rs {
		need[r.Key()] = true
	}
	for k := range c {
		if !need[k] {
			delete(c, k)
		}
	}
}

// CheckCommitTime checks a commit_time option (SPEC §8.2, §8.3):
// "author", the default when "", or "committer"; the error names the key.
func CheckCommitTime(v *string) error {
	switch *v {
	case "":
		*v = "author"
	case "author", "committer":
	default:
		return fmt.Errorf("commit_time: %q is not author or committer", *v)
	}
	return nil
}

// NativeCommits returns a list's commits as a deployment record lists
// them: dated by the author, or by the committer when committer is set;
// commits without a sha or without that date are left out. It returns nil
// for none, so a record without commits leaves the field out.
func NativeCommits(cs []CommitDates, committer bool) []NativeCommit {
	var out []NativeCommit
	for _, c := range cs {
		at := c.Author
		if committer {
			at = c.Committer
		}
		if c.SHA != "" && at != "" {
			out = append(out, NativeCommit{SHA: c.SHA, CommittedAt: at})
		}
	}
	return out
}

// CommitReaders are a vendor's two ways to read commits: one commit by sha,
// and the commits after base up to head.
type CommitReaders struct {
	Single  func(ctx context.Context, sha string) ([]CommitDates, error)
	Compare func(ctx context.Context, base, head string) ([]CommitDates, error)
}

// ReadCommitList reads r's commit list: kept in c's cache under key, else
// none when r ships its base's sha again, else the commit alone when r has
// no base, else the comparison. A list it read is kept under key, for
// good: the commits between two shas cannot change. An error of read is
// returned as it is, with nothing kept.
func ReadCommitList(ctx context.Context, c *Client, key string, r CommitRange, read CommitReaders) ([]CommitDates, error) {
	if raw, ok := c.Lookup(key); ok {
		var cs []CommitDates
		if json.Unmarshal(raw, &cs) == nil {
			return cs, nil
		}
	}
	var cs []CommitDates
	var err error
	switch {
	case r.Base == r.SHA:
		cs = []CommitDates{} // the same sha again: nothing shipped
	case r.Base == "":
		cs, err = read.Single(ctx, r.SHA)
	default:
		cs, err = read.Compare(ctx, r.Base, r.SHA)
	}
	if err != nil {
		return nil, err
	}
	KeepCommitList(c, key, cs)
	return cs, nil
}

// KeepCommitList keeps cs in c's cache under key, as ReadCommitList reads
// it back.
func KeepCommitList(c *Client, key string, cs []CommitDates) {
	if raw, err := json.Marshal(cs); err == nil {
		c.Keep(key, raw)
	}
}
