package model_test

import (
	"slices"
	"testing"

	"doradash/model"
)

func TestTeams(t *testing.T) {
	ts := model.Teams{
		{Name: "payments", Services: []string{"checkout", "ledger"}},
		{Name: "platform", Services: []string{"gateway", "ledger"}},
	}
	all := []string{"", "auth", "checkout", "gateway", "ledger", "search"}
	cases := []struct {
		name    string
		want    []string
		wantErr string
	}{
		{"payments", []string{"checkout", "ledger"}, ""},
		{"platform", []string{"gateway", "ledger"}, ""},
		{model.Unassigned, []string{"auth", "search"}, ""},
		{"nobody", nil, `unknown team "nobody" (known: "payments", "platform", "unassigned")`},
	}
	for _, c := range cases {
		got, err := ts.Services(c.name, all)
		if c.wantErr != "" {
			if err == nil || err.Error() != c.wantErr {
				t.Errorf("%s: error %v, want %q", c.name, err, c.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	// A team's services are a copy: changing them leaves the team alone.
	got, _ := ts.Services("payments", all)
	got[0] = "changed"
	if ts[0].Services[0] != "checkout" {
		t.Error("Services returned the team's own slice")
	}
	for svc, want := range map[string]string{"checkout": "payments", "ledger": "payments", "gateway": "platform", "auth": model.Unassigned, "": model.Unassigned} {
		if got := ts.Of(svc); got != want {
			t.Errorf("Of(%q) = %q, want %q", svc, got, want)
		}
	}
	if got := model.Teams(nil).UnassignedOf(all); !slices.Equal(got, all[1:]) {
		t.Errorf("no teams: unassigned %q", got)
	}
}
