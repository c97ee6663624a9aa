package synth_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"doradash/bench/synth"
	"doradash/sources"
)

func TestWriters(t *testing.T) {
	o := synth.Options{Deployments: 2000, Incidents: 300, Services: 7, Seed: 3}
	var js, nd bytes.Buffer
	if err := synth.WriteNative(&js, o); err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteNDJSON(&nd, o); err != nil {
		t.Fatal(err)
	}
	if !json.Valid(js.Bytes()) {
		t.Fatal("WriteNative wrote invalid JSON")
	}
	a, rejA, err := sources.Decode(&js, sources.FormatJSON)
	if err != nil || rejA.Count != 0 {
		t.Fatalf("decode JSON: %v %+v", err, rejA)
	}
	b, rejB, err := sources.Decode(&nd, sources.FormatNDJSON)
	if err != nil || rejB.Count != 0 {
		t.Fatalf("decode NDJSON: %v %+v", err, rejB)
	}
	if len(a.Deployments) != o.Deployments || len(a.Incidents) != o.Incidents {
		t.Fatalf("JSON has %d deployments, %d incidents; want %d, %d", len(a.Deployments), len(a.Incidents), o.Deployments, o.Incidents)
	}
	if len(b.Deployments) != len(a.Deployments) || len(b.Incidents) != len(a.Incidents) {
		t.Fatalf("NDJSON has %d deployments, %d incidents", len(b.Deployments), len(b.Incidents))
	}
	services := map[string]bool{}
	statuses := map[string]int{}
	for i := range a.Deployments {
		da, db := a.Deployments[i], b.Deployments[i]
		if da.ID != db.ID || da.FinishedAt != db.FinishedAt || len(da.Commits) != len(db.Commits) {
			t.Fatalf("record %d differs: %+v vs %+v", i, da, db)
		}
		if n := len(da.Commits); n < 1 || n > 5 {
			t.Fatalf("deployment %d has %d commits", i, n)
		}
		if i > 0 && da.FinishedAt < a.Deployments[i-1].FinishedAt {
			t.Fatalf("deployment %d finished before its predecessor", i)
		}
		if !da.FinishedAt.Time().Before(synth.DefaultEnd) {
			t.Fatalf("deployment %d finished at %v, after the end", i, da.FinishedAt)
		}
		services[da.Service] = true
		statuses[da.Status.String()]++
	}
	if len(services) != o.Services {
		t.Errorf("%d services, want %d", len(services), o.Services)
	}
	if statuses["success"] == 0 || statuses["failed"] == 0 || statuses["rolled_back"] == 0 {
		t.Errorf("statuses not mixed: %v", statuses)
	}
	open, linked := 0, 0
	for _, i := range a.Incidents {
		if !i.ResolvedAt.IsSet() {
			open++
		}
		if i.DeploymentID != "" {
			linked++
		}
	}
	if open == 0 || linked == 0 {
		t.Errorf("%d open and %d linked incidents, want some of each", open, linked)
	}
}

func TestDeterministic(t *testing.T) {
	o := synth.Options{Deployments: 500, Incidents: 50, Seed: 9}
	var a, b, c bytes.Buffer
	if err := synth.WriteNative(&a, o); err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteNative(&b, o); err != nil {
		t.Fatal(err)
	}
	o.Seed++
	if err := synth.WriteNative(&c, o); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("same seed, different documents")
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("different seeds, same document")
	}
}

func TestNegativeCounts(t *testing.T) {
	if err := synth.WriteNative(&bytes.Buffer{}, synth.Options{Deployments: -1}); err == nil {
		t.Error("negative deployments accepted")
	}
}
