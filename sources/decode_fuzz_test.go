package sources

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"testing/iotest"

	"doradash/model"
)

// checkDecoded holds the invariants of every Decode result, whatever the
// input: rejections are consistent, kept records are complete, neither a
// title nor a message holds a character a terminal acts on (see
// terminalUnsafe), nor does an identity string once model.Printable has
// made it fit for display, and reading the input one byte at a time (every
// token crossing a refill) gives the same answer as reading it whole.
func checkDecoded(t *testing.T, data []byte, f Format) (*model.Batch, Rejections, error) {
	t.Helper()
	batch, rej, err := Decode(bytes.NewReader(data), f)
	if rej.Count < 0 || (rej.Count == 0) != (rej.First == "") {
		t.Fatalf("inconsistent rejections %+v", rej)
	}
	if !terminalSafe(rej.First) {
		t.Fatalf("first rejection %q holds a control character or invalid UTF-8", rej.First)
	}
	if err != nil {
		if batch != nil || rej.Count != 0 {
			t.Fatalf("error %v with batch %v and rejections %+v", err, batch, rej)
		}
		if !terminalSafe(err.Error()) {
			t.Fatalf("error %q holds a control character or invalid UTF-8", err)
		}
	} else {
		if batch == nil {
			t.Fatal("nil batch without error")
		}
		for _, s := range displayStrings(batch) {
			if !terminalSafe(s) {
				t.Fatalf("title %q holds a control character or invalid UTF-8", s)
			}
		}
		for _, s := range identityStrings(batch) {
			if p := model.Printable(s); !terminalSafe(p) {
				t.Fatalf("model.Printable(%q) = %q holds a control character or invalid UTF-8", s, p)
			}
		}
		for _, d := range batch.Deployments {
			if d.ID == "" || !d.FinishedAt.IsSet() {
				t.Fatalf("incomplete deployment %+v", d)
			}
			for _, c := range d.Commits {
				if c.SHA == "" || !c.CommittedAt.IsSet() {
					t.Fatalf("incomplete commit %+v in %+v", c, d)
				}
			}
		}
		for _, i := range batch.Incidents {
			if i.ID == "" || !i.StartedAt.IsSet() || i.Severity > 5 {
				t.Fatalf("incomplete incident %+v", i)
			}
		}
	}
	if len(data) <= 1<<12 {
		b2, rej2, err2 := Decode(iotest.OneByteReader(bytes.NewReader(data)), f)
		if (err == nil) != (err2 == nil) || rej != rej2 || (err == nil && !equalStrings(summary(batch), summary(b2))) {
			t.Fatalf("whole and byte-by-byte reads differ:\n%v %+v %q\n%v %+v %q", err, rej, summary(batch), err2, rej2, summary(b2))
		}
	}
	return batch, rej, err
}

var fuzzJSONSeeds = []string{
	`{"deployments": [{"id": "d-1", "service": "checkout", "environment": "production", "finished_at": "2026-11-20T14:03:00Z",
		"status": "success", "commits": [{"sha": "9fceb02", "committed_at": "2026-11-19T09:12:44Z"}]}],
	  "incidents": [{"id": "INC-77", "service": "checkout", "title": "5xx", "severity": "SEV2", "started_at": "2026-11-20T14:10:00Z",
		"detected_at": null, "resolved_at": "2026-11-20T15:02:00+01:00", "deployment_id": 42}]}`,
	`{"deployments": [{"id": 1.5}, "x", {"id": "a", "finished_at": "yesterday"}, {"id": "\u00e9\ud83d\ude00", "finished_at": "2026-02-29T00:00:00Z"}]}`,
	`{"deployments": null, "incidents": [{"id": 7, "started_at": "1970-01-01T00:00:00Z", "severity": [1]}], "x": {"y": [true, false]}}`,
	`[1, 2]`,
	`{"deployments": {}}`,
	`{"deployments": [{"id": "a", "finished_at": "0000-01-01T00:00:00Z", "commits": [{"sha": "s", "committed_at": "2016-12-31T15:59:60.5-08:00"}]}]}`,
	`{"incidents": [{"id": "i\u0085", "service": "s\t", "title": "boom \u001b]0;pwned\u0007 \u001b[2J \u202e\u2069", "started_at": "2026-11-20T14:10:00Z",
		"deployment_id": "\u009b2J"}], "deployments": [{"id": "d` + "\x7f\u00c2\u0085" + `", "environment": "e\n", "finished_at": "2026-11-20T14:03:00Z",
		"commits": [{"sha": "\ud800\u001b", "committed_at": "2026-11-19T09:12:44Z"}]}]}`,
	`{"deployments": [{"id": "a", "finished_at": "2262-04-11T23:47:16Z", "i\u0064": 1}, {"id": "b", "finished_at": "1678-01-01T00:00:00Z",
		"commits": [{"sha": "s", "sha": "t", "committed_at": "1677-12-31T23:59:60Z"}]}], "deployments": [{"id": 4.0, "finished_at": "0001-01-01T00:00:00Z"}]}`,
}

var fuzzNDJSONSeeds = []string{
	"{\"kind\": \"deployment\", \"id\": \"a\", \"finished_at\": \"2026-11-20T14:03:00Z\", \"commits\": [{\"sha\": \"1\", \"committed_at\": \"2026-11-20T14:00:00.5Z\"}]}\n" +
		"\n{\"kind\": \"incident\", \"id\": 3, \"started_at\": \"2026-11-20T14:03:00Z\", \"severity\": \"p1\"}\r\n",
	"{\"kind\": \"build\"}\nnot json\n[1]\n{\"id\": \"x\", \"finished_at\": \"2026-11-20T14:03:00Z\", \"kind\": \"deployment\"}\n{\"kind\": \"deploy",
	"{\"kind\": \"deployment\", \"id\": \"\", \"finished_at\": 5}\n{\"kind\": 1}\n",
	"{\"kind\": \"incident\", \"id\": \"i\", \"started_at\": \"1970-01-01t00:00:00z\", \"resolved_at\": \"9999-12-31T23:59:60Z\"}\n{\"kind\": \"incident\", \"id\": \"j\", \"sta",
	"{\"kind\": \"incident\", \"id\": \"i\\u0007\", \"service\": \"\u2066s\", \"title\": \"boom \\u001b]0;pwned\\u0007 \\u001b[2J\", \"started_at\": \"2026-11-20T14:03:00Z\"}\n" +
		"{\"kind\": \"deployment\", \"id\": \"d\x7f\", \"environment\": \"\\r\", \"finished_at\": \"2026-11-20T14:03:00Z\", \"commits\": [{\"sha\": \"\\u009d\", \"committed_at\": \"2026-11-20T14:00:00Z\"}]}\n",
	"\xef\xbb\xbf{\"kind\": \"incident\", \"id\": 1, \"started_at\": \"9999-12-31T23:59:59Z\", \"k\\u0069nd\": \"incident\"}\n" +
		"{\"kind\": \"incident\", \"id\": 2, \"started_at\": \"2262-04-11T23:47:16.000000000999Z\", \"severity\": 2.0}\n",
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range fuzzJSONSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, err := checkDecoded(t, data, FormatJSON)
		// The decoder's JSON syntax must agree with encoding/json's.
		valid := json.Valid(bytes.TrimPrefix(data, utf8BOM))
		var se *syntaxError
		if err == nil && !valid {
			t.Fatalf("decoded a document encoding/json finds invalid")
		}
		if valid && errors.As(err, &se) {
			t.Fatalf("syntax error %v on a document encoding/json finds valid", err)
		}
	})
}

func FuzzDecodeNDJSON(f *testing.F) {
	for _, s := range fuzzNDJSONSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		batch, rej, err := checkDecoded(t, data, FormatNDJSON)
		if err != nil {
			t.Fatalf("NDJSON failed as a whole: %v", err) // only read errors may do that
		}
		// Each line stands alone: every one that is not blank is a record
		// or a rejection, the last one too, terminated or not.
		lines := 0
		for _, l := range bytes.Split(bytes.TrimPrefix(data, utf8BOM), []byte("\n")) {
			if len(bytes.Trim(l, " \t\r")) > 0 {
				lines++
			}
		}
		if n := len(batch.Deployments) + len(batch.Incidents); n+rej.Count != lines {
			t.Fatalf("%d records and %d rejections from %d lines", n, rej.Count, lines)
		}
	})
}
