package model

import (
	"testing"
	"unsafe"
)

func TestPrintable(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"d-1042", "d-1042"},
		{"café 😀 \u00a0\u2029\u2065\u206a\ufffd", "café 😀 \u00a0\u2029\u2065\u206a\ufffd"},
		{"a\x00b\x1fc\x7fd", "a\ufffdb\ufffdc\ufffdd"},
		{"\t\n\r", "\ufffd\ufffd\ufffd"},
		{"\x1b]0;pwned\x07", "\ufffd]0;pwned\ufffd"},
		{"\u0080\u0085\u009b\u009f\u00a0", "\ufffd\ufffd\ufffd\ufffd\u00a0"},
		{"\u202aa\u202eb\u2066c\u2069", "\ufffda\ufffdb\ufffdc\ufffd"},
		{"a\xffb", "a\ufffdb"},
		{"a\xff\xfe\xfdb", "a\ufffdb"}, // a run of invalid bytes is one U+FFFD
		{"\xe2\x80", "\ufffd"},         // a cut character
		{"\xff\x1b\xff", "\ufffd\ufffd\ufffd"},
		{"\xed\xa0\x80", "\ufffd"}, // an encoded surrogate is invalid UTF-8
	} {
		if got := Printable(tc.in); got != tc.want {
			t.Errorf("Printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Nothing to replace: the same string, not a copy.
	s := "checkout café"
	if got := Printable(s); unsafe.StringData(got) != unsafe.StringData(s) {
		t.Error("Printable copied a string that needs nothing replaced")
	}
}

// TestSeverityFolding: severity names match by Unicode simple case folding,
// as written (no trimming), with one ASCII digit.
func TestSeverityFolding(t *testing.T) {
	for in, want := range map[string]Severity{
		"\u017fev2": 2, "\u017fEV5": 5, "CRITICAL": 1, "InFoRmAtIoNaL": 5, "MiNoR": 4, "P5": 5,
		" sev2": 0, "sev2 ": 0, "sev\u00a02": 0, "sev\uff12": 0, "\u0130nfo": 0, "pp1": 0, "sev-1": 0, "s1": 0,
		"\u212a": 0, // KELVIN SIGN folds to k, which no name is
	} {
		if got := SeverityFromString(in); got != want {
			t.Errorf("SeverityFromString(%q) = %d, want %d", in, got, want)
		}
	}
}
