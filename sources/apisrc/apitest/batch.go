package apitest

import (
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"doradash/model"
	"doradash/sources"
)

// Decode reads doc, a native JSON document a test writes as it expects a
// source to read a fake, failing the test on an error or a rejection.
func Decode(t testing.TB, doc string) *model.Batch {
	t.Helper()
	b, rej, err := sources.Decode(strings.NewReader(doc), sources.FormatJSON)
	if err != nil || rej.Count > 0 {
		t.Fatalf("expected doc: %v %v", err, rej)
	}
	return b
}

// SortBatch orders records by id so batches compare regardless of order.
func SortBatch(b *model.Batch) {
	sort.Slice(b.Deployments, func(i, j int) bool { return b.Deployments[i].ID < b.Deployments[j].ID })
	sort.Slice(b.Incidents, func(i, j int) bool { return b.Incidents[i].ID < b.Incidents[j].ID })
}

// Reports computes the report of b for each query.
func Reports(b *model.Batch, queries ...model.Query) []*model.Report {
	ds := model.Merge(b)
	out := make([]*model.Report, len(queries))
	for i, q := range queries {
		out[i] = model.Compute(ds, q)
	}
	return out
}

// SameBatch fails the test when got and want, sorted, differ, naming the
// first difference, or when their reports for queries differ.
func SameBatch(t testing.TB, got, want *model.Batch, queries ...model.Query) {
	t.Helper()
	SortBatch(got)
	SortBatch(want)
	if len(got.Deployments) != len(want.Deployments) || len(got.Incidents) != len(want.Incidents) {
		t.Fatalf("got %d deployments, %d incidents; want %d, %d",
			len(got.Deployments), len(got.Incidents), len(want.Deployments), len(want.Incidents))
	}
	for i := range got.Deployments {
		if !reflect.DeepEqual(got.Deployments[i], want.Deployments[i]) {
			t.Fatalf("first difference:\n got %+v\nwant %+v", got.Deployments[i], want.Deployments[i])
		}
	}
	for i := range got.Incidents {
		if !reflect.DeepEqual(got.Incidents[i], want.Incidents[i]) {
			t.Fatalf("first difference:\n got %+v\nwant %+v", got.Incidents[i], want.Incidents[i])
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("batches differ")
	}
	if g, w := Reports(got, queries...), Reports(want, queries...); !slices.EqualFunc(g, w, (*model.Report).Equal) {
		t.Fatal("metrics differ from the same events as native records")
	}
}
