package termbg

import (
	"os"
	"testing"
)

func TestParseBackground(t *testing.T) {
	for _, c := range []struct {
		in       string
		dark, ok bool
	}{
		{"\x1b]11;rgb:1e1e/1e1e/1e1e\x1b\\\x1b[24;1R", true, true},
		{"\x1b]11;rgb:ffff/ffff/ffff\a", false, true},
		{"\x1b]11;rgb:fd/f6/e3\x1b\\", false, true},
		{"\x1b[24;1R", false, false}, // answers the position only: no OSC 11
		{"\x1b]11;rgb:ffff/ffff\a", false, false},
		{"\x1b]11;rgb:zzzz/ffff/ffff\a", false, false},
		{"\x1b]11;rgb:ffff/ffff/ffff", false, false}, // cut short
		{"", false, false},
	} {
		dark, ok := parseBackground([]byte(c.in))
		if dark != c.dark || ok != c.ok {
			t.Errorf("%q: dark %v ok %v, want %v %v", c.in, dark, ok, c.dark, c.ok)
		}
	}
}

func TestFGBG(t *testing.T) {
	for _, c := range []struct {
		in       string
		dark, ok bool
	}{{"15;0", true, true}, {"0;15", false, true}, {"0;default;8", true, true}, {"12;7", false, true},
		{"", false, false}, {"15", false, false}, {"15;x", false, false}, {"1;99", false, false}} {
		dark, ok := fgbgDark(c.in)
		if dark != c.dark || ok != c.ok {
			t.Errorf("%q: dark %v ok %v, want %v %v", c.in, dark, ok, c.dark, c.ok)
		}
	}
}

// TestDarkNeverAsksWhenTheAnswerCannotCome: the theme, COLORFGBG, NO_COLOR,
// TERM=dumb and a non-terminal decide without a query (a pipe would
// otherwise be written to and waited on).
func TestDarkNeverAsksWhenTheAnswerCannotCome(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, c := range []struct {
		name  string
		theme string
		env   func(string) string
		want  bool
	}{
		{"theme light", "light", env("COLORFGBG", "15;0"), false},
		{"theme dark", "dark", env("COLORFGBG", "0;15"), true},
		{"COLORFGBG light", "", env("COLORFGBG", "0;15"), false},
		{"NO_COLOR", "", env("NO_COLOR", "1"), true},
		{"dumb", "", env("TERM", "dumb"), true},
		{"pipe", "", env(), true},
	} {
		if got := Dark(c.theme, r, w, c.env); got != c.want {
			t.Errorf("%s: dark %v, want %v", c.name, got, c.want)
		}
	}
}
