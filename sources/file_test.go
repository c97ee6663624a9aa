package sources

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, p, content string, mtime time.Time) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func ids(r Result) string {
	if r.Batch == nil {
		return "<nil>"
	}
	var out []string
	for _, d := range r.Batch.Deployments {
		out = append(out, d.ID)
	}
	for _, i := range r.Batch.Incidents {
		out = append(out, i.ID)
	}
	return strings.Join(out, ",")
}

func TestFileIdentity(t *testing.T) {
	f := NewFile(FileOptions{Name: "deploys", Path: "/data/deploys.ndjson"})
	if f.Name() != "deploys" || f.Type() != "file" || f.Target() != "/data/deploys.ndjson" {
		t.Errorf("Name, Type, Target = %q, %q, %q", f.Name(), f.Type(), f.Target())
	}
	if f.format != FormatNDJSON {
		t.Errorf("format = %v, want ndjson by extension", f.format)
	}
	if g := NewFile(FileOptions{Path: "x.ndjson", Format: FormatJSON}); g.format != FormatJSON {
		t.Errorf("explicit format = %v, want json", g.format)
	}
}

func TestFileFetchSequence(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "events.json")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	doc := func(ids ...string) string {
		var recs []string
		for _, id := range ids {
			recs = append(recs, `{"id": "`+id+`", "finished_at": "2026-01-01T00:00:00Z"}`)
		}
		return `{"deployments": [` + strings.Join(recs, ", ") + `]}`
	}
	f := NewFile(FileOptions{Name: "f", Path: p})
	ctx := context.Background()

	// Each step changes the file (or not) and says what Fetch must report.
	steps := []struct {
		name      string
		change    func()
		ids       string // "" with unchanged
		unchanged bool
		errSubstr string
		rejected  int
	}{
		{name: "missing file", change: func() {}, errSubstr: "open " + p + ": no such file or directory"},
		{name: "first read", change: func() { writeFile(t, p, doc("a", "b"), t0) }, ids: "a,b"},
		{name: "same size and time", change: func() {}, unchanged: true},
		{name: "touched", change: func() { writeFile(t, p, doc("a", "b"), t0.Add(time.Second)) }, ids: "a,b"},
		{name: "same content rewritten with other size", change: func() { writeFile(t, p, doc("a", "b", "c"), t0.Add(time.Second)) }, ids: "a,b,c"},
		{name: "replaced by a same-size file with the same time", change: func() {
			q := filepath.Join(dir, "next.json")
			writeFile(t, q, doc("x", "y", "z"), t0.Add(time.Second))
			if err := os.Rename(q, p); err != nil {
				t.Fatal(err)
			}
		}, ids: "x,y,z"},
		{name: "caught mid-write", change: func() { writeFile(t, p, doc("a", "b")[:30], t0.Add(2*time.Second)) },
			errSubstr: "read " + p + ": syntax error at byte offset 30 (in deployments[0]): unexpected end of input"},
		{name: "whole again, even with the time of the last good read", change: func() { writeFile(t, p, doc("x", "y", "z"), t0.Add(time.Second)) }, ids: "x,y,z"},
		{name: "rejections reported", change: func() {
			writeFile(t, p, `{"deployments": [{"id": "a", "finished_at": "2026-01-01T00:00:00Z"}, {"id": "b"}]}`, t0.Add(3*time.Second))
		}, ids: "a", rejected: 1},
		{name: "disappears", change: func() { os.Remove(p) }, errSubstr: "no such file or directory"},
		{name: "comes back unchanged", change: func() {
			writeFile(t, p, `{"deployments": [{"id": "a", "finished_at": "2026-01-01T00:00:00Z"}, {"id": "b"}]}`, t0.Add(3*time.Second))
		}, ids: "a", rejected: 1},
		{name: "a directory", change: func() {
			os.Remove(p)
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}, errSubstr: "is a directory"},
	}
	for _, s := range steps {
		s.change()
		res, err := f.Fetch(ctx)
		switch {
		case s.errSubstr != "":
			if err == nil || !strings.Contains(err.Error(), s.errSubstr) {
				t.Fatalf("%s: error = %v, want one containing %q", s.name, err, s.errSubstr)
			}
			continue
		case err != nil:
			t.Fatalf("%s: %v", s.name, err)
		}
		if res.Unchanged != s.unchanged {
			t.Fatalf("%s: Unchanged = %v, want %v", s.name, res.Unchanged, s.unchanged)
		}
		if s.unchanged {
			if res.Batch != nil {
				t.Fatalf("%s: unchanged result carries a batch", s.name)
			}
			continue
		}
		if got := ids(res); got != s.ids {
			t.Fatalf("%s: records %q, want %q", s.name, got, s.ids)
		}
		if res.Rejected != s.rejected || (s.rejected > 0) != (res.FirstRejection != "") {
			t.Fatalf("%s: rejected %d %q, want %d", s.name, res.Rejected, res.FirstRejection, s.rejected)
		}
	}
}

func TestFileMissingIsPathError(t *testing.T) {
	f := NewFile(FileOptions{Name: "f", Path: filepath.Join(t.TempDir(), "nope.json")})
	_, err := f.Fetch(context.Background())
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("error = %v, want fs.ErrNotExist", err)
	}
}

func TestFileNDJSONPartialLastLine(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "deploys.ndjson")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	line := func(id string) string {
		return `{"kind": "deployment", "id": "` + id + `", "finished_at": "2026-01-01T00:00:00Z"}`
	}
	f := NewFile(FileOptions{Name: "f", Path: p})
	ctx := context.Background()

	// A torn last line is a rejected record, as every line that is not
	// JSON is (SPEC §1).
	const torn = "line 2: not JSON: column 21: unexpected end of input"
	writeFile(t, p, line("a")+"\n"+line("b")[:20], t0)
	res, err := f.Fetch(ctx)
	if err != nil || ids(res) != "a" || res.Rejected != 1 || res.FirstRejection != torn {
		t.Fatalf("torn last line: %q rejected %d %q, err %v; want a, 1 %q", ids(res), res.Rejected, res.FirstRejection, err, torn)
	}
	// Not remembered: the same file is read again rather than Unchanged.
	res, err = f.Fetch(ctx)
	if err != nil || res.Unchanged || ids(res) != "a" || res.Rejected != 1 {
		t.Fatalf("second read of torn file: %+v, %v; want a re-read", res, err)
	}
	// The writer finishes the line: a record, nothing rejected any more.
	writeFile(t, p, line("a")+"\n"+line("b")+"\n", t0.Add(time.Second))
	res, err = f.Fetch(ctx)
	if err != nil || ids(res) != "a,b" || res.Rejected != 0 || res.FirstRejection != "" {
		t.Fatalf("finished line: %q rejected %d %q, %v; want a,b, 0", ids(res), res.Rejected, res.FirstRejection, err)
	}
	res, err = f.Fetch(ctx)
	if err != nil || !res.Unchanged {
		t.Fatalf("complete file read twice: %+v, %v; want Unchanged", res, err)
	}
	// A torn line in the middle is a rejected record.
	writeFile(t, p, line("a")+"\n"+line("b")[:20]+"\n"+line("c")+"\n", t0.Add(2*time.Second))
	res, err = f.Fetch(ctx)
	if err != nil || ids(res) != "a,c" || res.Rejected != 1 || !strings.HasPrefix(res.FirstRejection, "line 2: not JSON: ") {
		t.Fatalf("torn middle line: %q rejected %d %q, %v", ids(res), res.Rejected, res.FirstRejection, err)
	}
}

func TestFileCancelled(t *testing.T) {
	p := filepath.Join(t.TempDir(), "events.json")
	writeFile(t, p, `{"deployments": []}`, time.Now())
	f := NewFile(FileOptions{Name: "f", Path: p})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Fetch(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	// A cancelled poll is not remembered as a good read.
	if res, err := f.Fetch(context.Background()); err != nil || res.Unchanged || res.Batch == nil {
		t.Fatalf("after cancel: %+v, %v; want a full read", res, err)
	}
}

// TestFileCancelledMidRead cancels while a file of several read buffers
// is being decoded: ctxReader checks before every Read, so the decode stops
// with ctx's error instead of reading on.
func TestFileCancelledMidRead(t *testing.T) {
	p := filepath.Join(t.TempDir(), "events.ndjson")
	line := `{"kind": "deployment", "id": "a", "finished_at": "2026-01-01T00:00:00Z"}` + "\n"
	writeFile(t, p, strings.Repeat(line, 3*readBufSize/len(line)), time.Now())
	fh, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	ctx, cancel := context.WithCancel(context.Background())
	_, err = decode(ctxReader{ctx: ctx, r: &cancellingReader{r: fh, cancel: cancel}}, FormatNDJSON)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}

// cancellingReader cancels its context after its first Read.
type cancellingReader struct {
	r      *os.File
	cancel context.CancelFunc
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.cancel()
	return n, err
}
