package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"doradash/model"
)

func fp(v float64) *float64 { return &v }

func TestFormatSeconds(t *testing.T) {
	tests := []struct {
		sec  float64
		want string
	}{
		{0, "0s"},
		{-5, "0s"},
		{42, "42s"},
		{59.4, "59s"},
		{59.6, "1m"},
		{60, "1m"},
		{252, "4m 12s"},
		{599, "9m 59s"},
		{600, "10m"},
		{47*60 + 10, "47m"},
		{3599, "1h"},
		{3600, "1h"},
		{4*3600 + 12*60, "4h 12m"},
		{4*3600 + 12*60 + 31, "4h 13m"},
		{86399, "1d"},
		{86400 + 4*3600, "1d 4h"},
		{3*86400 + 4*3600 + 1700, "3d 4h"},
		{10 * 86400, "10d"},
		{45*86400 + 3600, "45d"},
	}
	for _, tt := range tests {
		if got := formatSeconds(tt.sec); got != tt.want {
			t.Errorf("formatSeconds(%v) = %q, want %q", tt.sec, got, tt.want)
		}
	}
}

func TestFormatFrequencyAndRates(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"per day", formatFrequency(2.3), "2.3/day"},
		{"exactly daily", formatFrequency(1), "1.0/day"},
		{"per week", formatFrequency(3.0 / 7), "3.0/week"},
		{"per month", formatFrequency(2.0 / 30), "2.0/month"},
		{"many a day", formatFrequency(140), "140/day"},
		{"rate", formatRate(fp(0.0714)), "7.1%"},
		{"rate nil", formatRate(nil), "no data"},
		{"availability cut not rounded", formatAvailability(0.99999), "99.99%"},
		{"availability full", formatAvailability(1), "100%"},
		{"availability", formatAvailability(0.99764), "99.76%"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name      string
		cur, prev *float64
		up        bool
		want      string
		verdict   verdict
	}{
		{"frequency up is better", fp(2.2), fp(2), true, "▲ 10% better", verdictBetter},
		{"frequency down is worse", fp(1.5), fp(2), true, "▼ 25% worse", verdictWorse},
		{"lead time down is better", fp(90), fp(100), false, "▼ 10% better", verdictBetter},
		{"failure rate up is worse", fp(0.12), fp(0.10), false, "▲ 20% worse", verdictWorse},
		{"no change", fp(100), fp(100.2), false, "= 0%", verdictSame},
		{"from zero", fp(0.1), fp(0), false, "▲ worse", verdictWorse},
		{"zero to zero", fp(0), fp(0), true, "= 0%", verdictSame},
		{"no previous", fp(1), nil, true, "no previous data", verdictNone},
		{"no current", nil, fp(1), true, "no data", verdictNone},
		{"huge", fp(100), fp(1), true, "▲ >999% better", verdictBetter},
	}
	for _, tt := range tests {
		d := compare(tt.cur, tt.prev, tt.up)
		if d.text() != tt.want || d.verdict != tt.verdict {
			t.Errorf("%s: got %q (%v), want %q (%v)", tt.name, d.text(), d.verdict, tt.want, tt.verdict)
		}
	}
}

func TestTierReadsWithoutColour(t *testing.T) {
	seen := map[string]bool{}
	for _, tier := range []model.Tier{model.TierElite, model.TierHigh, model.TierMedium, model.TierLow, model.TierNone} {
		marks := tierMarks(tier)
		if ansi.StringWidth(marks) != 4 {
			t.Errorf("tierMarks(%q) = %q, want 4 cells", tier, marks)
		}
		if seen[marks] {
			t.Errorf("tierMarks(%q) = %q is not distinct", tier, marks)
		}
		seen[marks] = true
		if tierWord(tier) == "" {
			t.Errorf("tierWord(%q) is empty", tier)
		}
	}
}

// TestStepDays: [ and ] stop at the shortest and the longest window, and
// a window from the command line is one of the steps.
func TestStepDays(t *testing.T) {
	tests := []struct {
		initial, days, dir, want int
	}{
		{30, 30, +1, 90},
		{30, 90, +1, 90}, // the longest stays
		{30, 1, -1, 1},   // the shortest stays
		{30, 7, -1, 1},
		{30, 30, -1, 7},
		{14, 14, +1, 30},
		{14, 14, -1, 7},
		{14, 7, +1, 14}, // --window 14d stays reachable
		{14, 30, -1, 14},
		{200, 90, +1, 200},
		{200, 200, +1, 200},
		{200, 200, -1, 90},
		{1, 1, -1, 1},
	}
	for _, tt := range tests {
		ws := windowsWith(tt.initial)
		if got := stepDays(ws, tt.days, tt.dir); got != tt.want {
			t.Errorf("windows %v: stepDays(%d, %+d) = %d, want %d", ws, tt.days, tt.dir, got, tt.want)
		}
	}
	if got := windowsWith(14); !slices.Equal(got, []int{1, 7, 14, 30, 90}) || !slices.Equal(windows, []int{1, 7, 30, 90}) {
		t.Errorf("windowsWith(14) = %v (and windows became %v)", got, windows)
	}
}

func TestPrevService(t *testing.T) {
	all := []string{"auth", "checkout", "search"}
	tests := []struct {
		cur  []string
		want []string
	}{
		{nil, []string{"search"}},
		{[]string{"search"}, []string{"checkout"}},
		{[]string{"auth"}, nil},
		{[]string{"gone"}, nil},
		{[]string{"auth", "search"}, nil},
	}
	for _, tt := range tests {
		got := prevService(tt.cur, all)
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("prevService(%v) = %v, want %v", tt.cur, got, tt.want)
		}
	}
	if got := prevService(nil, nil); got != nil {
		t.Errorf("prevService with no services = %v, want all", got)
	}
}

func TestNextService(t *testing.T) {
	all := []string{"auth", "checkout", "search"}
	tests := []struct {
		cur  []string
		want []string
	}{
		{nil, []string{"auth"}},
		{[]string{"auth"}, []string{"checkout"}},
		{[]string{"search"}, nil},
		{[]string{"gone"}, nil},
		{[]string{"auth", "search"}, nil},
	}
	for _, tt := range tests {
		got := nextService(tt.cur, all)
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("nextService(%v) = %v, want %v", tt.cur, got, tt.want)
		}
	}
	if got := nextService(nil, nil); got != nil {
		t.Errorf("nextService with no services = %v, want all", got)
	}
}

func TestBigText(t *testing.T) {
	for _, s := range []string{"0123456789", "4h 12m", "7.1%", "2.3", "42s", "3d 4h", "1/2", "-"} {
		for _, scale := range []int{1, 2} {
			lines, ok := bigText(s, scale)
			if !ok {
				t.Fatalf("bigText(%q) not ok", s)
			}
			want := bigWidth(s, scale)
			for i, l := range lines {
				if got := ansi.StringWidth(l); got != want {
					t.Errorf("bigText(%q, %d) line %d is %d wide, bigWidth says %d", s, scale, i, got, want)
				}
			}
		}
	}
	if _, ok := bigText("2.3/day", 1); ok {
		t.Error("bigText accepted letters the font lacks")
	}
	if bigWidth("x", 1) != -1 {
		t.Error("bigWidth accepted letters the font lacks")
	}
}

func TestBarChart(t *testing.T) {
	series := []*float64{fp(0), fp(1), nil, fp(4), fp(8)}
	tests := []struct {
		name       string
		w, h, colW int
		want       []string
	}{
		{"sparkline", 5, 1, 1, []string{" ▁ ▄█"}},
		{"two lines", 5, 2, 1, []string{"    █", " ▂ ██"}},
		{"narrow keeps newest", 2, 1, 1, []string{"▄█"}},
		{"wide bars with gaps", 15, 1, 3, []string{"   ▁▁    ▄▄ ██ "}},
		{"right aligned", 7, 1, 1, []string{"   ▁ ▄█"}},
	}
	for _, tt := range tests {
		got := barChart(series, tt.w, tt.h, tt.colW)
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
		for _, l := range got {
			if ansi.StringWidth(l) != tt.w {
				t.Errorf("%s: line %q is not %d wide", tt.name, l, tt.w)
			}
		}
	}
}

func TestFitIsExactAndKeepsEscapes(t *testing.T) {
	st := newStyles(renderer(termenv.ANSI256))
	in := st.bad.Render("SEV1 checkout") + " 5xx on /pay " + st.dim.Render("· 47m")
	for w := 0; w <= 40; w++ {
		got := fit(in, w)
		if ansi.StringWidth(got) != w {
			t.Errorf("fit(…, %d) is %d wide", w, ansi.StringWidth(got))
		}
		if strings.Contains(ansi.Strip(got), "\x1b") {
			t.Errorf("fit(…, %d) cut an escape sequence: %q", w, got)
		}
		if w > 0 && w < ansi.StringWidth(in) && !strings.HasSuffix(ansi.Strip(got), "…") {
			t.Errorf("fit(…, %d) = %q: a cut line should end in an ellipsis", w, ansi.Strip(got))
		}
	}
}

func TestAgo(t *testing.T) {
	now := testNow
	if got := ago(now, now.Add(-47*time.Minute-10*time.Second)); got != "47m" {
		t.Errorf("ago 47m10s = %q", got)
	}
	if got := ago(now, now.Add(time.Hour)); got != "0s" {
		t.Errorf("ago in the future = %q, want 0s", got)
	}
}
