package transform

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/itchyny/gojq"
)

// The helpers every transform may call, besides jq's own functions, for
// the timestamp formats vendors write. Each passes null through, so
// `.fields.resolutiondate | to_rfc3339` works for open issues too.
var helpers = []struct {
	name string
	fn   func(v any) any
}{
	// to_rfc3339 writes the colon that ISO 8601 lets vendors leave out of
	// an offset ("…00.000+0000" → "…00.000+00:00", "+02" → "+02:00") and
	// puts the T between a date and a time written with a space; any
	// other string is kept as it is (the decoder judges it).
	{"to_rfc3339", toRFC3339},
	// millis_to_rfc3339 turns milliseconds since 1970 (Jenkins,
	// Opsgenie's epoch fields) into an RFC 3339 UTC timestamp, fractions
	// of a millisecond kept to the nanosecond.
	{"millis_to_rfc3339", func(v any) any { return epochToRFC3339("millis_to_rfc3339", v, 1e6) }},
	// seconds_to_rfc3339 does the same for seconds since 1970, with their
	// fraction (jq's todate drops it).
	{"seconds_to_rfc3339", func(v any) any { return epochToRFC3339("seconds_to_rfc3339", v, 1e9) }},
}

func helperOptions() []gojq.CompilerOption {
	opts := make([]gojq.CompilerOption, 0, len(helpers))
	for _, h := range helpers {
		fn := h.fn
		opts = append(opts, gojq.WithFunction(h.name, 0, 0, func(v any, _ []any) any { return fn(v) }))
	}
	return opts
}

func toRFC3339(v any) any {
	if v == nil {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("to_rfc3339: want a string or null, got %s", typeOf(v))
	}
	b := []byte(s)
	if len(b) > 11 && b[10] == ' ' && isDate(b[:10]) && isDigit(b[11]) {
		b[10] = 'T'
	}
	n := len(b)
	switch {
	// "+hhmm" after a digit of the time.
	case n >= 16 && isSign(b[n-5]) && isDigit(b[n-6]) && allDigits(b[n-4:]):
		b = append(b[:n-2:n-2], ':', b[n-2], b[n-1])
	// "+hh" after a digit of the time (not the "-dd" of a bare date).
	case n >= 14 && isSign(b[n-3]) && isDigit(b[n-4]) && allDigits(b[n-2:]) && hasTime(b[:n-3]):
		b = append(b, ":00"...)
	}
	return string(b)
}

// hasTime reports whether b holds a time: a 'T' (or t) after its date.
func hasTime(b []byte) bool { return len(b) > 10 && (b[10] == 'T' || b[10] == 't') }

func isDate(b []byte) bool {
	return len(b) == 10 && allDigits(b[:4]) && b[4] == '-' && allDigits(b[5:7]) && b[7] == '-' && allDigits(b[8:])
}

func isSign(c byte) bool  { return c == '+' || c == '-' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return len(b) > 0
}

// epochToRFC3339 turns a count of units since 1970, each nsPer
// nanoseconds, into RFC 3339 in UTC; null stays null.
func epochToRFC3339(name string, v any, nsPer int64) any {
	var ns int64
	var ok bool
	switch x := v.(type) {
	case nil:
		return nil
	case int:
		ns, ok = mulNS(int64(x), 0, nsPer)
	case float64:
		ns, ok = floatNS(x, nsPer)
	case json.Number:
		if i, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
			ns, ok = mulNS(i, 0, nsPer)
		} else if f, err := strconv.ParseFloat(x.String(), 64); err == nil {
			ns, ok = floatNS(f, nsPer)
		}
	case *big.Int:
		if x.IsInt64() {
			ns, ok = mulNS(x.Int64(), 0, nsPer)
		}
	default:
		return fmt.Errorf("%s: want a number or null, got %s", name, typeOf(v))
	}
	if !ok {
		return fmt.Errorf("%s: %s is outside the supported range 1678–2262", name, string(mustMarshal(v)))
	}
	return time.Unix(0, ns).UTC().Format(time.RFC3339Nano)
}

// floatNS splits f into whole units and a fraction, so that whole
// milliseconds of today (about 2^41) stay exact.
func floatNS(f float64, nsPer int64) (int64, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e19 {
		return 0, false
	}
	whole := math.Floor(f)
	frac := int64(math.Round((f - whole) * float64(nsPer)))
	return mulNS(int64(whole), frac, nsPer)
}

// mulNS is whole*nsPer + frac without overflow; ok false when it does not
// fit in int64 nanoseconds.
func mulNS(whole, frac, nsPer int64) (int64, bool) {
	if whole > math.MaxInt64/nsPer || whole < math.MinInt64/nsPer {
		return 0, false
	}
	ns := whole * nsPer
	if (frac > 0 && ns > math.MaxInt64-frac) || (frac < 0 && ns < math.MinInt64-frac) {
		return 0, false
	}
	return ns + frac, true
}

func typeOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case int, float64, *big.Int, json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func mustMarshal(v any) []byte {
	b, _ := gojq.Marshal(v)
	return b
}
