package sources

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"doradash/model"
)

// The first and last supported instants (SPEC preamble), written out
// independently of the parser's constants.
var (
	firstTime = time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC)
	lastTime  = time.Date(2262, 4, 11, 23, 47, 16, 0, time.UTC)
)

// rangeStamp is what parseStamp must give for the instant t.
func rangeStamp(t time.Time) (model.Stamp, stampErr) {
	switch {
	case t.Before(firstTime), t.After(lastTime):
		return 0, stampOutRange
	case t.Equal(time.Unix(0, 0)):
		return model.EpochStamp, stampOK
	}
	return model.Stamp(t.UnixNano()), stampOK
}

// rfc3339 is the syntax of an RFC 3339 date-time (RFC 3339 §5.6), with
// lower-case "t" and "z" (its note); the ranges of the numbers are left to
// time.Parse, except the offset's, which its fallback parser does not check.
var rfc3339 = regexp.MustCompile(`^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$`)

// referenceStamp is what parseStamp must return for s, worked out with
// time.Parse: s must be RFC 3339 (time.Parse alone takes more, such as a
// comma before the fraction or a one-digit hour); "t" and "z" may be lower
// case; a leap second, :60 in the last minute of a UTC day, is the second
// after :59; and instants outside the supported range are refused as
// such (rangeStamp).
func referenceStamp(s string) (model.Stamp, stampErr) {
	if !rfc3339.MatchString(s) {
		return 0, stampSyntax
	}
	b := []byte(s)
	b[10] = 'T'
	if b[len(b)-1] == 'z' {
		b[len(b)-1] = 'Z'
	}
	leap := string(b[17:19]) == "60"
	if leap {
		b[17], b[18] = '5', '9'
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return 0, stampSyntax
	}
	if leap {
		if u := t.UTC(); u.Hour() != 23 || u.Minute() != 59 {
			return 0, stampSyntax
		}
		t = t.Add(time.Second)
	}
	return rangeStamp(t)
}

// at is the Stamp of an in-range RFC 3339 timestamp that time.Parse takes.
func at(t *testing.T, s string) model.Stamp {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || tm.UnixNano() == 0 {
		t.Fatalf("time.Parse(%q): %v", s, err)
	}
	return model.Stamp(tm.UnixNano())
}

func TestParseStamp(t *testing.T) {
	// What time.Parse takes, in the supported range: the same instant.
	for _, s := range []string{
		"2026-11-20T14:03:00Z", "2026-11-20T14:03:00+02:00", "2026-11-20T14:03:00-00:00",
		"2026-11-20T14:03:00.5Z", "2026-11-20T14:03:00.123456789+05:30", "2026-11-20T14:03:00.1234567891234Z",
		"2024-02-29T23:59:59Z", "2000-02-29T00:00:00Z", "2026-11-20T00:00:00+23:59", "1970-01-01T00:00:00.000000001Z",
		// The ends of the range, both included, however they are written.
		"1678-01-01T00:00:00Z", "1678-01-01T00:00:00.000000001Z", "1678-01-01T00:00:00.0Z",
		"1677-12-31T23:00:00-01:00", "1677-12-31T00:01:00-23:59", "1678-01-01T23:59:00+23:59",
		"2262-04-11T23:47:16Z", "2262-04-11T23:47:16.000000000Z", "2262-04-11T23:47:15.999999999Z",
		"2262-04-12T00:47:16+01:00", "2262-04-11T00:00:16-23:47",
	} {
		if got, e := parseStamp([]byte(s), nil); e != stampOK || got != at(t, s) {
			t.Errorf("parseStamp(%q) = %v, %v; want %v", s, got, e, at(t, s))
		}
	}

	// What time.Parse does not take, or what lies outside the range.
	for _, tc := range []struct {
		in   string
		want model.Stamp
		e    stampErr
	}{
		// Lower-case "t" and "z" (RFC 3339 §5.6).
		{"2026-11-20t14:03:00Z", at(t, "2026-11-20T14:03:00Z"), stampOK},
		{"2026-11-20T14:03:00z", at(t, "2026-11-20T14:03:00Z"), stampOK},
		{"2026-11-20t14:03:00.25z", at(t, "2026-11-20T14:03:00.25Z"), stampOK},
		{"2026-11-20t14:03:00-05:00", at(t, "2026-11-20T19:03:00Z"), stampOK},

		// Leap seconds roll over into the next minute, in the last minute
		// of a UTC day only.
		{"2016-12-31T23:59:60Z", at(t, "2017-01-01T00:00:00Z"), stampOK},
		{"2016-12-31T23:59:60.5Z", at(t, "2017-01-01T00:00:00.5Z"), stampOK},
		{"2016-12-31t23:59:60z", at(t, "2017-01-01T00:00:00Z"), stampOK},
		{"1990-12-31T15:59:60-08:00", at(t, "1991-01-01T00:00:00Z"), stampOK}, // RFC 3339 §5.8
		{"2017-01-01T05:29:60+05:30", at(t, "2017-01-01T00:00:00Z"), stampOK},
		{"2016-12-31T23:59:60-00:00", at(t, "2017-01-01T00:00:00Z"), stampOK},
		{"2016-12-31T22:59:60-01:00", at(t, "2017-01-01T00:00:00Z"), stampOK},
		// A leap second that rolls over into the first supported instant.
		{"1677-12-31T23:59:60Z", at(t, "1678-01-01T00:00:00Z"), stampOK},
		{"1677-12-31T23:59:60.999999999Z", at(t, "1678-01-01T00:00:00.999999999Z"), stampOK},
		{"1677-12-31T15:59:60-08:00", at(t, "1678-01-01T00:00:00Z"), stampOK},

		// Digits beyond nanoseconds are dropped before the range applies.
		{"2262-04-11T23:47:16.0000000009Z", at(t, "2262-04-11T23:47:16Z"), stampOK},
		{"1677-12-31T23:59:59.9999999999Z", 0, stampOutRange},

		// After the last supported instant, by a nanosecond or by years.
		{"2262-04-11T23:47:16.000000001Z", 0, stampOutRange},
		{"2262-04-11T23:47:16.1Z", 0, stampOutRange},
		{"2262-04-11T23:47:16.854775807Z", 0, stampOutRange}, // the last a Stamp holds
		{"2262-04-11T23:47:16.854775808Z", 0, stampOutRange},
		{"2262-04-11T23:47:17Z", 0, stampOutRange},
		{"2262-04-11T23:47:16-00:01", 0, stampOutRange},
		{"2262-04-12T00:47:16.000000001+01:00", 0, stampOutRange},
		{"2262-04-11T23:59:60Z", 0, stampOutRange},
		{"2300-01-01T00:00:00Z", 0, stampOutRange},
		{"9999-12-31T23:59:59Z", 0, stampOutRange},
		{"9999-12-31T23:59:59.999999999-23:59", 0, stampOutRange},
		{"9999-12-31T23:59:60Z", 0, stampOutRange},

		// Before the first supported instant.
		{"1677-12-31T23:59:59.999999999Z", 0, stampOutRange},
		{"1677-12-31T23:59:59Z", 0, stampOutRange},
		{"1678-01-01T00:00:00+00:01", 0, stampOutRange},
		{"1678-01-01T23:58:59.999999999+23:59", 0, stampOutRange},
		{"1677-12-31T23:58:60Z", 0, stampSyntax},             // no leap second: not RFC 3339 at all
		{"1677-09-21T00:12:43.145224193Z", 0, stampOutRange}, // what a Stamp could still hold
		{"1677-09-21T00:12:43.145224192Z", 0, stampOutRange},
		{"1600-01-01T00:00:00Z", 0, stampOutRange},
		{"0001-01-01T00:00:00Z", 0, stampOutRange},
		{"0000-01-01T00:00:00Z", 0, stampOutRange},
		{"0000-01-01T00:00:00+23:59", 0, stampOutRange},

		// The epoch itself, which the zero Stamp cannot be.
		{"1970-01-01T00:00:00Z", model.EpochStamp, stampOK},
		{"1970-01-01T02:00:00+02:00", model.EpochStamp, stampOK},
		{"1969-12-31T19:00:00-05:00", model.EpochStamp, stampOK},
		{"1970-01-01t00:00:00.000000000z", model.EpochStamp, stampOK},
		{"1969-12-31T23:59:60Z", model.EpochStamp, stampOK},
		{"1969-12-31T23:59:59.999999999Z", -1, stampOK}, // the same Stamp as the epoch
	} {
		if got, e := parseStamp([]byte(tc.in), nil); e != tc.e || got != tc.want {
			t.Errorf("parseStamp(%q) = %d, %v; want %d, %v", tc.in, got, e, tc.want, tc.e)
		}
		if want, e := referenceStamp(tc.in); e != tc.e || want != tc.want {
			t.Errorf("referenceStamp(%q) = %d, %v; the table says %d, %v", tc.in, want, e, tc.want, tc.e)
		}
	}

	// Not RFC 3339.
	for _, s := range []string{
		"yesterday", "", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
		"2026-04-31T00:00:00Z", "2026-11-00T00:00:00Z", "2026-11-20 14:03:00Z", "2026-11-20T14:03:00",
		"2026-11-20T24:00:00Z", "2026-11-20T14:60:00Z", "2026-11-20T14:03:61Z", "2026-11-20T14:03:00+24:00",
		"2026-11-20T14:03:00+02:60", "2026-11-20T14:03:00.Z", "2026-11-20T14:03:00+0200", "2026-11-20T14:03Z",
		"+2026-11-20T14:03:00Z", "2026-1-20T14:03:00Z", "2026-11-20T14:03:00ZZ", "2026-11-20T14:03:00zz",
		"2026-11-20T14:03:00.1.2Z", "2026-11-20T14:03:00 Z", "2026-11-20T14:03:00,5Z", "2026-11-2OT14:03:00Z",
		"2026-11-20T14:03:00+02:00 ", "2026/11/20T14:03:00Z", "2026-11-20x14:03:00Z", "2026-11-20T14:03:00y",
		"2026-11-20T4:03:00Z", "2026-11-20T14:03:00+02:00z", "10000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z",
		"0000-00-00T00:00:00Z", "9999-02-29T00:00:00Z",
		// :60 outside the last minute of a UTC day is no leap second.
		"2026-11-20T14:03:60Z", "2016-12-31T23:58:60Z", "2016-12-31T23:59:60+01:00", "2016-12-31T22:59:60+01:00",
		"2016-12-31T23:59:61Z", "2016-12-31T23:59:99Z",
	} {
		if got, e := parseStamp([]byte(s), nil); e != stampSyntax {
			t.Errorf("parseStamp(%q) = %v, %v; want stampSyntax", s, got, e)
		}
		if _, e := referenceStamp(s); e != stampSyntax {
			t.Errorf("referenceStamp(%q) = %v, want stampSyntax", s, e)
		}
	}
}

// TestParseStampMatchesTime checks random timestamps of every year RFC 3339
// can write, with and without the date cache, against referenceStamp.
func TestParseStampMatchesTime(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var cache dateCache
	layouts := []string{"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.000Z07:00", "2006-01-02T15:04:05.999999999Z07:00"}
	year0 := time.Date(0, 1, 2, 0, 0, 0, 0, time.UTC).Unix() // a day's margin for offsets
	year10000 := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).Unix()
	var outside, leaps int
	for range 50000 {
		var sec int64
		switch r.IntN(4) {
		case 0: // anywhere in 0000–9999
			sec = year0 + r.Int64N(year10000-year0)
		case 1: // near the ends of a Stamp's range
			edge := firstTime
			if r.IntN(2) == 0 {
				edge = lastTime
			}
			sec = edge.Unix() + r.Int64N(4*86400) - 2*86400
		default: // 1680–2260
			sec = r.Int64N(int64(580*365*86400)) - int64(290*365*86400)
		}
		zone := time.FixedZone("", (r.IntN(2*1439+1)-1439)*60) // RFC 3339 offsets stop at ±23:59
		tm := time.Unix(sec, r.Int64N(1e9)).In(zone)
		layout := layouts[r.IntN(len(layouts))]
		s := tm.Format(layout)
		switch r.IntN(8) {
		case 0:
			s = s[:10] + "t" + s[11:]
		case 1:
			s = strings.Replace(s, "Z", "z", 1)
		case 2: // a leap second, wherever the minute is
			s = s[:17] + "60" + s[19:]
		case 3: // a leap second in the last minute of a UTC day, in any zone
			u := tm.UTC()
			s = time.Date(u.Year(), u.Month(), u.Day(), 23, 59, 59, u.Nanosecond(), time.UTC).In(zone).Format(layout)
			s = s[:17] + "60" + s[19:]
		}
		want, wantE := referenceStamp(s)
		if wantE == stampSyntax && s[17:19] != "60" {
			t.Fatalf("referenceStamp(%q) rejects it", s)
		}
		c := &cache
		if r.IntN(2) == 0 {
			c = nil
		}
		got, e := parseStamp([]byte(s), c)
		if e != wantE || got != want {
			t.Fatalf("parseStamp(%q) = %d, %v; want %d, %v", s, got, e, want, wantE)
		}
		if e == stampOutRange {
			outside++
		}
		if e == stampOK && s[17:19] == "60" {
			leaps++
		}
	}
	if outside < 1000 || leaps < 1000 {
		t.Errorf("only %d timestamps out of range and %d leap seconds among the random ones", outside, leaps)
	}
}

// FuzzParseStamp checks parseStamp against referenceStamp: the same
// timestamps accepted, each giving the same Stamp, with or without a date
// cache that holds its date already.
func FuzzParseStamp(f *testing.F) {
	for _, s := range []string{
		"2026-11-20T14:03:00Z", "2026-11-20T14:03:00.123456789+02:00", "2024-02-29T00:00:00-23:59", "yesterday",
		"2026-11-20t14:03:00z", "2016-12-31T23:59:60.5Z", "1990-12-31T15:59:60-08:00", "2026-11-20T14:03:60Z",
		"9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "1677-09-21T00:12:43.145224192Z", "1970-01-01T02:00:00+02:00",
		"0001-01-01T00:00:00Z", "1678-01-01T00:00:00Z", "1677-12-31T23:59:59.9999999999Z", "1677-12-31T23:59:60Z",
		"1678-01-01T00:00:00+00:01", "2262-04-11T23:47:16Z", "2262-04-11T23:47:16.000000001Z",
		"2262-04-11T23:47:16.0000000009Z", "2262-04-12T00:47:16+01:00", "2262-04-11T23:59:60Z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, e := parseStamp([]byte(s), nil)
		want, wantE := referenceStamp(s)
		if e != wantE || got != want {
			t.Fatalf("parseStamp(%q) = %d, %v; want %d, %v", s, got, e, want, wantE)
		}
		var cache dateCache
		parseStamp([]byte(s), &cache)
		if got2, e2 := parseStamp([]byte(s), &cache); got2 != got || e2 != e {
			t.Fatalf("parseStamp(%q) with its date cached = %d, %v; without %d, %v", s, got2, e2, got, e)
		}
	})
}
