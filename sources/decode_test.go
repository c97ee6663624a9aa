package sources

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"unsafe"

	"doradash/model"
)

// summary renders a batch as one line per record, so tests compare
// readable strings: fields joined by "|", times in UTC.
func summary(b *model.Batch) []string {
	var out []string
	for _, d := range b.Deployments {
		var cs []string
		for _, c := range d.Commits {
			cs = append(cs, c.SHA+"@"+c.CommittedAt.String())
		}
		out = append(out, strings.Join([]string{"D", d.ID, d.Service, d.Environment,
			d.FinishedAt.String(), d.Status.String(), strings.Join(cs, ",")}, "|"))
	}
	for _, i := range b.Incidents {
		out = append(out, strings.Join([]string{"I", i.ID, i.Service, i.Title, i.Severity.String(),
			i.StartedAt.String(), i.DetectedAt.String(), i.AcknowledgedAt.String(),
			i.ResolvedAt.String(), i.DeploymentID}, "|"))
	}
	return out
}

const ts = `"2026-11-20T14:03:00Z"` // a valid timestamp for documents below

// dep and inc wrap record fields into a one-record document.
func dep(fields string) string { return `{"deployments": [{` + fields + `}]}` }
func inc(fields string) string { return `{"incidents": [{` + fields + `}]}` }

type decodeCase struct {
	name      string
	doc       string
	want      []string // summary of the batch
	count     int      // rejected records
	first     string   // first rejection, exactly
	errSubstr string   // when set, Decode must fail with an error containing it
}

func runDecodeCases(t *testing.T, f Format, cases []decodeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			batch, rej, err := Decode(strings.NewReader(tc.doc), f)
			if tc.errSubstr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errSubstr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.errSubstr)
				}
				if batch != nil {
					t.Errorf("batch = %v on error, want nil", summary(batch))
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := summary(batch); !equalStrings(got, tc.want) {
				t.Errorf("records:\n got %q\nwant %q", got, tc.want)
			}
			if rej.Count != tc.count || rej.First != tc.first {
				t.Errorf("rejections = %d %q, want %d %q", rej.Count, rej.First, tc.count, tc.first)
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDecodeJSONDeployments(t *testing.T) {
	const z = "2026-11-20T14:03:00Z"
	runDecodeCases(t, FormatJSON, []decodeCase{
		{name: "defaults", doc: dep(`"id": "d-1", "finished_at": ` + ts),
			want: []string{"D|d-1||production|" + z + "|success|"}},
		{name: "all fields, offsets and fractions to UTC",
			doc: dep(`"id": "d-2", "service": "checkout", "environment": "staging",
				"finished_at": "2026-11-20T16:03:00.5+02:00", "status": "rolled_back",
				"commits": [{"sha": "9fceb02", "committed_at": "2026-11-19T09:12:44.123456789-05:00"},
				            {"sha": "abc", "committed_at": "2026-11-19T09:12:44.1234567891Z", "author": "x"}]`),
			want: []string{"D|d-2|checkout|staging|2026-11-20T14:03:00.5Z|rolled_back|" +
				"9fceb02@2026-11-19T14:12:44.123456789Z,abc@2026-11-19T09:12:44.123456789Z"}},
		{name: "status failed and null status", doc: `{"deployments": [
				{"id": "a", "finished_at": ` + ts + `, "status": "failed"},
				{"id": "b", "finished_at": ` + ts + `, "status": null}]}`,
			want: []string{"D|a||production|" + z + "|failed|", "D|b||production|" + z + "|success|"}},
		{name: "integer ids", doc: `{"deployments": [
				{"id": 42, "finished_at": ` + ts + `},
				{"id": -7, "finished_at": ` + ts + `},
				{"id": -0, "finished_at": ` + ts + `},
				{"id": 123456789012345678901234567890, "finished_at": ` + ts + `}]}`,
			want: []string{"D|42||production|" + z + "|success|", "D|-7||production|" + z + "|success|",
				"D|0||production|" + z + "|success|", "D|123456789012345678901234567890||production|" + z + "|success|"}},
		{name: "null environment and service are defaults, empty environment kept",
			doc: `{"deployments": [
				{"id": "a", "finished_at": ` + ts + `, "environment": null, "service": null},
				{"id": "b", "finished_at": ` + ts + `, "environment": ""}]}`,
			want: []string{"D|a||production|" + z + "|success|", "D|b|||" + z + "|success|"}},
		{name: "null and empty commits", doc: `{"deployments": [
				{"id": "a", "finished_at": ` + ts + `, "commits": null},
				{"id": "b", "finished_at": ` + ts + `, "commits": []}]}`,
			want: []string{"D|a||production|" + z + "|success|", "D|b||production|" + z + "|success|"}},
		{name: "unknown fields ignored at any depth", doc: `{"version": [1, {"a": [true, false, null]}],
				"deployments": [{"id": "a", "kind": "incident", "severity": {"x": [1.5e3, -0.25]},
				"extra": {"deep": [[[[{}]]]]}, "finished_at": ` + ts + `, "title": 7}], "meta": "x"}`,
			want: []string{"D|a||production|" + z + "|success|"}},
		{name: "duplicates kept in order", doc: `{"deployments": [
				{"id": "x", "finished_at": ` + ts + `, "service": "one"},
				{"id": "x", "finished_at": ` + ts + `, "service": "two"}]}`,
			want: []string{"D|x|one|production|" + z + "|success|", "D|x|two|production|" + z + "|success|"}},
		{name: "escapes and unicode", doc: dep(`"id": "a\"b\\c\/d\u00e9\ud83d\ude00\n", "service": "caf\u00e9", "finished_at": ` + ts),
			want: []string{"D|a\"b\\c/dé😀\n|café|production|" + z + "|success|"}},
		{name: "lone surrogates and invalid UTF-8 are kept", doc: `{"deployments": [
				{"id": "x\ud800y", "service": "a` + "\xff" + `b", "finished_at": ` + ts + `},
				{"id": "\udc00\ud800\ud83d\ude00\ud800\u0041\udbff", "finished_at": ` + ts + `}]}`,
			want: []string{"D|x\xed\xa0\x80y|a\xffb|production|" + z + "|success|",
				"D|\xed\xb0\x80\xed\xa0\x80😀\xed\xa0\x80A\xed\xaf\xbf||production|" + z + "|success|"}},

		{name: "bad timestamp at index 3", doc: `{"deployments": [
				{"id": "a", "finished_at": ` + ts + `}, {"id": "b", "finished_at": ` + ts + `},
				{"id": "c", "finished_at": ` + ts + `}, {"id": "d", "finished_at": "yesterday"},
				{"id": "e", "finished_at": 1763640000}]}`,
			want: []string{"D|a||production|" + z + "|success|", "D|b||production|" + z + "|success|",
				"D|c||production|" + z + "|success|"},
			count: 2, first: `deployments[3].finished_at: not an RFC 3339 timestamp: "yesterday"`},
		{name: "timestamp as number", doc: dep(`"id": "a", "finished_at": 1763640000`),
			count: 1, first: "deployments[0].finished_at: wrong type: want RFC 3339 string, got number"},
		{name: "null finished_at", doc: dep(`"id": "a", "finished_at": null`),
			count: 1, first: "deployments[0].finished_at: missing required field"},
		{name: "missing finished_at", doc: dep(`"id": "a"`),
			count: 1, first: "deployments[0].finished_at: missing required field"},
		{name: "timestamps outside 1678–2262 reject their record", doc: `{"deployments": [
				{"id": "a", "finished_at": "1500-01-01T00:00:00Z", "commits": [{"sha": "1", "committed_at": "0000-01-01T00:00:00Z"}]},
				{"id": "b", "finished_at": ` + ts + `, "commits": [{"sha": "2", "committed_at": "2300-01-01T00:00:00+02:00"}]},
				{"id": "c", "finished_at": "2262-04-11T23:47:16.854775808Z"},
				{"id": "d", "finished_at": "1678-01-01T00:00:00Z"}]}`,
			want:  []string{"D|d||production|1678-01-01T00:00:00Z|success|"},
			count: 3, first: `deployments[0].finished_at: outside the supported range 1678–2262: "1500-01-01T00:00:00Z"`},
		{name: "the epoch itself is kept, a nanosecond early", doc: `{"deployments": [
				{"id": "a", "finished_at": "1970-01-01T01:00:00+01:00"}, {"id": "b", "finished_at": "1970-01-01T00:00:00Z"}]}`,
			want: []string{"D|a||production|1969-12-31T23:59:59.999999999Z|success|",
				"D|b||production|1969-12-31T23:59:59.999999999Z|success|"}},
		{name: "lower-case t and z, leap second", doc: `{"deployments": [
				{"id": "a", "finished_at": "2026-11-20t14:03:00z"}, {"id": "b", "finished_at": "2016-12-31T23:59:60.5Z"}]}`,
			want: []string{"D|a||production|" + z + "|success|", "D|b||production|2017-01-01T00:00:00.5Z|success|"}},
		{name: "second 60 outside a UTC day's last minute", doc: dep(`"id": "a", "finished_at": "2026-11-20T14:03:60Z"`),
			count: 1, first: `deployments[0].finished_at: not an RFC 3339 timestamp: "2026-11-20T14:03:60Z"`},
		{name: "offset 24 hours", doc: dep(`"id": "a", "finished_at": "2026-11-20T14:03:00+24:00"`),
			count: 1, first: `deployments[0].finished_at: not an RFC 3339 timestamp: "2026-11-20T14:03:00+24:00"`},
		{name: "long bad value is cut", doc: dep(`"id": "a", "finished_at": "` + strings.Repeat("x", 100) + `"`),
			count: 1, first: `deployments[0].finished_at: not an RFC 3339 timestamp: "` + strings.Repeat("x", 40) + `"...`},
		{name: "missing id", doc: dep(`"finished_at": ` + ts),
			count: 1, first: "deployments[0].id: missing required field"},
		{name: "null id", doc: dep(`"id": null, "finished_at": ` + ts),
			count: 1, first: "deployments[0].id: missing required field"},
		{name: "empty id", doc: dep(`"id": "", "finished_at": ` + ts),
			count: 1, first: "deployments[0].id: empty string"},
		{name: "float id", doc: dep(`"id": 1.5, "finished_at": ` + ts),
			count: 1, first: "deployments[0].id: wrong type: want string or integer, got number"},
		{name: "exponent id", doc: dep(`"id": 1e3, "finished_at": ` + ts),
			count: 1, first: "deployments[0].id: wrong type: want string or integer, got number"},
		{name: "boolean id", doc: dep(`"id": true, "finished_at": ` + ts),
			count: 1, first: "deployments[0].id: wrong type: want string or integer, got boolean"},
		{name: "object id", doc: dep(`"id": {"a": 1}, "finished_at": ` + ts),
			count: 1, first: "deployments[0].id: wrong type: want string or integer, got object"},
		{name: "unknown status at index 5", doc: `{"deployments": [` + strings.Repeat(`{"id": "a", "finished_at": `+ts+`},`, 5) +
			`{"id": "b", "finished_at": ` + ts + `, "status": "weird"}]}`,
			want:  strings.Split(strings.Repeat("D|a||production|"+z+"|success|\n", 5)[:5*len("D|a||production|"+z+"|success|\n")-1], "\n"),
			count: 1, first: `deployments[5].status: unknown status "weird"`},
		{name: "status wrong type", doc: dep(`"id": "a", "finished_at": ` + ts + `, "status": 1`),
			count: 1, first: "deployments[0].status: wrong type: want string, got number"},
		{name: "service wrong type", doc: dep(`"id": "a", "finished_at": ` + ts + `, "service": ["x"]`),
			count: 1, first: "deployments[0].service: wrong type: want string, got array"},
		{name: "environment wrong type", doc: dep(`"id": "a", "finished_at": ` + ts + `, "environment": false`),
			count: 1, first: "deployments[0].environment: wrong type: want string, got boolean"},
		{name: "commits not an array", doc: dep(`"id": "a", "finished_at": ` + ts + `, "commits": "abc"`),
			count: 1, first: "deployments[0].commits: wrong type: want array, got string"},
		{name: "commit not an object", doc: dep(`"id": "a", "finished_at": ` + ts + `, "commits": [{"sha": "1", "committed_at": ` + ts + `}, 7]`),
			count: 1, first: "deployments[0].commits[1]: wrong type: want object, got number"},
		{name: "commit without sha", doc: `{"deployments": [{"id": "a", "finished_at": ` + ts + `}, {"id": "b", "finished_at": ` + ts + `},
				{"id": "c", "finished_at": ` + ts + `, "commits": [{"sha": "1", "committed_at": ` + ts + `}, {"committed_at": ` + ts + `}]}]}`,
			want:  []string{"D|a||production|" + z + "|success|", "D|b||production|" + z + "|success|"},
			count: 1, first: "deployments[2].commits[1].sha: missing required field"},
		{name: "commit sha wrong type", doc: dep(`"id": "a", "finished_at": ` + ts + `, "commits": [{"sha": 12345, "committed_at": ` + ts + `}]`),
			count: 1, first: "deployments[0].commits[0].sha: wrong type: want string, got number"},
		{name: "commit sha null", doc: dep(`"id": "a", "finished_at": ` + ts + `, "commits": [{"sha": null, "committed_at": ` + ts + `}]`),
			count: 1, first: "deployments[0].commits[0].sha: missing required field"},
		{name: "commit sha empty", doc: dep(`"id": "a", "finished_at": ` + ts + `, "commits": [{"sha": "", "committed_at": ` + ts + `}]`),
			count: 1, first: "deployments[0].commits[0].sha: empty string"},
		{name: "commit bad committed_at", doc: dep(`"id": "a", "finished_at": ` + ts + `, "commits": [{"sha": "1", "committed_at": "x"}]`),
			count: 1, first: `deployments[0].commits[0].committed_at: not an RFC 3339 timestamp: "x"`},
		{name: "commit committed_at wrong type", doc: dep(`"id": "a", "finished_at": ` + ts + `, "commits": [{"sha": "1", "committed_at": {}}]`),
			count: 1, first: "deployments[0].commits[0].committed_at: wrong type: want RFC 3339 string, got object"},
		{name: "commit without committed_at", doc: dep(`"id": "a", "finished_at": ` + ts + `, "commits": [{"sha": "1"}]`),
			count: 1, first: "deployments[0].commits[0].committed_at: missing required field"},
		{name: "element not an object", doc: `{"deployments": [{"id": "a", "finished_at": ` + ts + `}, "d-2", [1], null]}`,
			want:  []string{"D|a||production|" + z + "|success|"},
			count: 3, first: "deployments[1]: wrong type: want object, got string"},
		{name: "first of several problems wins", doc: dep(`"id": 2.5, "finished_at": "soon", "status": "x"`),
			count: 1, first: "deployments[0].id: wrong type: want string or integer, got number"},
	})
}

func TestDecodeJSONIncidents(t *testing.T) {
	const z = "2026-11-20T14:03:00Z"
	runDecodeCases(t, FormatJSON, []decodeCase{
		{name: "all fields", doc: inc(`"id": "INC-77", "service": "checkout", "title": "5xx on /pay", "severity": "SEV2",
				"started_at": "2026-11-20T14:10:00Z", "detected_at": "2026-11-20T14:14:00Z",
				"acknowledged_at": "2026-11-20T16:16:30+02:00", "resolved_at": "2026-11-20T15:02:00Z", "deployment_id": "d-1042"`),
			want: []string{"I|INC-77|checkout|5xx on /pay|SEV2|2026-11-20T14:10:00Z|2026-11-20T14:14:00Z|2026-11-20T14:16:30Z|2026-11-20T15:02:00Z|d-1042"}},
		{name: "optional times null or missing", doc: inc(`"id": 7, "started_at": ` + ts + `, "detected_at": null, "resolved_at": null, "deployment_id": 42`),
			want: []string{"I|7|||unknown|" + z + "||||42"}},
		{name: "deployment_id null is absent, empty is absent", doc: `{"incidents": [
				{"id": "a", "started_at": ` + ts + `, "deployment_id": null},
				{"id": "b", "started_at": ` + ts + `, "deployment_id": ""}]}`,
			want: []string{"I|a|||unknown|" + z + "||||", "I|b|||unknown|" + z + "||||"}},
		{name: "severities", doc: `{"incidents": [
				{"id": "1", "started_at": ` + ts + `, "severity": 1},
				{"id": "2", "started_at": ` + ts + `, "severity": "p2"},
				{"id": "3", "started_at": ` + ts + `, "severity": "Medium"},
				{"id": "4", "started_at": ` + ts + `, "severity": "SEV4"},
				{"id": "5", "started_at": ` + ts + `, "severity": "informational"},
				{"id": "6", "started_at": ` + ts + `, "severity": "critical"},
				{"id": "7", "started_at": ` + ts + `, "severity": 6},
				{"id": "8", "started_at": ` + ts + `, "severity": 2.0},
				{"id": "9", "started_at": ` + ts + `, "severity": true},
				{"id": "10", "started_at": ` + ts + `, "severity": {"level": 1}},
				{"id": "11", "started_at": ` + ts + `, "severity": null},
				{"id": "12", "started_at": ` + ts + `, "severity": "weird"},
				{"id": "13", "started_at": ` + ts + `, "severity": -1},
				{"id": "14", "started_at": ` + ts + `, "severity": "3"},
				{"id": "15", "started_at": ` + ts + `, "severity": 99999999999999999999999},
				{"id": "16", "started_at": ` + ts + `, "severity": " sev2 "}]}`,
			want: []string{"I|1|||SEV1|" + z + "||||", "I|2|||SEV2|" + z + "||||", "I|3|||SEV3|" + z + "||||",
				"I|4|||SEV4|" + z + "||||", "I|5|||SEV5|" + z + "||||", "I|6|||SEV1|" + z + "||||",
				"I|7|||unknown|" + z + "||||", "I|8|||unknown|" + z + "||||", "I|9|||unknown|" + z + "||||",
				"I|10|||unknown|" + z + "||||", "I|11|||unknown|" + z + "||||", "I|12|||unknown|" + z + "||||",
				"I|13|||unknown|" + z + "||||", "I|14|||SEV3|" + z + "||||", "I|15|||unknown|" + z + "||||",
				"I|16|||unknown|" + z + "||||"}},
		{name: "deployment fields ignored on incidents", doc: inc(`"id": "a", "started_at": ` + ts + `, "commits": 5, "status": "weird", "finished_at": "x"`),
			want: []string{"I|a|||unknown|" + z + "||||"}},
		{name: "missing id", doc: inc(`"started_at": ` + ts),
			count: 1, first: "incidents[0].id: missing required field"},
		{name: "missing started_at", doc: inc(`"id": "a"`),
			count: 1, first: "incidents[0].started_at: missing required field"},
		{name: "bad started_at", doc: `{"incidents": [{"id": "a", "started_at": ` + ts + `}, {"id": "bad", "started_at": "soon"}]}`,
			want:  []string{"I|a|||unknown|" + z + "||||"},
			count: 1, first: `incidents[1].started_at: not an RFC 3339 timestamp: "soon"`},
		{name: "a 9999 placeholder for never rejects the record", doc: inc(`"id": "a", "started_at": ` + ts + `, "resolved_at": "9999-12-31T23:59:59Z"`),
			count: 1, first: `incidents[0].resolved_at: outside the supported range 1678–2262: "9999-12-31T23:59:59Z"`},
		{name: "bad resolved_at", doc: inc(`"id": "a", "started_at": ` + ts + `, "resolved_at": "2026-02-30T00:00:00Z"`),
			count: 1, first: `incidents[0].resolved_at: not an RFC 3339 timestamp: "2026-02-30T00:00:00Z"`},
		{name: "detected_at wrong type", doc: inc(`"id": "a", "started_at": ` + ts + `, "detected_at": 5`),
			count: 1, first: "incidents[0].detected_at: wrong type: want RFC 3339 string, got number"},
		{name: "acknowledged_at wrong type", doc: inc(`"id": "a", "started_at": ` + ts + `, "acknowledged_at": []`),
			count: 1, first: "incidents[0].acknowledged_at: wrong type: want RFC 3339 string, got array"},
		{name: "title wrong type", doc: inc(`"id": "a", "started_at": ` + ts + `, "title": 5`),
			count: 1, first: "incidents[0].title: wrong type: want string, got number"},
		{name: "deployment_id float", doc: inc(`"id": "a", "started_at": ` + ts + `, "deployment_id": 1.5`),
			count: 1, first: "incidents[0].deployment_id: wrong type: want string or integer, got number"},
		{name: "deployment_id boolean", doc: inc(`"id": "a", "started_at": ` + ts + `, "deployment_id": false`),
			count: 1, first: "incidents[0].deployment_id: wrong type: want string or integer, got boolean"},
	})
}

func TestDecodeJSONDocument(t *testing.T) {
	runDecodeCases(t, FormatJSON, []decodeCase{
		{name: "empty object", doc: `{}`},
		{name: "null arrays", doc: ` {"deployments": null, "incidents": null} `},
		{name: "byte order mark", doc: "\xEF\xBB\xBF{\"deployments\": []}"},
		{name: "both kinds, rejections counted over both", doc: `{"incidents": [{"id": "i"}], "deployments": [{"id": "d"}]}`,
			count: 2, first: "incidents[0].started_at: missing required field"},
		{name: "deployments not an array", doc: `{"deployments": {"id": "a"}}`, errSubstr: "deployments: not an array but an object"},
		{name: "incidents not an array", doc: `{"incidents": "x"}`, errSubstr: "incidents: not an array but a string"},
		{name: "top level array", doc: `[{"id": "a"}]`, errSubstr: "top level is an array, not an object"},
		{name: "top level number", doc: `42`, errSubstr: "top level is a number, not an object"},
		{name: "empty", doc: " \n", errSubstr: "empty document"},
		{name: "truncated", doc: `{"deployments": [{"id": "a", "finished_at": "2026-11-20T1`, errSubstr: "unexpected end of input"},
		{name: "truncated between records", doc: `{"deployments": [{"id": "a", "finished_at": ` + ts + `},`, errSubstr: "unexpected end of input"},
		{name: "syntax error names the record and offset", doc: `{"deployments": [{"id": "a", "finished_at": ` + ts + `}, {"id": "b" "x": 1}]}`,
			errSubstr: "syntax error at byte offset 80 (in deployments[1]): invalid character '\"' after object key:value pair"},
		{name: "trailing comma in object", doc: `{"deployments": [], }`, errSubstr: "looking for beginning of object key string"},
		{name: "trailing comma in array", doc: `{"deployments": [{"id": "a", "finished_at": ` + ts + `},]}`, errSubstr: "looking for beginning of value"},
		{name: "garbage after the object", doc: `{} {}`, errSubstr: "after the top-level object"},
		{name: "bad literal", doc: `{"x": nul}`, errSubstr: "in literal null"},
		{name: "bad number", doc: `{"x": 01}`, errSubstr: `invalid number "01"`},
		{name: "bad number in a record", doc: dep(`"id": 1.}`), errSubstr: `invalid number "1."`},
		{name: "bad escape", doc: dep(`"id": "a\x"`), errSubstr: "invalid escape 'x' in string"},
		{name: "bad unicode escape", doc: dep(`"id": "\u12G4"`), errSubstr: `invalid character 'G' in \u escape`},
		{name: "control character in string", doc: "{\"deployments\": [{\"id\": \"a\tb\"}]}", errSubstr: "invalid control character 0x09 in string"},
		{name: "single quotes", doc: `{'deployments': []}`, errSubstr: "invalid character '\\'' looking for beginning of object key string"},
		{name: "missing colon", doc: `{"deployments" []}`, errSubstr: "after object key"},
		{name: "NaN is not JSON", doc: dep(`"id": NaN`), errSubstr: "looking for beginning of value"},
		{name: "too deep", doc: `{"x": ` + strings.Repeat("[", maxDepth+5) + strings.Repeat("]", maxDepth+5) + `}`, errSubstr: "nested deeper than"},
	})
}

func TestDecodeNDJSON(t *testing.T) {
	const z = "2026-11-20T14:03:00Z"
	d := func(id string) string { return `{"kind": "deployment", "id": "` + id + `", "finished_at": ` + ts + `}` }
	runDecodeCases(t, FormatNDJSON, []decodeCase{
		{name: "both kinds", doc: d("a") + "\n" + `{"kind": "incident", "id": 5, "started_at": ` + ts + `, "severity": "high"}` + "\n",
			want: []string{"D|a||production|" + z + "|success|", "I|5|||SEV2|" + z + "||||"}},
		{name: "empty input", doc: ""},
		{name: "blank lines counted, CRLF accepted", doc: "\n" + d("a") + "\r\n  \t\n\r\n" + `{"kind": "deployment", "id": "b", "finished_at": "x"}` + "\r\n",
			want:  []string{"D|a||production|" + z + "|success|"},
			count: 1, first: `line 5: finished_at: not an RFC 3339 timestamp: "x"`},
		{name: "kind after the fields", doc: `{"id": "a", "finished_at": ` + ts + `, "severity": {}, "title": 1, "kind": "deployment"}` + "\n" +
			`{"id": "b", "started_at": ` + ts + `, "commits": "bad", "status": 4, "kind": "incident"}` + "\n",
			want: []string{"D|a||production|" + z + "|success|", "I|b|||unknown|" + z + "||||"}},
		{name: "kind after a bad field of its own", doc: `{"id": "a", "finished_at": ` + ts + `, "status": "meh", "kind": "deployment"}` + "\n",
			count: 1, first: `line 1: status: unknown status "meh"`},
		{name: "fields of the other kind ignored", doc: `{"kind": "incident", "id": "b", "started_at": ` + ts + `, "finished_at": "nope"}` + "\n",
			want: []string{"I|b|||unknown|" + z + "||||"}},
		{name: "unknown kind", doc: d("a") + "\n" + strings.Repeat("\n", 7) + `{"kind": "build", "id": "x"}` + "\n",
			want:  []string{"D|a||production|" + z + "|success|"},
			count: 1, first: `line 9: unknown kind "build"`},
		{name: "kind is case-sensitive", doc: `{"kind": "Deployment", "id": "x", "finished_at": ` + ts + `}`,
			count: 1, first: `line 1: unknown kind "Deployment"`},
		{name: "missing kind", doc: `{"id": "x", "finished_at": ` + ts + `}`,
			count: 1, first: "line 1: kind: missing required field"},
		{name: "kind wrong type", doc: `{"kind": 1, "id": "x"}`,
			count: 1, first: "line 1: kind: wrong type: want string, got number"},
		{name: "not JSON", doc: d("a") + "\n" + d("b") + "\n\n" + `{"kind": "deployment", "id": ` + "\n" + d("c") + "\n",
			want:  []string{"D|a||production|" + z + "|success|", "D|b||production|" + z + "|success|", "D|c||production|" + z + "|success|"},
			count: 1, first: "line 4: not JSON: column 30: unexpected end of input"},
		{name: "garbage after the object", doc: d("a") + ` x` + "\n",
			count: 1, first: "line 1: not JSON: column 74: invalid character 'x' after the object"},
		{name: "not an object", doc: "[1, 2]\n\"d\"\n",
			count: 2, first: "line 1: wrong type: want object, got array"},
		{name: "not JSON at all", doc: "hello\n",
			count: 1, first: "line 1: not JSON: column 1: invalid character 'h' looking for beginning of value"},
		{name: "commit problem", doc: `{"kind": "deployment", "id": "x", "finished_at": ` + ts + `, "commits": [{"sha": "1", "committed_at": ` + ts + `}, {"committed_at": ` + ts + `}]}`,
			count: 1, first: "line 1: commits[1].sha: missing required field"},
		{name: "duplicates kept", doc: d("a") + "\n" + d("a") + "\n",
			want: []string{"D|a||production|" + z + "|success|", "D|a||production|" + z + "|success|"}},
		{name: "unterminated complete last line is a record", doc: d("a") + "\n" + d("b"),
			want: []string{"D|a||production|" + z + "|success|", "D|b||production|" + z + "|success|"}},
		{name: "unterminated torn last line is rejected like any other", doc: d("a") + "\n" + `{"kind": "deployment", "id": "b", "fin`,
			want:  []string{"D|a||production|" + z + "|success|"},
			count: 1, first: "line 2: not JSON: column 39: unexpected end of input"},
		{name: "unterminated torn last line after a rejected one", doc: d("a") + "\n{\"kind\": 7}\n" + `{"kind": "deployment", "id": "b", "fin`,
			want:  []string{"D|a||production|" + z + "|success|"},
			count: 2, first: "line 2: kind: wrong type: want string, got number"},
		{name: "unterminated last line that is not JSON at all", doc: d("a") + "\n" + `deploy b`,
			want:  []string{"D|a||production|" + z + "|success|"},
			count: 1, first: "line 2: not JSON: column 1: invalid character 'd' looking for beginning of value"},
		{name: "unterminated last line of the wrong kind is rejected", doc: d("a") + "\n" + `{"kind": "alert"}`,
			want:  []string{"D|a||production|" + z + "|success|"},
			count: 1, first: `line 2: unknown kind "alert"`},
		{name: "byte order mark", doc: "\xEF\xBB\xBF" + d("a") + "\n",
			want: []string{"D|a||production|" + z + "|success|"}},
	})
}

// TestDecodePartialFlag checks that an unterminated last line that is not
// JSON is both rejected and flagged, so the file source reads the file
// again; a complete or terminated line is not flagged.
func TestDecodePartialFlag(t *testing.T) {
	const rec = `{"kind": "deployment", "id": "a", "finished_at": ` + ts + "}"
	for _, tc := range []struct {
		doc      string
		partial  bool
		rejected int
	}{
		{rec + "\n", false, 0},
		{rec, false, 0},
		{rec + "\n{\"kind\"", true, 1},
		{rec + "\n{\"kind\"\n", false, 1},
		{rec + "\n{\"kind\": \"alert\"}", false, 1},
		{rec + "\n\n   ", false, 0},
	} {
		out, err := decode(strings.NewReader(tc.doc), FormatNDJSON)
		if err != nil {
			t.Fatalf("decode(%q): %v", tc.doc, err)
		}
		if out.partial != tc.partial || out.rej.Count != tc.rejected || len(out.batch.Deployments) != 1 {
			t.Errorf("decode(%q): partial %v, rejected %d, %d records; want %v, %d, 1",
				tc.doc, out.partial, out.rej.Count, len(out.batch.Deployments), tc.partial, tc.rejected)
		}
	}
}

// TestDecodeStreaming feeds documents one byte per Read, so every token
// crosses a buffer refill somewhere, and compares with a whole read.
func TestDecodeStreaming(t *testing.T) {
	docs := map[Format]string{
		FormatJSON: `{"deployments": [{"id": "a\u00e9\"x", "service": "s", "finished_at": "2026-11-20T14:03:00.123+01:00",
			"commits": [{"sha": "abc", "committed_at": ` + ts + `}], "x": [1, 2.5e-3, true, null, {"k": "v"}]},
			{"id": 12, "finished_at": "bad"}], "incidents": [{"id": "i", "started_at": ` + ts + `, "severity": "SEV1"}]}`,
		FormatNDJSON: `{"kind": "deployment", "id": "a\n", "finished_at": ` + ts + "}\r\n\n" +
			`{"kind": "incident", "id": 3, "started_at": ` + ts + `, "severity": 2, "deployment_id": -4}` + "\n{bad\n",
	}
	for f, doc := range docs {
		whole, wrej, err := Decode(strings.NewReader(doc), f)
		if err != nil {
			t.Fatalf("%v whole: %v", f, err)
		}
		if len(whole.Deployments)+len(whole.Incidents) < 2 {
			t.Fatalf("%v: too few records: %q", f, summary(whole))
		}
		bit, brej, err := Decode(iotest.OneByteReader(strings.NewReader(doc)), f)
		if err != nil {
			t.Fatalf("%v byte by byte: %v", f, err)
		}
		if !equalStrings(summary(whole), summary(bit)) || wrej != brej {
			t.Errorf("%v: byte by byte %q %+v, whole %q %+v", f, summary(bit), brej, summary(whole), wrej)
		}
		// Cut anywhere, the JSON document must fail, never panic.
		if f == FormatJSON {
			for n := 0; n < len(doc)-1; n++ {
				if _, _, err := Decode(iotest.HalfReader(strings.NewReader(doc[:n])), f); err == nil {
					t.Errorf("document cut at %d decoded without error", n)
				}
			}
		}
	}
}

func TestDecodeReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	for f, doc := range map[Format]string{
		FormatJSON:   `{"deployments": [{"id": "a", "finished_at": ` + ts + `}, {"id"`,
		FormatNDJSON: `{"kind": "deployment", "id": "a", "finished_at": ` + ts + "}\n{\"dep",
	} {
		r := io.MultiReader(strings.NewReader(doc), iotest.ErrReader(boom))
		_, _, err := Decode(r, f)
		if !errors.Is(err, boom) {
			t.Errorf("%v: error = %v, want it to wrap %v", f, err, boom)
		}
	}
}

func TestDecodeAutoIsAnError(t *testing.T) {
	if _, _, err := Decode(strings.NewReader("{}"), FormatAuto); err == nil {
		t.Fatal("Decode with FormatAuto succeeded")
	}
}

func TestDecodeLargeDocumentCrossesBuffers(t *testing.T) {
	// More than one read buffer of records with long strings, so tokens
	// straddle refills and the arena spans chunks.
	var b strings.Builder
	b.WriteString(`{"deployments": [`)
	const n = 5000
	long := strings.Repeat("é", 300)
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"id": "d-%d", "service": "svc-%d", "finished_at": "2026-01-01T00:00:%02dZ", "note": %q, "commits": [{"sha": "%040d", "committed_at": %s}]}`,
			i, i%7, i%60, long, i, ts)
	}
	b.WriteString(`]}`)
	if b.Len() < 2*readBufSize {
		t.Fatalf("document of %d bytes is too small for this test", b.Len())
	}
	batch, rej, err := Decode(strings.NewReader(b.String()), FormatJSON)
	if err != nil || rej.Count != 0 {
		t.Fatalf("Decode: %v %+v", err, rej)
	}
	if len(batch.Deployments) != n {
		t.Fatalf("got %d deployments, want %d", len(batch.Deployments), n)
	}
	for i, d := range batch.Deployments {
		want := fmt.Sprintf("d-%d", i)
		sha := fmt.Sprintf("%040d", i)
		if d.ID != want || d.Service != fmt.Sprintf("svc-%d", i%7) || len(d.Commits) != 1 || d.Commits[0].SHA != sha ||
			d.FinishedAt.Time().Second() != i%60 {
			t.Fatalf("deployment %d = %+v", i, d)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Format
		ok   bool
	}{
		{"auto", FormatAuto, true}, {"json", FormatJSON, true}, {"ndjson", FormatNDJSON, true},
		{"JSON", 0, false}, {"", 0, false}, {"xml", 0, false},
	} {
		got, err := ParseFormat(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseFormat(%q) = %v, %v", tc.in, got, err)
		}
		if tc.ok && got.String() != tc.in {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), tc.in)
		}
	}
}

func TestFormatFor(t *testing.T) {
	for _, tc := range []struct {
		f    Format
		name string
		want Format
	}{
		{FormatAuto, "deploys.ndjson", FormatNDJSON},
		{FormatAuto, "/x/y/deploys.JSONL", FormatNDJSON},
		{FormatAuto, "deploys.NdJson", FormatNDJSON},
		{FormatAuto, "deploys.NDJ\u017fON", FormatNDJSON}, // long s folds to s
		{FormatAuto, "deploys.ndjson.bak", FormatJSON},
		{FormatAuto, "deploys.jsonlines", FormatJSON},
		{FormatAuto, "deploys.json", FormatJSON},
		{FormatAuto, "deploys", FormatJSON},
		{FormatAuto, "/x.ndjson/deploys", FormatJSON},
		{FormatJSON, "deploys.ndjson", FormatJSON},
		{FormatNDJSON, "deploys.json", FormatNDJSON},
	} {
		if got := FormatFor(tc.f, tc.name); got != tc.want {
			t.Errorf("FormatFor(%v, %q) = %v, want %v", tc.f, tc.name, got, tc.want)
		}
	}
}

// TestConformanceFiles decodes the shared conformance cases' event files.
func TestConformanceFiles(t *testing.T) {
	for _, tc := range []struct {
		file       string
		deps, incs int
		count      int
		first      string
	}{
		{"basic-events.json", 215, 43, 0, ""},
		{"rules.json", 12, 7, 3, `deployments[12].finished_at: not an RFC 3339 timestamp: "yesterday"`},
		{"deploys.ndjson", 21, 0, 2, `line 12: unknown kind "alert"`},
		{"incidents.json", 0, 18, 0, ""},
		// Our own data sets for the edges of SPEC §1, in the same shape.
		{"spec-edges.json", 10, 1, 9, `deployments[4].finished_at: outside the supported range 1678–2262: "1677-12-31T23:59:59.999999999Z"`},
		{"spec-edges.ndjson", 2, 1, 4, `line 3: duplicate member "kind"`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			p := filepath.Join("testdata", "conformance", tc.file)
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			batch, rej, err := Decode(f, FormatFor(FormatAuto, p))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if len(batch.Deployments) != tc.deps || len(batch.Incidents) != tc.incs {
				t.Errorf("got %d deployments, %d incidents; want %d, %d",
					len(batch.Deployments), len(batch.Incidents), tc.deps, tc.incs)
			}
			if rej.Count != tc.count || rej.First != tc.first {
				t.Errorf("rejections = %d %q, want %d %q", rej.Count, rej.First, tc.count, tc.first)
			}
		})
	}
}

// TestConformanceRulesValues spot-checks values of the rules case that
// the metrics depend on.
func TestConformanceRulesValues(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "conformance", "rules.json"))
	if err != nil {
		t.Fatal(err)
	}
	batch, _, err := Decode(bytes.NewReader(data), FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]model.Deployment{}
	for _, d := range batch.Deployments {
		ids[d.ID] = d // the later "dup" wins, as Merge will decide
	}
	if d, ok := ids["42"]; !ok || d.Status != model.StatusRolledBack || len(d.Commits) != 2 {
		t.Errorf(`integer id 42 = %+v, %v`, d, ok)
	}
	if d := ids["stg"]; d.Environment != "STAGING" {
		t.Errorf("stg environment = %q", d.Environment)
	}
	if d := ids["frac"]; d.FinishedAt.String() != "2026-11-19T11:59:59.75Z" {
		t.Errorf("frac finished_at = %v", d.FinishedAt)
	}
	sev := map[string]model.Severity{}
	dep := map[string]string{}
	for _, i := range batch.Incidents {
		sev[i.ID], dep[i.ID] = i.Severity, i.DeploymentID
	}
	if sev["i-1"] != 2 || sev["i-2"] != 1 || sev["i-open"] != 1 || sev["i-future-resolve"] != 1 || dep["i-1"] != "42" {
		t.Errorf("severities %v, deployment ids %v", sev, dep)
	}
}

func TestDecodeSharesRepeatedStrings(t *testing.T) {
	doc := `{"deployments": [{"id": "a", "service": "svc", "environment": "prod", "finished_at": ` + ts + `},
		{"id": "b", "service": "svc", "environment": "prod", "finished_at": ` + ts + `}]}`
	batch, _, err := Decode(strings.NewReader(doc), FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	a, b := batch.Deployments[0], batch.Deployments[1]
	if unsafeData(a.Service) != unsafeData(b.Service) || unsafeData(a.Environment) != unsafeData(b.Environment) {
		t.Error("service and environment strings are not shared between records")
	}
}

func TestDecodeCancelledContextViaFileReader(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := Decode(ctxReader{ctx: ctx, r: strings.NewReader("{}")}, FormatJSON)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}

func unsafeData(s string) *byte { return unsafe.StringData(s) }
