package model

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestQueryNormalized(t *testing.T) {
	cases := []struct {
		name string
		in   Query
		want Query
	}{
		{"zero", Query{}, Query{Days: 1, Environments: []string{"production"}, DowntimeMaxSeverity: 2}},
		{"too long", Query{Days: 400}, Query{Days: MaxDays, Environments: []string{"production"}, DowntimeMaxSeverity: 2}},
		{"kept", Query{End: end, Days: 7, Environments: []string{"Staging"}, Services: []string{"a"}, DowntimeMaxSeverity: 4, LinkWithin: time.Hour},
			Query{End: end, Days: 7, Environments: []string{"Staging"}, Services: []string{"a"}, DowntimeMaxSeverity: 4, LinkWithin: time.Hour}},
		{"out of range", Query{Days: -3, DowntimeMaxSeverity: 9, LinkWithin: -time.Hour},
			Query{Days: 1, Environments: []string{"production"}, DowntimeMaxSeverity: 5}},
	}
	for _, c := range cases {
		got := c.in.Normalized()
		if !got.Equal(c.want) {
			t.Errorf("%s: %+v.Normalized() = %+v, want %+v", c.name, c.in, got, c.want)
		}
		q := c.in
		q.Normalize()
		if !q.Equal(c.want) {
			t.Errorf("%s: Normalize gave %+v", c.name, q)
		}
	}
}

// TestQueryEveryField: Equal and Key tell apart queries that differ in
// any one field. A new field fails the count until both know it.
func TestQueryEveryField(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	base := Query{End: t0, Days: 7}
	variants := []Query{base,
		{End: t0.Add(1), Days: 7}, {End: t0, Days: 8},
		{End: t0, Days: 7, Environments: []string{"x"}}, {End: t0, Days: 7, Services: []string{"x"}},
		{End: t0, Days: 7, DowntimeMaxSeverity: 3}, {End: t0, Days: 7, LinkWithin: time.Hour},
	}
	if n := reflect.TypeFor[Query]().NumField(); n != len(variants)-1 {
		t.Fatalf("Query has %d fields, this test, Equal and Key know %d: add the new one to all three", n, len(variants)-1)
	}
	keys := map[string]bool{}
	for i, q := range variants {
		keys[q.Key()] = true
		for j, o := range variants {
			if q.Equal(o) != (i == j) {
				t.Errorf("variants %d and %d: Equal = %v", i, j, q.Equal(o))
			}
		}
	}
	if len(keys) != len(variants) {
		t.Errorf("%d distinct keys for %d different queries", len(keys), len(variants))
	}
	if !base.Equal(Query{End: t0.In(time.FixedZone("x", 3600)), Days: 7}) {
		t.Error("the same instant in another zone is another query")
	}
}

func TestQueryKeysDoNotCollide(t *testing.T) {
	a := Query{Days: 7, Services: []string{"a|1:b"}}
	b := Query{Days: 7, Services: []string{"a", "b"}}
	c := Query{Days: 7, Environments: []string{"a"}, Services: []string{"b"}}
	keys := map[string]bool{a.Key(): true, b.Key(): true, c.Key(): true}
	if len(keys) != 3 {
		t.Errorf("keys collide: %v", keys)
	}
}

func TestQueryMatch(t *testing.T) {
	all, some := Query{}, Query{Services: []string{"a", "b"}, Environments: []string{"Prod", "staging"}}
	for _, c := range []struct {
		q    Query
		svc  string
		want bool
	}{{all, "x", true}, {all, "", true}, {some, "a", true}, {some, "A", false}, {some, "", false},
		{Query{Services: []string{""}}, "", false}} {
		if got := c.q.MatchService(c.svc); got != c.want {
			t.Errorf("%q.MatchService(%q) = %v", c.q.Services, c.svc, got)
		}
	}
	for _, c := range []struct {
		q    Query
		env  string
		want bool
	}{{all, "production", true}, {all, "PRODUCTION", true}, {all, "staging", false},
		{some, "prod", true}, {some, "STAGING", true}, {some, "production", false}} {
		if got := c.q.MatchEnvironment(c.env); got != c.want {
			t.Errorf("%q.MatchEnvironment(%q) = %v", c.q.Environments, c.env, got)
		}
	}
}

// TestSeverityJSON: a Severity is its name in JSON, as the string fields
// it replaced were, and reads back.
func TestSeverityJSON(t *testing.T) {
	for s, want := range map[Severity]string{1: `"SEV1"`, 5: `"SEV5"`, SeverityUnknown: `"unknown"`, 9: `"unknown"`} {
		b, err := json.Marshal(IncidentView{Severity: s})
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if string(m["severity"]) != want {
			t.Errorf("severity %d marshals to %s, want %s", s, m["severity"], want)
		}
		var back Severity
		if err := json.Unmarshal(m["severity"], &back); err != nil || back.String() != s.String() {
			t.Errorf("%s reads back as %v (%v)", m["severity"], back, err)
		}
	}
	ranks := []int{SeverityUnknown.Rank(), Severity(1).Rank(), Severity(5).Rank(), Severity(7).Rank()}
	if !slices.Equal(ranks, []int{6, 1, 5, 6}) {
		t.Errorf("ranks %v", ranks)
	}
}

// TestSeriesStats: the statistics of plain values follow SPEC §3's words
// (sorted, middle values, nearest rank).
func TestSeriesStats(t *testing.T) {
	for _, c := range []struct {
		xs              []float64
		median, p90, mn float64
	}{
		{[]float64{3}, 3, 3, 3},
		{[]float64{4, 1, 3, 2}, 2.5, 4, 2.5},
		{[]float64{10, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 0, 0, 1},
		{[]float64{0.5, 0.25, 1, 0, 0.75}, 0.5, 1, 0.5},
	} {
		st := SeriesStats(slices.Clone(c.xs))
		if st.Count != len(c.xs) || *st.Median != c.median || *st.P90 != c.p90 || *st.Mean != c.mn {
			t.Errorf("%v: median %v p90 %v mean %v", c.xs, *st.Median, *st.P90, *st.Mean)
		}
	}
	if st := SeriesStats(nil); st.Count != 0 || st.Median != nil {
		t.Errorf("empty: %+v", st)
	}
}
