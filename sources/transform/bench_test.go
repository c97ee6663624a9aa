package transform

import (
	"encoding/json"
	"fmt"
	"testing"
)

// BenchmarkPage runs the Jira example's kind of program on a page of 100
// issues and decodes what it yields, as one page of a poll costs.
func BenchmarkPage(b *testing.B) {
	var issues []map[string]any
	for i := range 100 {
		issues = append(issues, map[string]any{"key": fmt.Sprintf("OPS-%d", i), "fields": map[string]any{
			"summary": "Checkout returns 502", "created": "2026-11-20T14:10:00.000+0000",
			"resolutiondate": "2026-11-20T15:10:00.000+0000", "priority": map[string]any{"name": "High"},
		}})
	}
	raw, _ := json.Marshal(map[string]any{"issues": issues})
	p, err := Compile(`.issues[] | {kind: "incident", id: "jira:\(.key)", title: .fields.summary,
  severity: .fields.priority.name, started_at: (.fields.created | to_rfc3339),
  resolved_at: (.fields.resolutiondate | to_rfc3339)}`)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		body, _ := decodeBody(raw)
		c := &collector{limit: 1 << 30}
		c.newPage()
		if err := p.Run(b.Context(), body, Limits{}, c.add); err != nil {
			b.Fatal(err)
		}
		if batch, _ := c.batch(); len(batch.Incidents) != 100 {
			b.Fatal(len(batch.Incidents))
		}
	}
}
