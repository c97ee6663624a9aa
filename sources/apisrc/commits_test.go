package apisrc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"doradash/sources"
)

func TestSuccessChains(t *testing.T) {
	at := func(min int) time.Time { return time.Date(2026, 11, 20, 10, min, 0, 0, time.UTC) }
	r := func(id int64, env, sha string, finished time.Time) CommitRange {
		return CommitRange{ID: id, Env: env, SHA: sha, Finished: finished}
	}
	// got lists each range as "id:base...sha" (or "id:sha"), newest first.
	for _, tc := range []struct {
		name string
		in   []CommitRange
		want []string
	}{
		{"none", nil, nil},
		{"one", []CommitRange{r(1, "prod", "a", at(1))}, []string{"1:a"}},
		{"by finished, not by id or input order", []CommitRange{
			r(3, "prod", "c", at(1)), r(1, "prod", "a", at(3)), r(2, "prod", "b", at(2)),
		}, []string{"1:b...a", "2:c...b", "3:c"}},
		{"environments chain apart", []CommitRange{
			r(1, "prod", "a", at(1)), r(2, "staging", "b", at(2)), r(3, "prod", "c", at(3)), r(4, "", "d", at(4)),
		}, []string{"4:d", "3:a...c", "2:b", "1:a"}},
		{"a tie goes to the smaller id first", []CommitRange{
			r(7, "prod", "x", at(5)), r(5, "prod", "y", at(5)), r(6, "prod", "z", at(5)),
		}, []string{"7:z...x", "6:y...z", "5:y"}},
		{"no finished time: left out, and no base", []CommitRange{
			r(1, "prod", "a", at(1)), r(2, "prod", "b", time.Time{}), r(3, "prod", "c", at(3)),
		}, []string{"3:a...c", "1:a"}},
		{"the same sha again", []CommitRange{
			r(1, "prod", "a", at(1)), r(2, "prod", "a", at(2)),
		}, []string{"2:a...a", "1:a"}},
		{"a stale base is replaced", []CommitRange{
			{ID: 1, Env: "prod", SHA: "a", Finished: at(1), Base: "old"},
		}, []string{"1:a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.in)
			var got []string
			for _, c := range SuccessChains(tc.in) {
				got = append(got, fmt.Sprintf("%d:%s", c.ID, c.Key()))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if !slices.Equal(in, tc.in) {
				t.Errorf("input changed: %+v", tc.in)
			}
		})
	}
}

func TestCommitListsKeep(t *testing.T) {
	c := CommitLists{"a": nil, "a...b": {{SHA: "b"}}, "b...c": {}, "x": {}}
	c.Keep([]CommitRange{{SHA: "b", Base: "a"}, {SHA: "x"}, {SHA: "new"}})
	var keys []string
	for k := range c {
		keys = append(keys, k)
	}
	if len(c) != 2 || c["a...b"] == nil || c["x"] == nil {
		t.Errorf("kept %q", keys)
	}
}

func TestNativeCommits(t *testing.T) {
	cs := []CommitDates{
		{SHA: "a", Author: "A1", Committer: "C1"},
		{SHA: "b", Author: "A2"},
		{SHA: "c", Committer: "C3"},
		{Author: "A4", Committer: "C4"},
	}
	for _, tc := range []struct {
		committer bool
		want      []NativeCommit
	}{
		{false, []NativeCommit{{"a", "A1"}, {"b", "A2"}}},
		{true, []NativeCommit{{"a", "C1"}, {"c", "C3"}}},
	} {
		if got := NativeCommits(cs, tc.committer); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("committer %v: got %+v, want %+v", tc.committer, got, tc.want)
		}
	}
	if got := NativeCommits(nil, false); got != nil {
		t.Errorf("none: %+v, want nil (commits left out)", got)
	}
}

func TestDocumentWritesEachSourcesShape(t *testing.T) {
	empty := ""
	type inc struct {
		ID string `json:"id"`
	}
	for _, tc := range []struct {
		name string
		deps []NativeDeployment
		incs []inc
		want string
	}{
		{"nothing", nil, nil, `{"deployments":[],"incidents":[]}`},
		{"unknown environment and finished_at written as \"\"",
			[]NativeDeployment{{ID: "g:1", Service: "s", Environment: &empty, FinishedAt: &empty, Status: "failed"}}, nil,
			`{"deployments":[{"id":"g:1","service":"s","environment":"","finished_at":"","status":"failed"}],"incidents":[]}`},
		{"unknown environment and finished_at left out",
			[]NativeDeployment{{ID: "g:1", Service: "s", Status: "failed"}}, []inc{{"i"}},
			`{"deployments":[{"id":"g:1","service":"s","status":"failed"}],"incidents":[{"id":"i"}]}`},
		{"commits",
			[]NativeDeployment{{ID: "g:2", Environment: StringPtr("prod"), FinishedAt: StringPtr("F"), Status: "success",
				Commits: []NativeCommit{{"a", "T"}}}}, nil,
			`{"deployments":[{"id":"g:2","service":"","environment":"prod","finished_at":"F","status":"success","commits":[{"sha":"a","committed_at":"T"}]}],"incidents":[]}`},
	} {
		if got := string(Document(tc.deps, tc.incs)); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

func TestDocumentDeploymentsPassTheNativeDecoder(t *testing.T) {
	doc := Document([]NativeDeployment{
		{ID: "g:1", Service: "s", FinishedAt: StringPtr("2026-11-20T10:00:00Z"), Status: "success",
			Commits: NativeCommits([]CommitDates{{SHA: "a", Author: "2026-11-20T09:00:00Z"}}, false)},
		{ID: "g:2", Service: "s", Environment: StringPtr("staging"), Status: "failed"},
	}, []NativeIncident(nil))
	b, rej, err := sources.Decode(strings.NewReader(string(doc)), sources.FormatJSON)
	if err != nil || rej.Count != 1 || len(b.Deployments) != 1 {
		t.Fatalf("%s: %v %+v %+v", doc, err, rej, b)
	}
	if d := b.Deployments[0]; d.Environment != "production" || len(d.Commits) != 1 {
		t.Errorf("first: %+v", d)
	}
}

func TestReadCommitList(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:1", GitHubRateHeaders, nil)
	gone := errors.New("gone")
	var calls []string
	read := CommitReaders{
		Single: func(_ context.Context, sha string) ([]CommitDates, error) {
			calls = append(calls, "single "+sha)
			if sha == "lost" {
				return nil, gone
			}
			return []CommitDates{{SHA: sha, Author: "A"}}, nil
		},
		Compare: func(_ context.Context, base, head string) ([]CommitDates, error) {
			calls = append(calls, "compare "+base+"..."+head)
			return []CommitDates{{SHA: "m"}, {SHA: head, Committer: "C"}}, nil
		},
	}
	c.Keep("k/cached", []byte(`[{"sha":"x","author":"A"}]`))
	c.Keep("k/broken", []byte(`{`))
	for _, tc := range []struct {
		name, key string
		r         CommitRange
		want      string // the list's JSON; "" for an error
		calls     []string
	}{
		{"kept in the cache", "k/cached", CommitRange{SHA: "b", Base: "a"}, `[{"sha":"x","author":"A"}]`, nil},
		{"the same sha again", "k/same", CommitRange{SHA: "a", Base: "a"}, `[]`, nil},
		{"no base: the commit", "k/one", CommitRange{SHA: "a"}, `[{"sha":"a","author":"A"}]`, []string{"single a"}},
		{"a base: the comparison", "k/cmp", CommitRange{SHA: "b", Base: "a"}, `[{"sha":"m"},{"sha":"b","committer":"C"}]`, []string{"compare a...b"}},
		{"a cache entry that does not decode is read again", "k/broken", CommitRange{SHA: "b", Base: "a"}, `[{"sha":"m"},{"sha":"b","committer":"C"}]`, []string{"compare a...b"}},
		{"an error is returned and nothing kept", "k/lost", CommitRange{SHA: "lost"}, "", []string{"single lost"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls = nil
			cs, err := ReadCommitList(context.Background(), c, tc.key, tc.r, read)
			if tc.want == "" {
				if !errors.Is(err, gone) {
					t.Fatalf("err %v, want %v", err, gone)
				}
				if _, ok := c.Lookup(tc.key); ok {
					t.Errorf("kept after an error")
				}
			} else {
				got, _ := json.Marshal(cs)
				if err != nil || string(got) != tc.want {
					t.Fatalf("got %s, %v; want %s", got, err, tc.want)
				}
				if kept, _ := c.Lookup(tc.key); string(kept) != tc.want {
					t.Errorf("kept %s, want %s", kept, tc.want)
				}
			}
			if !reflect.DeepEqual(calls, tc.calls) {
				t.Errorf("calls %q, want %q", calls, tc.calls)
			}
			calls = nil
			if tc.want != "" {
				if again, err := ReadCommitList(context.Background(), c, tc.key, tc.r, read); err != nil || len(calls) != 0 || len(again) != len(cs) {
					t.Errorf("second read: %v, %v, calls %q", again, err, calls)
				}
			}
		})
	}
}

func TestCheckCommitTime(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"", "author", ""},
		{"author", "author", ""},
		{"committer", "committer", ""},
		{"Author", "Author", `commit_time: "Author" is not author or committer`},
		{"both", "both", `commit_time: "both" is not author or committer`},
	} {
		v := tc.in
		err := CheckCommitTime(&v)
		if v != tc.want || fmt.Sprint(err) != map[bool]string{true: "<nil>", false: tc.err}[tc.err == ""] {
			t.Errorf("%q: got %q, %v; want %q, %s", tc.in, v, err, tc.want, tc.err)
		}
	}
}

func TestNewestFirst(t *testing.T) {
	m := map[int64]string{3: "keep", 10: "keep", 1: "drop", 7: "keep", 2: "keep"}
	for _, tc := range []struct {
		name string
		keep func(string) bool
		want []int64
	}{
		{"kept ones, largest id first", func(v string) bool { return v == "keep" }, []int64{10, 7, 3, 2}},
		{"all", func(string) bool { return true }, []int64{10, 7, 3, 2, 1}},
		{"none", func(string) bool { return false }, []int64{}},
	} {
		if got := NewestFirst(m, tc.keep); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestChainKeys(t *testing.T) {
	got := ChainKeys([]CommitRange{{ID: 1, SHA: "a"}, {ID: 2, SHA: "b", Base: "a"}})
	if want := map[int64]string{1: "a", 2: "a...b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestNonEmpty(t *testing.T) {
	empty, v := "", "prod"
	if NonEmpty(&empty) != nil {
		t.Error(`"": not nil`)
	}
	if p := NonEmpty(&v); p != &v {
		t.Errorf("%q: got %v, want the same pointer", v, p)
	}
}
