package transform

import (
	"encoding/json"
	"strings"
	"testing"
)

// collect runs src on the JSON page and decodes what it yields.
func collect(t *testing.T, src, page string) (*collector, error) {
	t.Helper()
	p, err := Compile(src)
	if err != nil {
		t.Fatal(err)
	}
	body, err := decodeBody([]byte(page))
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{limit: 1 << 20}
	c.newPage()
	return c, p.Run(t.Context(), body, Limits{}, c.add)
}

func TestOutputsAreValidatedLikeNDJSONLines(t *testing.T) {
	c, err := collect(t, `.items[] | if type == "object" and .doc then .doc else . end`, `{"items": [
		{"kind": "deployment", "id": "d1", "finished_at": "2026-11-20T10:00:00Z"},
		{"kind": "deployment", "id": "d2", "finished_at": "yesterday"},
		{"kind": "incident", "id": 7, "started_at": "2026-11-20T11:00:00Z", "severity": "SEV2"},
		{"doc": {"deployments": [{"id": "d3", "finished_at": "2026-11-20T12:00:00Z"}, {"id": "", "finished_at": "2026-11-20T12:00:00Z"}]}},
		{"kind": "deployment", "id": "d1", "finished_at": "2026-11-20T13:00:00Z"},
		"not an object",
		{"no": "kind"},
		{"doc": {"incidents": "not an array"}}
	]}`)
	if err != nil {
		t.Fatal(err)
	}
	b, rej := c.batch()
	var ids []string
	for _, d := range b.Deployments {
		ids = append(ids, d.ID+"@"+d.FinishedAt.Time().Format("15"))
	}
	// In the order yielded: the later d1 comes last, so it wins as in a file.
	if got := strings.Join(ids, " "); got != "d1@10 d3@12 d1@13" {
		t.Errorf("deployments %s", got)
	}
	if len(b.Incidents) != 1 || b.Incidents[0].ID != "7" || b.Incidents[0].Severity != 2 {
		t.Errorf("incidents %+v", b.Incidents)
	}
	if rej.Count != 5 || rej.First != `transform output 2: finished_at: not an RFC 3339 timestamp: "yesterday"` {
		t.Errorf("rejections %d, first %q", rej.Count, rej.First)
	}
}

func TestRejectionPlacesNameTheOutput(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{`{kind: "deployment", id: "a", finished_at: "2026-11-20T10:00:00Z"}, 5`, "transform output 2: wrong type: want object, got number"},
		{`{kind: "deployment", id: "a", finished_at: "2026-11-20T10:00:00Z"}, {deployments: [{id: "b"}]}`,
			`transform output 2: deployments[0].finished_at: missing required field`},
		{`{deployments: [], incidents: []}, {kind: "flight", id: "x"}`, `transform output 2: `},
		{`{deployments: 5}`, `transform output 1: `},
		{`null`, "transform output 1: wrong type: want object, got null"},
	} {
		col, err := collect(t, c.src, `{}`)
		if err != nil {
			t.Fatal(err)
		}
		_, rej := col.batch()
		if rej.Count != 1 || !strings.HasPrefix(rej.First, c.want) {
			t.Errorf("%s: got %d, %q; want %q", c.src, rej.Count, rej.First, c.want)
		}
	}
}

func TestNumbersKeepTheirSpelling(t *testing.T) {
	// An id of 20 digits stays exact, and 2.0 stays a number with a
	// fraction (not an integer) for the decoder to judge.
	col, err := collect(t, `.[] | {kind: "incident", id: .id, started_at: "2026-11-20T10:00:00Z", severity: .sev}`,
		`[{"id": 12345678901234567890, "sev": 2}, {"id": 1.0, "sev": 2.0}]`)
	if err != nil {
		t.Fatal(err)
	}
	b, rej := col.batch()
	if len(b.Incidents) != 1 || b.Incidents[0].ID != "12345678901234567890" || b.Incidents[0].Severity != 2 {
		t.Errorf("incidents %+v", b.Incidents)
	}
	if rej.Count != 1 || !strings.HasPrefix(rej.First, "transform output 2: id: ") {
		t.Errorf("rejection %d %q", rej.Count, rej.First)
	}
}

func TestOutputBytesAreBounded(t *testing.T) {
	p, _ := Compile(`range(100) | {kind: "deployment", id: tostring, finished_at: "2026-11-20T10:00:00Z", pad: ("x" * 100)}`)
	c := &collector{limit: 2000}
	c.newPage()
	err := p.Run(t.Context(), nil, Limits{}, c.add)
	if err == nil || !strings.Contains(err.Error(), "more than 1.95 KiB of values from one page") {
		t.Fatalf("got %v", err)
	}
	// A new page starts counting again.
	c.newPage()
	if err := c.add(json.Number("1")); err != nil {
		t.Fatal(err)
	}
}

func TestRenumber(t *testing.T) {
	for in, want := range map[string]string{
		"line 1: x":    "transform output 5: x",
		"line 3: a: b": "transform output 7: a: b",
		"odd message":  "transform output 5: odd message",
		"line x: odd":  "transform output 5: line x: odd",
	} {
		if got := renumber(in, 5); got != want {
			t.Errorf("%q: got %q", in, got)
		}
	}
}
