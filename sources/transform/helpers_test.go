package transform

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestHelpers(t *testing.T) {
	for _, c := range []struct {
		src  string
		in   any
		want string // encoded output, or "error: part of the message"
	}{
		{`to_rfc3339`, "2026-11-20T14:10:00.000+0000", `"2026-11-20T14:10:00.000+00:00"`},
		{`to_rfc3339`, "2026-11-20T14:10:00.123-0530", `"2026-11-20T14:10:00.123-05:30"`},
		{`to_rfc3339`, "2026-11-20T14:10:00+02", `"2026-11-20T14:10:00+02:00"`},
		{`to_rfc3339`, "2026-11-20 14:10:00Z", `"2026-11-20T14:10:00Z"`},
		{`to_rfc3339`, "2026-11-20T14:10:00Z", `"2026-11-20T14:10:00Z"`},
		{`to_rfc3339`, "2026-11-20T14:10:00+01:00", `"2026-11-20T14:10:00+01:00"`},
		{`to_rfc3339`, "2026-11-20", `"2026-11-20"`},
		{`to_rfc3339`, "yesterday", `"yesterday"`},
		{`to_rfc3339`, nil, `null`},
		{`to_rfc3339`, json.Number("5"), `error: want a string or null, got number`},
		{`millis_to_rfc3339`, json.Number("1700000000123"), `"2023-11-14T22:13:20.123Z"`},
		{`millis_to_rfc3339`, json.Number("1700000000000"), `"2023-11-14T22:13:20Z"`},
		{`millis_to_rfc3339`, json.Number("1700000000123.5"), `"2023-11-14T22:13:20.1235Z"`},
		{`millis_to_rfc3339`, json.Number("-1000"), `"1969-12-31T23:59:59Z"`},
		{`(.a + .b) | millis_to_rfc3339`, map[string]any{"a": json.Number("1700000000000"), "b": json.Number("61500")}, `"2023-11-14T22:14:21.5Z"`},
		{`millis_to_rfc3339`, json.Number("99999999999999999"), `error: outside the supported range`},
		{`millis_to_rfc3339`, json.Number("1e400"), `error: outside the supported range`},
		{`millis_to_rfc3339`, "1700000000000", `error: want a number or null, got string`},
		{`millis_to_rfc3339`, nil, `null`},
		{`seconds_to_rfc3339`, json.Number("1700000000.25"), `"2023-11-14T22:13:20.25Z"`},
		{`seconds_to_rfc3339`, 1700000000, `"2023-11-14T22:13:20Z"`},
		{`seconds_to_rfc3339`, 1e300, `error: outside the supported range`},
		{`.[0] | seconds_to_rfc3339`, []any{nil}, `null`},
	} {
		out, err := run(t, c.src, c.in, Limits{})
		got := strings.Join(out, ",")
		if err != nil {
			got = "error: " + err.Error()
		}
		if want, ok := strings.CutPrefix(c.want, "error: "); ok {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s on %v: got %s, want an error about %q", c.src, c.in, got, want)
			}
			continue
		}
		if got != c.want {
			t.Errorf("%s on %v: got %s, want %s", c.src, c.in, got, c.want)
		}
	}
}
