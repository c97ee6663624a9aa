package sources

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"doradash/model"
)

// terminalUnsafe reports whether r is a character no decoded string may
// hold, because it reaches every viewer's terminal: C0 controls, DEL, C1
// controls, and the bidirectional overrides and isolates. It is written
// independently of the decoder's own list on purpose.
func terminalUnsafe(r rune) bool {
	return r <= 0x1f || (r >= 0x7f && r <= 0x9f) ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// terminalSafe reports whether s is valid UTF-8 without terminalUnsafe runes.
func terminalSafe(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if terminalUnsafe(r) {
			return false
		}
	}
	return true
}

// identityStrings returns every string of the batch that is identity (ids,
// shas, services, environments), which the decoder keeps exactly as given.
func identityStrings(b *model.Batch) []string {
	var out []string
	for _, d := range b.Deployments {
		out = append(out, d.ID, d.Service, d.Environment)
		for _, c := range d.Commits {
			out = append(out, c.SHA)
		}
	}
	for _, i := range b.Incidents {
		out = append(out, i.ID, i.Service, i.DeploymentID)
	}
	return out
}

// displayStrings returns every string of the batch that is only shown
// (titles), which the decoder makes safe for a terminal.
func displayStrings(b *model.Batch) []string {
	var out []string
	for _, i := range b.Incidents {
		out = append(out, i.Title)
	}
	return out
}

// unsafeRunes lists every terminalUnsafe rune.
func unsafeRunes() []rune {
	var rs []rune
	for r := rune(0); r <= 0x2069; r++ {
		if terminalUnsafe(r) {
			rs = append(rs, r)
		}
	}
	return rs
}

// TestDecodeReplacesTerminalControls checks the attack itself: escape
// sequences in an incident title must not reach a terminal, in JSON and in
// NDJSON; ids, shas, services and environments are identity and are kept
// exactly (views pass them through model.Printable).
func TestDecodeReplacesTerminalControls(t *testing.T) {
	const (
		evil    = `boom \u001b]0;pwned\u0007 \u001b[2J \u009b31m \u001b]52;c;aGk=\u0007 \u202eevil\u2069`
		evilRaw = "boom \x1b]0;pwned\x07 \x1b[2J \u009b31m \x1b]52;c;aGk=\x07 \u202eevil\u2069"
		want    = "boom \uFFFD]0;pwned\uFFFD \uFFFD[2J \uFFFD31m \uFFFD]52;c;aGk=\uFFFD \uFFFDevil\uFFFD"
		// evil2 mixes escapes, raw DEL, raw UTF-8 C1 and bidi characters, and
		// the escapes that JSON spells with a letter.
		evil2    = "x\u007f\u0085\u202a\u2066" + `\t\n\r\b\f\u0000\u001f\u007F\u0080\u009f\u202A\u202e\u2066\u2069y`
		evil2Raw = "x\u007f\u0085\u202a\u2066\t\n\r\b\f\x00\x1f\x7f\u0080\u009f\u202a\u202e\u2066\u2069y"
	)
	const z = "2026-11-20T14:03:00Z"
	depFields := `"id": "` + evil + `", "service": "` + evil2 + `", "environment": "` + evil + `", "finished_at": ` + ts +
		`, "commits": [{"sha": "` + evil2 + `", "committed_at": ` + ts + `}]`
	incFields := `"id": "` + evil2 + `", "service": "` + evil + `", "title": "` + evil + `", "started_at": ` + ts +
		`, "deployment_id": "` + evil + `"`
	wantRecs := []string{
		"D|" + evilRaw + "|" + evil2Raw + "|" + evilRaw + "|" + z + "|success|" + evil2Raw + "@" + z,
		"I|" + evil2Raw + "|" + evilRaw + "|" + want + "|unknown|" + z + "||||" + evilRaw,
	}
	runDecodeCases(t, FormatJSON, []decodeCase{{
		name: "json", doc: `{"deployments": [{` + depFields + `}], "incidents": [{` + incFields + `}]}`,
		want: wantRecs,
	}})
	runDecodeCases(t, FormatNDJSON, []decodeCase{{
		name: "ndjson", doc: `{"kind": "deployment", ` + depFields + "}\n" + `{"kind": "incident", ` + incFields + "}\n",
		want: wantRecs,
	}})
}

// TestDecodeReplacesEachUnsafeRune tries every unsafe rune, escaped and (where
// JSON allows it raw) as is, in every kept field, and its harmless
// neighbours: a title gets U+FFFD in its place, every identity string
// keeps it, and harmless ones are kept everywhere.
func TestDecodeReplacesEachUnsafeRune(t *testing.T) {
	type variant struct {
		name, json string // the rune as it appears inside a JSON string
		rune       string // the decoded character
		title      string // what a title holds in its place
	}
	var vs []variant
	for _, r := range unsafeRunes() {
		vs = append(vs, variant{fmt.Sprintf("escaped U+%04X", r), fmt.Sprintf(`\u%04x`, r), string(r), "\uFFFD"})
		if r >= 0x20 {
			vs = append(vs, variant{fmt.Sprintf("raw U+%04X", r), string(r), string(r), "\uFFFD"})
		}
	}
	for _, r := range []rune{' ', '~', 0xa0, 0xe9, 0x2029, 0x2065, 0x206a, 0x202f, 0x2070, 0xfffd} {
		vs = append(vs, variant{fmt.Sprintf("kept U+%04X", r), string(r), string(r), string(r)},
			variant{fmt.Sprintf("kept escaped U+%04X", r), fmt.Sprintf(`\u%04x`, r), string(r), string(r)})
	}
	vs = append(vs, variant{"kept U+1F600", "\U0001F600", "\U0001F600", "\U0001F600"},
		variant{"kept escaped U+1F600", `\ud83d\ude00`, "\U0001F600", "\U0001F600"},
		variant{"invalid UTF-8", "\xff\xfe", "\xff\xfe", "\uFFFD"},
		variant{"lone high surrogate", `\ud800`, "\xed\xa0\x80", "\uFFFD"},
		variant{"lone low surrogate", `\udfff`, "\xed\xbf\xbf", "\uFFFD"},
		variant{"two lone surrogates", `\udc00\ud800`, "\xed\xb0\x80\xed\xa0\x80", "\uFFFD"})
	for _, v := range vs {
		s := "a" + v.json + "b"
		depFields := `"id": "` + s + `", "service": "` + s + `", "environment": "` + s + `", "finished_at": ` + ts +
			`, "commits": [{"sha": "` + s + `", "committed_at": ` + ts + `}]`
		incFields := `"id": "` + s + `", "service": "` + s + `", "title": "` + s + `", "started_at": ` + ts +
			`, "deployment_id": "` + s + `"`
		for f, doc := range map[Format]string{
			FormatJSON:   `{"deployments": [{` + depFields + `}], "incidents": [{` + incFields + `}]}`,
			FormatNDJSON: `{"kind": "deployment", ` + depFields + "}\n" + `{"kind": "incident", ` + incFields + "}\n",
		} {
			batch, rej, err := Decode(strings.NewReader(doc), f)
			if err != nil || rej.Count != 0 {
				t.Fatalf("%s, %v: %v %+v", v.name, f, err, rej)
			}
			ids := identityStrings(batch)
			if len(ids) != 7 {
				t.Fatalf("%s, %v: %d identity strings, want 7: %q", v.name, f, len(ids), ids)
			}
			for i, g := range ids {
				if g != "a"+v.rune+"b" {
					t.Errorf("%s, %v: identity string %d = %q, want %q", v.name, f, i, g, "a"+v.rune+"b")
				}
				if p := model.Printable(g); p != "a"+v.title+"b" {
					t.Errorf("%s, %v: model.Printable(%q) = %q, want %q", v.name, f, g, p, "a"+v.title+"b")
				}
			}
			if got := displayStrings(batch); len(got) != 1 || got[0] != "a"+v.title+"b" {
				t.Errorf("%s, %v: title %q, want %q", v.name, f, got, "a"+v.title+"b")
			}
		}
	}
}

// TestDecodeIdentityIsExact is issue 8 item 14: ids, shas and services that
// differ only in characters a display replaces (controls, bidi, invalid
// UTF-8) are different records and keys, never merged (SPEC §1).
func TestDecodeIdentityIsExact(t *testing.T) {
	variants := []string{"d", `d\u0007`, `d\u001b`, `d\u202e`, `d\u2066`, "d\xff", "d\xfe", `d\ufffd`, `d\u0085`, `d\u0000`,
		`d\ud800`, `d\udc00`, `d\udbff`}
	var deps, incs []string
	for i, v := range variants {
		deps = append(deps, fmt.Sprintf(`{"id": "%s", "service": "%s", "finished_at": %s,
			"commits": [{"sha": "%s", "committed_at": %s}]}`, v, v, ts, v, ts))
		incs = append(incs, fmt.Sprintf(`{"id": "%s", "started_at": %s, "deployment_id": "%s", "title": "t%d"}`, v, ts, v, i))
	}
	doc := `{"deployments": [` + strings.Join(deps, ",") + `], "incidents": [` + strings.Join(incs, ",") + `]}`
	batch, rej, err := Decode(strings.NewReader(doc), FormatJSON)
	if err != nil || rej.Count != 0 {
		t.Fatalf("Decode: %v %+v", err, rej)
	}
	ds := model.Merge(batch)
	if len(ds.Deployments) != len(variants) || len(ds.Incidents) != len(variants) {
		t.Fatalf("merged into %d deployments and %d incidents, want %d each", len(ds.Deployments), len(ds.Incidents), len(variants))
	}
	seen := map[string]bool{}
	for i, d := range ds.Deployments {
		if seen[d.ID] || d.Service != d.ID || len(d.Commits) != 1 || d.Commits[0].SHA != d.ID {
			t.Errorf("deployment %d = %+v: id, service and sha not kept apart and exact", i, d)
		}
		seen[d.ID] = true
		in := ds.Incidents[i]
		if in.ID != d.ID || in.DeploymentID != d.ID {
			t.Errorf("incident %d = %+v, want id and deployment_id %q", i, in, d.ID)
		}
		if got, ok := ds.DeploymentByID(in.DeploymentID); !ok || got.ID != in.DeploymentID {
			t.Errorf("incident %d names %q, found %+v, %v", i, in.DeploymentID, got, ok)
		}
	}
	if got := ds.Services(); len(got) != len(variants) {
		t.Errorf("services %q, want %d distinct", got, len(variants))
	}
}

// TestDecodeInternedStringsExact checks that a repeated service or
// environment with a control character is kept exactly every time, and
// that the look-alike spelling a display would produce stays apart.
func TestDecodeInternedStringsExact(t *testing.T) {
	rec := `{"id": "a", "service": "s\u001bx", "environment": "e\u0007", "finished_at": ` + ts + `}`
	clean := `{"id": "b", "service": "s` + "\uFFFD" + `x", "environment": "e\ufffd", "finished_at": ` + ts + `}`
	doc := `{"deployments": [` + rec + "," + rec + "," + clean + "," + rec + `]}`
	batch, _, err := Decode(strings.NewReader(doc), FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range batch.Deployments {
		svc, env := "s\x1bx", "e\x07"
		if i == 2 {
			svc, env = "s\uFFFDx", "e\uFFFD"
		}
		if d.Service != svc || d.Environment != env {
			t.Errorf("deployment %d: service %q, environment %q; want %q, %q", i, d.Service, d.Environment, svc, env)
		}
	}
}

// TestDecodeMessagesAreQuoted checks that rejection messages, which show
// raw values, quote control characters instead of passing them on.
func TestDecodeMessagesAreQuoted(t *testing.T) {
	for f, doc := range map[Format]string{
		FormatJSON:   dep(`"id": "a", "finished_at": "\u001b[2J", "status": "\u009b"`),
		FormatNDJSON: `{"kind": "\u001b]0;x\u0007", "id": "a"}`,
	} {
		_, rej, err := Decode(strings.NewReader(doc), f)
		if err != nil || rej.Count != 1 {
			t.Fatalf("%v: %v %+v", f, err, rej)
		}
		if !terminalSafe(rej.First) {
			t.Errorf("%v: first rejection %q holds a control character", f, rej.First)
		}
	}
}

func TestScanStringStopsAtDEL(t *testing.T) {
	for n := range 20 {
		buf := []byte(strings.Repeat("a", n) + "\x7f" + strings.Repeat("b", 10))
		if got := scanString(buf, 0); got != n {
			t.Errorf("scanString(%q) = %d, want %d", buf, got, n)
		}
	}
	// Bytes 0x7e and 0xff next to each other: 0xff carries in x+lsbs, but
	// the first flagged byte is still the first one that stops the scan.
	if got := scanString([]byte("aaaa~\xff~\x7fbbbbbbbb"), 0); got != 5 {
		t.Errorf("scanString = %d, want 5", got)
	}
}
