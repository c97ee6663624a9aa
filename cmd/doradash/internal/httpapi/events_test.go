package httpapi

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"doradash/model"
	"doradash/sources"
)

// edgeBatch holds every kind of value whose encoding could lose something
// on the way to another doradash.
func edgeBatch() *model.Batch {
	return &model.Batch{
		Deployments: []model.Deployment{
			{ID: "nanos", Service: "svc", Environment: "production", FinishedAt: stamp("2026-11-20T14:03:00.000000001Z"),
				Commits: []model.Commit{{SHA: "c1", CommittedAt: stamp("2026-11-19T09:12:44.999999999Z")}}},
			{ID: "empty-env-and-service", Environment: "", FinishedAt: stamp("2026-11-20T14:03:00Z")},
			{ID: "staging", Service: "svc", Environment: "Staging", FinishedAt: stamp("2026-11-20T14:03:00Z"), Status: model.StatusFailed},
			{ID: "rolled", Service: "svc", Environment: "production", FinishedAt: stamp("2026-11-20T14:03:00Z"), Status: model.StatusRolledBack},
			{ID: "last", Service: "svc", Environment: "production", FinishedAt: stamp("2262-04-11T23:47:16Z")},
			{ID: "first", Service: "svc", Environment: "production", FinishedAt: stamp("1678-01-01T00:00:00Z"),
				Commits: []model.Commit{{SHA: "old", CommittedAt: stamp("1678-01-01T00:00:00Z")}}},
			{ID: "epoch", Service: "svc", Environment: "production", FinishedAt: model.EpochStamp},
			{ID: "before-epoch", Service: "svc", Environment: "production", FinishedAt: stamp("1969-12-31T23:59:59.5Z")},
			{ID: `quote"back\slash`, Service: "ü-ñ €", Environment: "production", FinishedAt: stamp("2026-01-01T00:00:00Z")},
			{ID: "42", Service: "svc", Environment: "production", FinishedAt: stamp("2026-01-01T00:00:00Z")},
		},
		Incidents: []model.Incident{
			{ID: "all", Service: "svc", Title: "title with \"quotes\" and \uFFFD", Severity: 1,
				StartedAt: stamp("2026-11-20T14:10:00Z"), DetectedAt: stamp("2026-11-20T14:14:00.5Z"),
				AcknowledgedAt: stamp("2026-11-20T14:16:30Z"), ResolvedAt: stamp("2026-11-20T15:02:00Z"), DeploymentID: "nanos"},
			{ID: "none", StartedAt: stamp("2026-11-20T14:10:00Z")},
			{ID: "sev5", Severity: 5, StartedAt: stamp("2262-04-11T23:47:16Z"), ResolvedAt: stamp("2262-04-11T23:47:16Z")},
			{ID: "sev3", Severity: 3, StartedAt: stamp("2026-11-20T14:10:00Z"), DeploymentID: "42"},
		},
	}
}

// recordsOf returns the records of b with nil and empty commit lists made
// alike, for comparison.
func recordsOf(b *model.Batch) ([]model.Deployment, []model.Incident) {
	deps := make([]model.Deployment, len(b.Deployments))
	for i, d := range b.Deployments {
		if len(d.Commits) == 0 {
			d.Commits = nil
		}
		deps[i] = d
	}
	incs := append([]model.Incident(nil), b.Incidents...)
	return deps, incs
}

func decodeNDJSON(t testing.TB, data []byte) (*model.Batch, sources.Rejections) {
	t.Helper()
	b, rej, err := sources.Decode(bytes.NewReader(data), sources.FormatNDJSON)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return b, rej
}

func TestNDJSONRoundTrip(t *testing.T) {
	ds := model.Merge(edgeBatch())
	var buf bytes.Buffer
	if err := WriteNDJSON(&buf, ds); err != nil {
		t.Fatal(err)
	}
	got, rej := decodeNDJSON(t, buf.Bytes())
	if rej.Count != 0 {
		t.Fatalf("%d records rejected, first: %s\n%s", rej.Count, rej.First, buf.String())
	}
	wantD, wantI := recordsOf(&model.Batch{Deployments: ds.Deployments, Incidents: ds.Incidents})
	gotD, gotI := recordsOf(got)
	if !reflect.DeepEqual(gotD, wantD) {
		t.Errorf("deployments differ after the round trip:\n got %+v\nwant %+v", gotD, wantD)
	}
	if !reflect.DeepEqual(gotI, wantI) {
		t.Errorf("incidents differ after the round trip:\n got %+v\nwant %+v", gotI, wantI)
	}
}

// TestNDJSONWritesEveryField pins the choices the round trip depends on:
// an empty environment is written (absent would read as production),
// absent times and deployment ids are null, severity is the number.
func TestNDJSONWritesEveryField(t *testing.T) {
	var buf bytes.Buffer
	WriteNDJSON(&buf, model.Merge(&model.Batch{
		Deployments: []model.Deployment{{ID: "d", FinishedAt: stamp("2026-11-20T14:03:00.000000001Z"), Status: model.StatusRolledBack}},
		Incidents:   []model.Incident{{ID: "i", Severity: 2, StartedAt: stamp("2026-11-20T14:03:00Z")}},
	}))
	want := `{"kind":"deployment","id":"d","service":"","environment":"","finished_at":"2026-11-20T14:03:00.000000001Z","status":"rolled_back","commits":[]}
{"kind":"incident","id":"i","service":"","title":"","severity":2,"started_at":"2026-11-20T14:03:00Z","detected_at":null,"acknowledged_at":null,"resolved_at":null,"deployment_id":null}
`
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "quote\"", `back\slash`, "tab\tnl\nnul\x00esc\x1b", "\x7f", "ü€😀", "\u2028\u2029"} {
		checkString(t, s)
	}
}

// TestIDsThatAreNotUTF8StayDistinct: the decoder may keep ids byte for
// byte, so two ids that differ only in bytes that are not UTF-8 are two
// records upstream; they must stay two downstream (replacing the bytes
// with U+FFFD would make them one). Strings are therefore written as they
// are, and whatever the decoder made of the input, the round trip keeps.
func TestIDsThatAreNotUTF8StayDistinct(t *testing.T) {
	if got := string(appendString(nil, "x\xff\xc3")); got != "\"x\xff\xc3\"" {
		t.Errorf("appendString changed bytes that are not UTF-8: %q", got)
	}
	in := "{\"kind\":\"deployment\",\"id\":\"x\xff\",\"finished_at\":\"2026-11-20T14:03:00Z\"}\n" +
		"{\"kind\":\"deployment\",\"id\":\"x\xfe\",\"finished_at\":\"2026-11-20T14:03:00Z\"}\n"
	b, _ := decodeNDJSON(t, []byte(in))
	upstream := model.Merge(b)
	var buf bytes.Buffer
	WriteNDJSON(&buf, upstream)
	got, rej := decodeNDJSON(t, buf.Bytes())
	downstream := model.Merge(got)
	if rej.Count != 0 || len(downstream.Deployments) != len(upstream.Deployments) {
		t.Fatalf("upstream %d deployments, downstream %d (%d rejected)", len(upstream.Deployments), len(downstream.Deployments), rej.Count)
	}
	for i := range upstream.Deployments {
		if upstream.Deployments[i].ID != downstream.Deployments[i].ID {
			t.Errorf("id %q became %q", upstream.Deployments[i].ID, downstream.Deployments[i].ID)
		}
	}
}

// checkString checks that appendString(s) is JSON that decodes to what
// encoding/json's encoding of s decodes to.
func checkString(t *testing.T, s string) {
	t.Helper()
	out := appendString(nil, s)
	if !json.Valid(out) {
		t.Fatalf("appendString(%q) = %s: not JSON", s, out)
	}
	var got, want string
	json.Unmarshal(out, &got)
	ref, _ := json.Marshal(s)
	json.Unmarshal(ref, &want)
	if got != want {
		t.Fatalf("appendString(%q) decodes to %q, encoding/json's to %q", s, got, want)
	}
}

// FuzzNDJSONRoundTrip: whatever a source decodes, the events endpoint
// writes so that decoding it again gives the same records.
func FuzzNDJSONRoundTrip(f *testing.F) {
	f.Fuzz(func(t *testing.T, in []byte) {
		b, _, err := sources.Decode(bytes.NewReader(in), sources.FormatNDJSON)
		if err != nil {
			return
		}
		ds := model.Merge(b)
		var buf bytes.Buffer
		WriteNDJSON(&buf, ds)
		got, rej := decodeNDJSON(t, buf.Bytes())
		if rej.Count != 0 {
			t.Fatalf("re-decoding rejected %d records: %s\n%s", rej.Count, rej.First, buf.Bytes())
		}
		wantD, wantI := recordsOf(&model.Batch{Deployments: ds.Deployments, Incidents: ds.Incidents})
		gotD, gotI := recordsOf(got)
		if !reflect.DeepEqual(gotD, wantD) || !reflect.DeepEqual(gotI, wantI) {
			t.Fatalf("records differ after the round trip:\n got %#v %#v\nwant %#v %#v", gotD, gotI, wantD, wantI)
		}
		for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
			if line != "" && !json.Valid([]byte(line)) {
				t.Fatalf("line is not JSON: %s", line)
			}
		}
		if utf8.Valid(in) {
			checkString(t, string(in))
		}
	})
}

func TestEventsETagAndNotModified(t *testing.T) {
	feed := &fakeFeed{}
	feed.set(model.Merge(sampleBatch()))
	h := newTestServer(t, feed, nil).Handler()

	first := get(h, "/api/v1/events")
	etag := first.Header().Get("ETag")
	if first.Code != http.StatusOK || etag == "" {
		t.Fatalf("status %d, ETag %q", first.Code, etag)
	}
	if ct := first.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/x-ndjson") {
		t.Errorf("Content-Type = %q", ct)
	}
	if n := strings.Count(first.Body.String(), "\n"); n != 8 {
		t.Errorf("%d lines, want 8 (5 deployments, 3 incidents)", n)
	}

	for _, inm := range []string{etag, strings.TrimPrefix(etag, "W/"), `"other", ` + etag, "*"} {
		rec := get(h, "/api/v1/events", "If-None-Match", inm)
		if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("ETag") != etag {
			t.Errorf("If-None-Match %s: status %d, %d bytes, ETag %q; want 304, empty, the same ETag", inm, rec.Code, rec.Body.Len(), rec.Header().Get("ETag"))
		}
	}
	if rec := get(h, "/api/v1/events", "If-None-Match", `W/"elsewhere-1"`); rec.Code != http.StatusOK {
		t.Errorf("a foreign ETag: status %d, want 200", rec.Code)
	}

	// New statuses over the same data keep the ETag; new data changes it.
	feed.touch(model.SourceStatus{Name: "x", OK: true})
	if rec := get(h, "/api/v1/events", "If-None-Match", etag); rec.Code != http.StatusNotModified {
		t.Errorf("same data, new statuses: status %d, want 304", rec.Code)
	}
	b := sampleBatch()
	b.Deployments = b.Deployments[:4]
	feed.set(model.Merge(b))
	rec := get(h, "/api/v1/events", "If-None-Match", etag)
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == etag {
		t.Errorf("new data: status %d, ETag %q (was %q); want 200 and a new ETag", rec.Code, rec.Header().Get("ETag"), etag)
	}
}

// TestEventsETagIsTheContent: the same records give the same ETag, in a
// new dataset (a source re-delivered them) and in another process (a
// restarted upstream); different records give another.
func TestEventsETagIsTheContent(t *testing.T) {
	feed := &fakeFeed{}
	feed.set(model.Merge(sampleBatch()))
	h := newTestServer(t, feed, nil).Handler()
	a := get(h, "/api/v1/events").Header().Get("ETag")
	feed.set(model.Merge(sampleBatch()))
	if rec := get(h, "/api/v1/events", "If-None-Match", a); rec.Code != http.StatusNotModified {
		t.Errorf("the same records in a new dataset: status %d, want 304", rec.Code)
	}
	if b := get(newTestServer(t, feed, nil).Handler(), "/api/v1/events").Header().Get("ETag"); a != b {
		t.Errorf("another server gave %s for the same records, this one %s", b, a)
	}
	changed := sampleBatch()
	changed.Incidents[1].Title = "slower"
	feed.set(model.Merge(changed))
	if c := get(h, "/api/v1/events").Header().Get("ETag"); c == a {
		t.Errorf("a changed title kept the ETag %s", c)
	}
}

func TestEventsGzip(t *testing.T) {
	feed := &fakeFeed{}
	feed.set(model.Merge(sampleBatch()))
	h := newTestServer(t, feed, nil).Handler()
	plain := get(h, "/api/v1/events")
	if plain.Header().Get("Content-Encoding") != "" {
		t.Fatalf("compressed without being asked: %q", plain.Header().Get("Content-Encoding"))
	}
	for _, ae := range []string{"gzip", "br, gzip;q=0.5", "*", "deflate, GZIP"} {
		rec := get(h, "/api/v1/events", "Accept-Encoding", ae)
		if rec.Header().Get("Content-Encoding") != "gzip" {
			t.Errorf("Accept-Encoding %q: not gzip", ae)
			continue
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(body, plain.Body.Bytes()) {
			t.Errorf("Accept-Encoding %q: decompressed body differs from the plain one (%v)", ae, err)
		}
		if !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
			t.Errorf("no Vary: Accept-Encoding")
		}
	}
	for _, ae := range []string{"gzip;q=0", "br", "identity", "*;q=0", "gzip;q=0, *"} {
		if rec := get(h, "/api/v1/events", "Accept-Encoding", ae); rec.Header().Get("Content-Encoding") != "" {
			t.Errorf("Accept-Encoding %q: compressed anyway", ae)
		}
	}
}

func TestEventsRejectsParameters(t *testing.T) {
	feed := &fakeFeed{}
	feed.set(model.Merge(sampleBatch()))
	rec := get(newTestServer(t, feed, nil).Handler(), "/api/v1/events?service=checkout")
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", rec.Code)
	}
	errorOf(t, rec)
}
