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
	for w, want := range map[int]string{40: "no previous data", 12: "no prev data", 8: "no prev", 6: ""} {
		if got := none.fit(w); got != want {
			t.Errorf("fit(%d) of no previous data = %q, want %q", w, got, want)
		}
	}
}
