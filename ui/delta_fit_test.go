package ui

import "testing"

// TestDeltaFitDropsWordsNotDigits: a narrow tile loses the verdict word
// before any digit of the change (issue 9: "▲ 12%" rather than "▲ 1…").
func TestDeltaFitDropsWordsNotDigits(t *testing.T) {
	d := delta{arrow: "▲", amount: "12%", verdict: verdictWorse}
	tests := []struct {
		w    int
		want string
	}{
		{20, "▲ 12% worse"},
		{11, "▲ 12% worse"},
		{10, "▲ 12%"},
		{5, "▲ 12%"},
		{4, "▲"},
		{1, "▲"},
		{0, ""},
	}
	for _, tt := range tests {
		if got := d.fit(tt.w); got != tt.want {
			t.Errorf("fit(%d) = %q, want %q", tt.w, got, tt.want)
		}
	}
	none := delta{amount: "no previous data"}
	if got := none.fit(40); got != "no previous data" {
		t.Errorf("fit(40) of no previous data = %q", got)
	}
}
