package sources

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// The tests in this file go through SPEC §1 and its preamble rule by rule,
// with the exact messages a source's status shows.

// TestDecodeTimestampRange is issue 8 item 15: a timestamp outside
// 1678-01-01T00:00:00Z … 2262-04-11T23:47:16Z (both included, after the
// offset, the leap second and the cut to nanoseconds) rejects its record,
// whichever field it is in.
func TestDecodeTimestampRange(t *testing.T) {
	const msg = "outside the supported range 1678–2262: "
	type edge struct {
		stamp string
		in    bool
		utc   string // the instant kept, when in
	}
	edges := []edge{
		{"1678-01-01T00:00:00Z", true, "1678-01-01T00:00:00Z"},
		{"1677-12-31T23:00:00-01:00", true, "1678-01-01T00:00:00Z"},
		{"1677-12-31T23:59:60Z", true, "1678-01-01T00:00:00Z"},
		{"1677-12-31T15:59:60.25-08:00", true, "1678-01-01T00:00:00.25Z"},
		{"2262-04-11T23:47:16Z", true, "2262-04-11T23:47:16Z"},
		{"2262-04-11T23:47:16.000000000999Z", true, "2262-04-11T23:47:16Z"},
		{"2262-04-12T01:47:16+02:00", true, "2262-04-11T23:47:16Z"},
		{"2262-04-11T23:47:15.999999999Z", true, "2262-04-11T23:47:15.999999999Z"},
		{"1677-12-31T23:59:59.999999999Z", false, ""},
		{"1677-12-31T23:59:59.9999999999Z", false, ""},
		{"1678-01-01T00:00:00+00:01", false, ""},
		{"1678-01-01T00:59:59.999999999+01:00", false, ""},
		{"2262-04-11T23:47:16.000000001Z", false, ""},
		{"2262-04-11T23:47:16-00:01", false, ""},
		{"2262-04-11T23:47:16.854775807Z", false, ""},
		{"2262-04-11T23:59:60Z", false, ""},
		{"0001-01-01T00:00:00Z", false, ""},
		{"0000-01-01T00:00:00Z", false, ""},
		{"9999-12-31T23:59:59Z", false, ""},
		{"9999-12-31T23:59:60Z", false, ""},
	}
	const z = "2026-11-20T14:03:00Z"
	var cases []decodeCase
	for _, e := range edges {
		q := `"` + e.stamp + `"`
		type rec struct {
			name, doc, want, first string
		}
		recs := []rec{
			{"finished_at", dep(`"id": "a", "finished_at": ` + q),
				"D|a||production|" + e.utc + "|success|", "deployments[0].finished_at: "},
			{"committed_at", dep(`"id": "a", "finished_at": ` + ts + `, "commits": [{"sha": "s", "committed_at": ` + q + `}]`),
				"D|a||production|" + z + "|success|s@" + e.utc, "deployments[0].commits[0].committed_at: "},
			{"started_at", inc(`"id": "i", "started_at": ` + q),
				"I|i|||unknown|" + e.utc + "||||", "incidents[0].started_at: "},
			{"detected_at", inc(`"id": "i", "started_at": ` + ts + `, "detected_at": ` + q),
				"I|i|||unknown|" + z + "|" + e.utc + "|||", "incidents[0].detected_at: "},
			{"acknowledged_at", inc(`"id": "i", "started_at": ` + ts + `, "acknowledged_at": ` + q),
				"I|i|||unknown|" + z + "||" + e.utc + "||", "incidents[0].acknowledged_at: "},
			{"resolved_at", inc(`"id": "i", "started_at": ` + ts + `, "resolved_at": ` + q),
				"I|i|||unknown|" + z + "|||" + e.utc + "|", "incidents[0].resolved_at: "},
		}
		for _, r := range recs {
			c := decodeCase{name: r.name + " " + e.stamp, doc: r.doc}
			if e.in {
				c.want = []string{r.want}
			} else {
				c.count, c.first = 1, r.first+msg+q
			}
			cases = append(cases, c)
		}
	}
	runDecodeCases(t, FormatJSON, cases)

	// NDJSON: the same rule, the line rejected, the others kept.
	runDecodeCases(t, FormatNDJSON, []decodeCase{
		{name: "placeholders on lines of their own",
			doc: `{"kind": "incident", "id": "a", "started_at": "0001-01-01T00:00:00Z"}` + "\n" +
				`{"kind": "incident", "id": "b", "started_at": ` + ts + `, "resolved_at": "9999-12-31T23:59:59Z"}` + "\n" +
				`{"kind": "incident", "id": "c", "started_at": "1678-01-01T00:00:00Z", "resolved_at": "2262-04-11T23:47:16Z"}` + "\n",
			want:  []string{"I|c|||unknown|1678-01-01T00:00:00Z|||2262-04-11T23:47:16Z|"},
			count: 2, first: `line 1: started_at: ` + msg + `"0001-01-01T00:00:00Z"`},
		{name: "a field of the other kind is not read",
			doc:  `{"kind": "incident", "id": "a", "started_at": ` + ts + `, "finished_at": "9999-12-31T23:59:59Z"}` + "\n",
			want: []string{"I|a|||unknown|" + z + "||||"}},
	})
}

// TestDecodeByteOrderMark: a UTF-8 BOM is skipped at the start of a JSON
// document or an NDJSON file, and only there.
func TestDecodeByteOrderMark(t *testing.T) {
	const bom = "\xEF\xBB\xBF"
	const z = "2026-11-20T14:03:00Z"
	d := func(id string) string { return `{"kind": "deployment", "id": "` + id + `", "finished_at": ` + ts + `}` }
	runDecodeCases(t, FormatJSON, []decodeCase{
		{name: "before the object", doc: bom + dep(`"id": "a", "finished_at": `+ts),
			want: []string{"D|a||production|" + z + "|success|"}},
		{name: "before white space", doc: bom + " \n\t{}"},
		{name: "alone", doc: bom, errSubstr: "empty document"},
		{name: "after white space", doc: " " + bom + "{}", errSubstr: "invalid character 0xef looking for beginning of value"},
		{name: "twice", doc: bom + bom + "{}", errSubstr: "invalid character 0xef looking for beginning of value"},
		{name: "after the object", doc: "{}" + bom, errSubstr: "invalid character 0xef after the top-level object"},
	})
	runDecodeCases(t, FormatNDJSON, []decodeCase{
		{name: "before the first line", doc: bom + d("a") + "\n" + d("b") + "\n",
			want: []string{"D|a||production|" + z + "|success|", "D|b||production|" + z + "|success|"}},
		{name: "before a blank first line", doc: bom + "\r\n" + d("a") + "\n",
			want: []string{"D|a||production|" + z + "|success|"}},
		{name: "alone", doc: bom},
		{name: "on a later line it is not JSON", doc: d("a") + "\n" + bom + d("b") + "\n",
			want:  []string{"D|a||production|" + z + "|success|"},
			count: 1, first: "line 2: not JSON: column 1: invalid character 0xef looking for beginning of value"},
		{name: "twice", doc: bom + bom + d("a") + "\n",
			count: 1, first: "line 1: not JSON: column 1: invalid character 0xef looking for beginning of value"},
	})
}

// TestDecodeDuplicateMembers is issue 8 item 16: a record object that
// repeats a member name, compared after unescaping, is rejected whatever
// the name; so is a commit object, which is part of its record. Objects
// inside unknown members are not the record's and may repeat names; a top
// level that repeats "deployments" or "incidents" has each one read.
func TestDecodeDuplicateMembers(t *testing.T) {
	const z = "2026-11-20T14:03:00Z"
	ok := "D|a||production|" + z + "|success|"
	var many, huge strings.Builder
	for i := range 3 * smallNames {
		fmt.Fprintf(&many, `"x%d": %d, `, i, i)
	}
	for i := range maxKeptNames + 10 {
		fmt.Fprintf(&huge, `"y%d": %d, `, i, i)
	}
	hugeRec := `{"id": "a", ` + huge.String() + `"finished_at": ` + ts + `}`
	runDecodeCases(t, FormatJSON, []decodeCase{
		{name: "id twice", doc: dep(`"id": "a", "finished_at": ` + ts + `, "id": "b"`),
			count: 1, first: `deployments[0]: duplicate member "id"`},
		{name: "same value twice", doc: dep(`"id": "a", "id": "a", "finished_at": ` + ts),
			count: 1, first: `deployments[0]: duplicate member "id"`},
		{name: "escaped spelling", doc: dep(`"id": "a", "finished_at": ` + ts + `, "i\u0064": "b"`),
			count: 1, first: `deployments[0]: duplicate member "id"`},
		{name: "both escaped", doc: dep(`"\u0069\u0064": "a", "finished_at": ` + ts + `, "i\u0064": "a"`),
			count: 1, first: `deployments[0]: duplicate member "id"`},
		{name: "status twice", doc: dep(`"id": "a", "status": "success", "finished_at": ` + ts + `, "status": "failed"`),
			count: 1, first: `deployments[0]: duplicate member "status"`},
		{name: "null twice", doc: dep(`"id": "a", "finished_at": ` + ts + `, "service": null, "service": null`),
			count: 1, first: `deployments[0]: duplicate member "service"`},
		{name: "unknown member twice", doc: dep(`"id": "a", "finished_at": ` + ts + `, "note": 1, "note": {"a": 2}`),
			count: 1, first: `deployments[0]: duplicate member "note"`},
		{name: "kind twice on a deployment, where it is unknown", doc: dep(`"kind": "x", "id": "a", "finished_at": ` + ts + `, "kind": "x"`),
			count: 1, first: `deployments[0]: duplicate member "kind"`},
		{name: "a field of incidents twice on a deployment", doc: dep(`"id": "a", "title": "t", "finished_at": ` + ts + `, "title": "t"`),
			count: 1, first: `deployments[0]: duplicate member "title"`},
		{name: "among many unknown members", doc: dep(`"id": "a", ` + many.String() + `"finished_at": ` + ts + `, "x0": 0`),
			count: 1, first: `deployments[0]: duplicate member "x0"`},
		{name: "many unknown members, none twice", doc: dep(`"id": "a", ` + many.String() + `"finished_at": ` + ts),
			want: []string{ok}},
		{name: "names are remembered per record", doc: `{"deployments": [` + hugeRec + `, ` + hugeRec + `,
				{"id": "b", ` + many.String() + `"finished_at": ` + ts + `}, {"id": "c", ` + many.String() + `"finished_at": ` + ts + `, "x47": 1},
				{"id": "d", "y0": 1, "finished_at": ` + ts + `}, ` + hugeRec + `]}`,
			want:  []string{ok, ok, "D|b||production|" + z + "|success|", "D|d||production|" + z + "|success|", ok},
			count: 1, first: `deployments[3]: duplicate member "x47"`},
		{name: "empty name twice", doc: dep(`"": 1, "id": "a", "finished_at": ` + ts + `, "": 2`),
			count: 1, first: `deployments[0]: duplicate member ""`},
		{name: "names differing in case are different", doc: dep(`"id": "a", "ID": "b", "Id": "c", "finished_at": ` + ts),
			want: []string{ok}},
		{name: "names differing in a control character are different", doc: dep(`"id": "a", "id\u0000": "b", "finished_at": ` + ts),
			want: []string{ok}},
		{name: "name is quoted in the message", doc: dep(`"id": "a", "finished_at": ` + ts + `, "\u001b[2J": 1, "\u001b[2J": 2`),
			count: 1, first: `deployments[0]: duplicate member "\x1b[2J"`},
		{name: "comes before the record's other problems", doc: dep(`"id": 1.5, "finished_at": "soon", "id": "a"`),
			count: 1, first: `deployments[0]: duplicate member "id"`},
		{name: "only the record with it is rejected", doc: `{"deployments": [{"id": "a", "finished_at": ` + ts + `},
				{"id": "b", "finished_at": ` + ts + `, "finished_at": ` + ts + `}, {"id": "c", "finished_at": ` + ts + `}]}`,
			want:  []string{ok, "D|c||production|" + z + "|success|"},
			count: 1, first: `deployments[1]: duplicate member "finished_at"`},
		{name: "incident", doc: inc(`"id": "i", "started_at": ` + ts + `, "severity": 1, "severity": 2`),
			count: 1, first: `incidents[0]: duplicate member "severity"`},
		{name: "sha twice in a commit", doc: dep(`"id": "a", "finished_at": ` + ts + `, "commits": [{"sha": "1", "committed_at": ` + ts + `},
				{"sha": "2", "committed_at": ` + ts + `, "sha": "3"}]`),
			count: 1, first: `deployments[0].commits[1]: duplicate member "sha"`},
		{name: "committed_at twice in a commit, escaped", doc: dep(`"id": "a", "finished_at": ` + ts + `,
				"commits": [{"sha": "1", "committed_at": ` + ts + `, "committed\u005fat": ` + ts + `}]`),
			count: 1, first: `deployments[0].commits[0]: duplicate member "committed_at"`},
		{name: "unknown member twice in a commit", doc: dep(`"id": "a", "finished_at": ` + ts + `,
				"commits": [{"sha": "1", "author": "x", "committed_at": ` + ts + `, "author": "y"}]`),
			count: 1, first: `deployments[0].commits[0]: duplicate member "author"`},
		{name: "the same names in different commits", doc: dep(`"id": "a", "finished_at": ` + ts + `, "commits": [
				{"sha": "1", "author": "x", "committed_at": ` + ts + `}, {"sha": "2", "author": "x", "committed_at": ` + ts + `}]`),
			want: []string{ok + "1@" + z + ",2@" + z}},
		{name: "a commit may use the record's names", doc: dep(`"id": "a", "finished_at": ` + ts + `,
				"commits": [{"id": "c", "sha": "1", "finished_at": 1, "committed_at": ` + ts + `}]`),
			want: []string{ok + "1@" + z}},
		{name: "objects inside unknown members are not the record's", doc: dep(`"id": "a", "finished_at": ` + ts + `,
				"meta": {"a": 1, "a": 2, "b": [{"c": 1, "c": 1}]}`),
			want: []string{ok}},
		{name: "top level repeating deployments reads each in order", doc: `{"deployments": [{"id": "a", "finished_at": ` + ts + `}],
				"incidents": [{"id": "i", "started_at": ` + ts + `}], "deployments": null,
				"deployments": [{"id": "b", "finished_at": ` + ts + `, "id": "c"}, {"id": "d", "finished_at": ` + ts + `}],
				"incidents": [{"id": "j", "started_at": ` + ts + `}], "x": 1, "x": 2}`,
			want: []string{ok, "D|d||production|" + z + "|success|",
				"I|i|||unknown|" + z + "||||", "I|j|||unknown|" + z + "||||"},
			count: 1, first: `deployments[0]: duplicate member "id"`},
		{name: "a repeated deployments that is not an array fails the poll",
			doc: `{"deployments": [], "deployments": 5}`, errSubstr: "deployments: not an array but a number"},
	})
	runDecodeCases(t, FormatNDJSON, []decodeCase{
		{name: "id twice", doc: `{"kind": "deployment", "id": "a", "finished_at": ` + ts + `, "id": "a"}` + "\n" +
			`{"kind": "deployment", "id": "a", "finished_at": ` + ts + `}` + "\n",
			want:  []string{ok},
			count: 1, first: `line 1: duplicate member "id"`},
		{name: "kind twice", doc: `{"kind": "deployment", "id": "a", "finished_at": ` + ts + `, "kind": "deployment"}`,
			count: 1, first: `line 1: duplicate member "kind"`},
		{name: "kind twice, escaped and different", doc: `{"kind": "build", "id": "a", "finished_at": ` + ts + `, "\u006bind": "deployment"}`,
			count: 1, first: `line 1: duplicate member "kind"`},
		{name: "a field of the other kind twice", doc: `{"kind": "incident", "id": "i", "started_at": ` + ts + `, "status": "x", "status": "y"}`,
			count: 1, first: `line 1: duplicate member "status"`},
		{name: "in a commit", doc: `{"kind": "deployment", "id": "a", "finished_at": ` + ts + `, "commits": [{"sha": "1", "sha": "1", "committed_at": ` + ts + `}]}`,
			count: 1, first: `line 1: commits[0]: duplicate member "sha"`},
	})
}

// TestDecodeBlankLines: an NDJSON line of JSON white space only is blank
// and skipped (but counted); any other white space is a rejected record.
func TestDecodeBlankLines(t *testing.T) {
	const z = "2026-11-20T14:03:00Z"
	d := `{"kind": "deployment", "id": "a", "finished_at": ` + ts + `}`
	runDecodeCases(t, FormatNDJSON, []decodeCase{
		{name: "JSON white space", doc: "\n \t\r \n\r\n\r\r\n" + d + "\n",
			want: []string{"D|a||production|" + z + "|success|"}},
		{name: "form feed", doc: "\f\n" + d + "\n",
			want:  []string{"D|a||production|" + z + "|success|"},
			count: 1, first: "line 1: not JSON: column 1: invalid character 0x0c looking for beginning of value"},
		{name: "no-break space", doc: d + "\n\u00a0\n",
			want:  []string{"D|a||production|" + z + "|success|"},
			count: 1, first: "line 2: not JSON: column 1: invalid character 0xc2 looking for beginning of value"},
		{name: "next line", doc: "\u0085\n" + d,
			want:  []string{"D|a||production|" + z + "|success|"},
			count: 1, first: "line 1: not JSON: column 1: invalid character 0xc2 looking for beginning of value"},
	})
}

// TestDecodeIntegers: an integer is a JSON number without fraction or
// exponent; an id written otherwise is a wrong type, and a severity
// written otherwise is unknown.
func TestDecodeIntegers(t *testing.T) {
	const z = "2026-11-20T14:03:00Z"
	var cases []decodeCase
	for _, tc := range []struct {
		num, id string // id "" for a wrong type
	}{
		{"42", "42"}, {"-7", "-7"}, {"0", "0"}, {"-0", "0"}, {"9007199254740993", "9007199254740993"},
		{"42.0", ""}, {"1e3", ""}, {"1E3", ""}, {"1e+3", ""}, {"42e0", ""}, {"-0.0", ""}, {"0.5", ""}, {"4.2e1", ""},
	} {
		c := decodeCase{name: "id " + tc.num, doc: dep(`"id": ` + tc.num + `, "finished_at": ` + ts)}
		d := decodeCase{name: "deployment_id " + tc.num, doc: inc(`"id": "i", "started_at": ` + ts + `, "deployment_id": ` + tc.num)}
		if tc.id != "" {
			c.want = []string{"D|" + tc.id + "||production|" + z + "|success|"}
			d.want = []string{"I|i|||unknown|" + z + "||||" + tc.id}
		} else {
			c.count, c.first = 1, "deployments[0].id: wrong type: want string or integer, got number"
			d.count, d.first = 1, "incidents[0].deployment_id: wrong type: want string or integer, got number"
		}
		cases = append(cases, c, d)
	}
	for _, tc := range []struct{ sev, want string }{
		{"1", "SEV1"}, {"2", "SEV2"}, {"5", "SEV5"}, {"0", "unknown"}, {"6", "unknown"}, {"-1", "unknown"}, {"-0", "unknown"},
		{"2.0", "unknown"}, {"1e0", "unknown"}, {"2E0", "unknown"}, {"20e-1", "unknown"}, {"3.5", "unknown"},
		{`"2"`, "SEV2"}, {`"2.0"`, "unknown"}, {`" 2"`, "unknown"}, {`"sev2 "`, "unknown"}, {`"P3"`, "SEV3"}, {`"Sev4"`, "SEV4"},
	} {
		cases = append(cases, decodeCase{name: "severity " + tc.sev, doc: inc(`"id": "i", "started_at": ` + ts + `, "severity": ` + tc.sev),
			want: []string{"I|i|||" + tc.want + "|" + z + "||||"}})
	}
	runDecodeCases(t, FormatJSON, cases)
}

// spanReader yields head, then n copies of fill, then tail, without ever
// holding the n bytes.
type spanReader struct {
	head, tail string
	fill       byte
	n          int64
	block      []byte // fill, repeated, to copy from
}

func (r *spanReader) Read(p []byte) (int, error) {
	switch {
	case r.head != "":
		k := copy(p, r.head)
		r.head = r.head[k:]
		return k, nil
	case r.n > 0:
		k := int(min(int64(len(p)), r.n))
		if len(r.block) == 0 {
			r.block = bytes.Repeat([]byte{r.fill}, 64<<10)
		}
		for i := 0; i < k; {
			i += copy(p[i:k], r.block)
		}
		r.n -= int64(k)
		return k, nil
	case r.tail != "":
		k := copy(p, r.tail)
		r.tail = r.tail[k:]
		return k, nil
	}
	return 0, io.EOF
}

// TestDecodeLongLine is issue 8 item 12: an NDJSON line longer than 64 MiB
// is rejected on its own, with its size, and the lines after it are read.
func TestDecodeLongLine(t *testing.T) {
	const z = "2026-11-20T14:03:00Z"
	d := func(id string) string { return `{"kind": "deployment", "id": "` + id + `", "finished_at": ` + ts + `}` }
	rec := d("big")
	for _, tc := range []struct {
		name    string
		r       *spanReader
		want    []string
		count   int
		first   string
		partial bool
	}{
		{name: "one byte too long, between good lines",
			r:     &spanReader{head: d("a") + "\n" + rec, fill: ' ', n: maxToken + 1 - int64(len(rec)), tail: "\n" + d("b") + "\n"},
			want:  []string{"D|a||production|" + z + "|success|", "D|b||production|" + z + "|success|"},
			count: 1, first: fmt.Sprintf("line 2: too long: %d bytes (a line may hold 64 MiB)", maxToken+1)},
		{name: "one byte too long with CRLF",
			r:     &spanReader{head: rec, fill: ' ', n: maxToken + 1 - int64(len(rec)), tail: "\r\n" + d("b") + "\r\n"},
			want:  []string{"D|b||production|" + z + "|success|"},
			count: 1, first: fmt.Sprintf("line 1: too long: %d bytes (a line may hold 64 MiB)", maxToken+1)},
		{name: "exactly 64 MiB is a record",
			r:    &spanReader{head: rec, fill: ' ', n: maxToken - int64(len(rec)), tail: "\r\n" + d("b") + "\n"},
			want: []string{"D|big||production|" + z + "|success|", "D|b||production|" + z + "|success|"}},
		{name: "exactly 64 MiB, unterminated, is a record",
			r:    &spanReader{head: d("a") + "\n" + rec, fill: ' ', n: maxToken - int64(len(rec))},
			want: []string{"D|a||production|" + z + "|success|", "D|big||production|" + z + "|success|"}},
		{name: "three times the limit",
			r:     &spanReader{head: d("a") + "\n\n", fill: 'x', n: 3 * maxToken, tail: "\n" + d("b") + "\n" + d("c")},
			want:  []string{"D|a||production|" + z + "|success|", "D|b||production|" + z + "|success|", "D|c||production|" + z + "|success|"},
			count: 1, first: fmt.Sprintf("line 3: too long: %d bytes (a line may hold 64 MiB)", 3*maxToken)},
		{name: "unterminated at the end, likely being written",
			r:     &spanReader{head: d("a") + "\n", fill: 'x', n: maxToken + 5},
			want:  []string{"D|a||production|" + z + "|success|"},
			count: 1, first: fmt.Sprintf("line 2: too long: %d bytes (a line may hold 64 MiB)", maxToken+5), partial: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := decode(tc.r, FormatNDJSON)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if got := summary(out.batch); !equalStrings(got, tc.want) {
				t.Errorf("records:\n got %q\nwant %q", got, tc.want)
			}
			if out.rej.Count != tc.count || out.rej.First != tc.first {
				t.Errorf("rejections = %d %q, want %d %q", out.rej.Count, out.rej.First, tc.count, tc.first)
			}
			if out.partial != tc.partial {
				t.Errorf("partial = %v, want %v", out.partial, tc.partial)
			}
		})
	}
}

// TestNextLineSkipsWithoutHolding checks that a line far beyond the limit
// streams past: the buffer never grows beyond one line's limit.
func TestNextLineSkipsWithoutHolding(t *testing.T) {
	l := lexer{src: &spanReader{fill: 'x', n: 5 * maxToken, tail: "\nok\n"}, buf: make([]byte, 0, readBufSize)}
	line, long, terminated, err := l.nextLine()
	if err != nil || line != nil || long != 5*maxToken || !terminated {
		t.Fatalf("nextLine = %d bytes, long %d, terminated %v, %v; want a long line of %d", len(line), long, terminated, err, 5*maxToken)
	}
	if cap(l.buf) > maxBuf {
		t.Errorf("buffer grew to %d bytes, more than %d", cap(l.buf), maxBuf)
	}
	line, long, terminated, err = l.nextLine()
	if err != nil || !bytes.Equal(line, []byte("ok")) || long != 0 || !terminated {
		t.Fatalf("next line = %q, %d, %v, %v; want \"ok\"", line, long, terminated, err)
	}
}
