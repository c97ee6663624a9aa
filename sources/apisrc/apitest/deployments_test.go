package apitest

import (
	"fmt"
	"testing"
	"time"
)

func TestDeploymentsJSONCommitsSinceThePreviousSuccess(t *testing.T) {
	at := func(h int) time.Time { return Epoch.Add(time.Duration(h) * time.Hour) }
	history := []Commit{{"a", at(-10), at(-9)}, {"b", at(-8), at(-7)}, {"c", at(-6), at(-5)}, {"d", at(-4), at(-3)}}
	recs := []Shipped{
		{ID: 1, Env: "production", SHA: "a", Status: "success", Finished: at(-9)},
		{ID: 2, Env: "production", SHA: "b", Status: "failed", Finished: at(-7)},
		{ID: 3, Env: "staging", SHA: "c", Status: "success", Finished: at(-5)},
		{ID: 4, Env: "production", SHA: "d", Status: "success", Finished: at(-3)},
	}
	b := Decode(t, `{"deployments":[`+DeploymentsJSON(recs, history, "x:", "svc", "committer")+`]}`)
	SortBatch(b)
	var got []string
	for _, d := range b.Deployments {
		s := d.ID + ":"
		for _, c := range d.Commits {
			s += c.SHA
		}
		got = append(got, s)
	}
	if fmt.Sprint(got) != "[x:1:a x:2: x:3:c x:4:bcd]" {
		t.Errorf("commits %v", got)
	}
	if c := b.Deployments[0].Commits[0]; !c.CommittedAt.Time().Equal(at(-9)) {
		t.Errorf("committer date not used: %v", c.CommittedAt)
	}
}
