package sources

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"doradash/model"
)

// The instants of MinStamp and MaxStamp, the first and last a Stamp holds
// as themselves.
var (
	minStampTime = time.Unix(0, int64(model.MinStamp)).UTC()
	maxStampTime = time.Unix(0, int64(model.MaxStamp)).UTC()
)

// clampStamp is the Stamp parseStamp must give for the instant t.
func clampStamp(t time.Time) model.Stamp {
	switch {
	case t.Before(minStampTime):
		return model.MinStamp
	case t.After(maxStampTime):
		return model.MaxStamp
	case t.Equal(time.Unix(0, 0)):
		return model.EpochStamp
	}
	return model.Stamp(t.UnixNano())
}

// rfc3339 is the syntax of an RFC 3339 date-time (RFC 3339 §5.6), with
// lower-case "t" and "z" (its note); the ranges of the numbers are left to
// time.Parse, except the offset's, which its fallback parser does not check.
var rfc3339 = regexp.MustCompile(`^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$`)

// referenceStamp is what parseStamp must return for s, worked out with
// time.Parse: s must be RFC 3339 (time.Parse alone takes more, such as a
// comma before the fraction or a one-digit hour); "t" and "z" may be lower
// case; a leap second, :60 in the last minute of a UTC day, is the second
// after :59; and instants a Stamp cannot hold are clamped (clampStamp).
func referenceStamp(s string) (model.Stamp, bool) {
	if !rfc3339.MatchString(s) {
		return 0, false
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
		return 0, false
	}
	if leap {
		if u := t.UTC(); u.Hour() != 23 || u.Minute() != 59 {
			return 0, false
		}
		t = t.Add(time.Second)
	}
	return clampStamp(t), true
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
	// What time.Parse takes, in the range of a Stamp: the same instant.
	for _, s := range []string{
		"2026-11-20T14:03:00Z", "2026-11-20T14:03:00+02:00", "2026-11-20T14:03:00-00:00",
		"2026-11-20T14:03:00.5Z", "2026-11-20T14:03:00.123456789+05:30", "2026-11-20T14:03:00.1234567891234Z",
		"2024-02-29T23:59:59Z", "2000-02-29T00:00:00Z", "1678-01-01T00:00:00Z", "2262-04-11T23:47:16.854775806Z",
		"2026-11-20T00:00:00+23:59", "1970-01-01T00:00:00.000000001Z", "1677-09-21T00:12:43.5Z",
		"1677-09-21T00:12:43.145224194Z", "1677-09-21T00:12:44Z",
	} {
		if got, ok := parseStamp([]byte(s), nil); !ok || got != at(t, s) {
			t.Errorf("parseStamp(%q) = %v, %v; want %v", s, got, ok, at(t, s))
		}
	}

	// What time.Parse does not take, or a Stamp cannot hold as itself.
	for _, tc := range []struct {
		in   string
		want model.Stamp
	}{
		// Lower-case "t" and "z" (RFC 3339 §5.6).
		{"2026-11-20t14:03:00Z", at(t, "2026-11-20T14:03:00Z")},
		{"2026-11-20T14:03:00z", at(t, "2026-11-20T14:03:00Z")},
		{"2026-11-20t14:03:00.25z", at(t, "2026-11-20T14:03:00.25Z")},
		{"2026-11-20t14:03:00-05:00", at(t, "2026-11-20T19:03:00Z")},

		// Leap seconds roll over into the next minute, in the last minute
		// of a UTC day only.
		{"2016-12-31T23:59:60Z", at(t, "2017-01-01T00:00:00Z")},
		{"2016-12-31T23:59:60.5Z", at(t, "2017-01-01T00:00:00.5Z")},
		{"2016-12-31t23:59:60z", at(t, "2017-01-01T00:00:00Z")},
		{"1990-12-31T15:59:60-08:00", at(t, "1991-01-01T00:00:00Z")}, // RFC 3339 §5.8
		{"2017-01-01T05:29:60+05:30", at(t, "2017-01-01T00:00:00Z")},
		{"2016-12-31T23:59:60-00:00", at(t, "2017-01-01T00:00:00Z")},
		{"2016-12-31T22:59:60-01:00", at(t, "2017-01-01T00:00:00Z")},

		// After the last instant a Stamp holds: MaxStamp.
		{"2262-04-11T23:47:16.854775807Z", model.MaxStamp}, // the last one, which is MaxStamp itself
		{"2262-04-11T23:47:16.854775808Z", model.MaxStamp},
		{"2262-04-11T23:47:17Z", model.MaxStamp},
		{"2262-04-12T01:47:16.854775807+02:00", model.MaxStamp},
		{"2262-04-11T23:46:16.854775807-00:01", model.MaxStamp},
		{"2262-04-11T23:47:16.854775807-00:01", model.MaxStamp},
		{"2300-01-01T00:00:00Z", model.MaxStamp},
		{"9999-12-31T23:59:59Z", model.MaxStamp},
		{"9999-12-31T23:59:59.999999999-23:59", model.MaxStamp},
		{"9999-12-31T23:59:60Z", model.MaxStamp},

		// At or before MinStamp: MinStamp (including the one instant below
		// it that an int64 would hold).
		{"1677-09-21T00:12:43.145224193Z", model.MinStamp},
		{"1677-09-21T00:12:43.145224192Z", model.MinStamp},
		{"1677-09-21T00:12:43.145224191Z", model.MinStamp},
		{"1677-09-21T00:12:43Z", model.MinStamp},
		{"1677-09-21T00:13:43.145224193+00:01", model.MinStamp},
		{"1677-09-21T00:13:43.145224194+00:01", model.MinStamp + 1},
		{"1677-09-21T00:12:43.145224193+00:01", model.MinStamp},
		{"1677-01-01T00:00:00Z", model.MinStamp},
		{"1600-01-01T00:00:00Z", model.MinStamp},
		{"1500-01-01T00:00:00Z", model.MinStamp},
		{"0000-01-01T00:00:00Z", model.MinStamp},
		{"0000-01-01T00:00:00+23:59", model.MinStamp},

		// The epoch itself, which the zero Stamp cannot be.
		{"1970-01-01T00:00:00Z", model.EpochStamp},
		{"1970-01-01T02:00:00+02:00", model.EpochStamp},
		{"1969-12-31T19:00:00-05:00", model.EpochStamp},
		{"1970-01-01t00:00:00.000000000z", model.EpochStamp},
		{"1969-12-31T23:59:60Z", model.EpochStamp},
		{"1969-12-31T23:59:59.999999999Z", -1}, // the same Stamp as the epoch
	} {
		if got, ok := parseStamp([]byte(tc.in), nil); !ok || got != tc.want {
			t.Errorf("parseStamp(%q) = %d, %v; want %d", tc.in, got, ok, tc.want)
		}
		if want, ok := referenceStamp(tc.in); !ok || want != tc.want {
			t.Errorf("referenceStamp(%q) = %d, %v; the table says %d", tc.in, want, ok, tc.want)
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
		// :60 outside the last minute of a UTC day is no leap second.
		"2026-11-20T14:03:60Z", "2016-12-31T23:58:60Z", "2016-12-31T23:59:60+01:00", "2016-12-31T22:59:60+01:00",
		"2016-12-31T23:59:61Z", "2016-12-31T23:59:99Z",
	} {
		if got, ok := parseStamp([]byte(s), nil); ok {
			t.Errorf("parseStamp(%q) = %v, accepted", s, got)
		}
		if _, ok := referenceStamp(s); ok {
			t.Errorf("referenceStamp(%q) accepts it", s)
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
	var clamped, leaps int
	for range 50000 {
		var sec int64
		switch r.IntN(4) {
		case 0: // anywhere in 0000–9999
			sec = year0 + r.Int64N(year10000-year0)
		case 1: // near the ends of a Stamp's range
			edge := minStampTime
			if r.IntN(2) == 0 {
				edge = maxStampTime
			}
			sec = edge.Unix() + r.Int64N(4*86400) - 2*86400
		default: // 1680–2260
			sec = r.Int64N(int64(580*365*86400)) - int64(290*365*86400)
		}
		zone := time.FixedZone("", (r.IntN(2*1439+1)-1439)*60) // RFC 3339 offsets stop at ±23:59
		tm := time.Unix(sec, r.Int64N(1e9)).In(zone)
		s := tm.Format(layouts[r.IntN(len(layouts))])
		switch r.IntN(8) {
		case 0:
			s = s[:10] + "t" + s[11:]
		case 1:
			s = strings.Replace(s, "Z", "z", 1)
		case 2: // a leap second, wherever the minute is
			s = s[:17] + "60" + s[19:]
		}
		want, wantOK := referenceStamp(s)
		if !wantOK && s[17:19] != "60" {
			t.Fatalf("referenceStamp(%q) rejects it", s)
		}
		c := &cache
		if r.IntN(2) == 0 {
			c = nil
		}
		got, ok := parseStamp([]byte(s), c)
		if ok != wantOK || got != want {
			t.Fatalf("parseStamp(%q) = %d, %v; want %d, %v", s, got, ok, want, wantOK)
		}
		if ok && (got == model.MinStamp || got == model.MaxStamp) {
			clamped++
		}
		if ok && s[17:19] == "60" {
			leaps++
		}
	}
	if clamped < 1000 || leaps < 5 {
		t.Errorf("only %d clamped timestamps and %d leap seconds among the random ones", clamped, leaps)
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
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseStamp([]byte(s), nil)
		want, wantOK := referenceStamp(s)
		if ok != wantOK || got != want {
			t.Fatalf("parseStamp(%q) = %d, %v; want %d, %v", s, got, ok, want, wantOK)
		}
		var cache dateCache
		parseStamp([]byte(s), &cache)
		if got2, ok2 := parseStamp([]byte(s), &cache); got2 != got || ok2 != ok {
			t.Fatalf("parseStamp(%q) with its date cached = %d, %v; without %d, %v", s, got2, ok2, got, ok)
		}
	})
}
