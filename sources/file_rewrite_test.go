package sources

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// ndjson returns n deployment lines with ids prefix-0000, prefix-0001, ….
func ndjson(prefix string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"kind": "deployment", "id": "%s-%04d", "finished_at": "2026-01-01T00:00:00Z"}`+"\n", prefix, i)
	}
	return b.String()
}

// rewrite truncates p and writes content into the same file, as tools that
// rewrite in place do.
func rewrite(t testing.TB, p, content string) {
	fh, err := os.OpenFile(p, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Error(err)
		return
	}
	defer fh.Close()
	if _, err := io.WriteString(fh, content); err != nil {
		t.Error(err)
	}
}

// appendTo appends content to p.
func appendTo(t testing.TB, p, content string) {
	fh, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Error(err)
		return
	}
	defer fh.Close()
	if _, err := io.WriteString(fh, content); err != nil {
		t.Error(err)
	}
}

// hookedReader hands out at most 4 KiB per Read and calls hook before its
// nth Read, so a test can change the file in the middle of a read.
type hookedReader struct {
	r     io.Reader
	reads int
	nth   int
	hook  func()
}

func (h *hookedReader) Read(p []byte) (int, error) {
	h.reads++
	if h.reads == h.nth && h.hook != nil {
		h.hook()
	}
	return h.r.Read(p[:min(len(p), 4<<10)])
}

// fakeTime is a clock that only Fetch's sleeps move, with what each sleep
// should do to the file meanwhile.
type fakeTime struct {
	now    time.Time
	sleeps int
	during func(n int) // called at the nth sleep, from 1
	cut    bool        // sleeps end the poll as its deadline would
}

func (c *fakeTime) install(f *File) {
	f.now = func() time.Time { return c.now }
	f.sleep = func(ctx context.Context, d time.Duration) error {
		c.sleeps++
		if c.during != nil {
			c.during(c.sleeps)
		}
		if c.cut {
			return context.DeadlineExceeded
		}
		c.now = c.now.Add(d)
		return nil
	}
}

// check fails unless res holds exactly want deployments whose ids start
// with prefix, and nothing rejected.
func check(t *testing.T, what string, res Result, err error, prefix string, want int) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if res.Batch == nil {
		t.Fatalf("%s: no batch (%+v)", what, res)
	}
	got, other := 0, ""
	for _, d := range res.Batch.Deployments {
		if strings.HasPrefix(d.ID, prefix+"-") {
			got++
		} else if other == "" {
			other = d.ID
		}
	}
	if got != want || len(res.Batch.Deployments) != want || res.Rejected != 0 {
		t.Fatalf("%s: %d deployments, %d of them %s-… (first other %q), %d rejected (%s); want %d, all %s-…, none rejected",
			what, len(res.Batch.Deployments), got, prefix, other, res.Rejected, res.FirstRejection, want, prefix)
	}
}

// TestFileRewrittenDuringRead is issue 8, item 10: the file is truncated
// and rewritten while it is being read. The read is torn (the start of the
// old file, the rest of the new one) and must not be handed on; the next
// attempt reads the new file whole.
func TestFileRewrittenDuringRead(t *testing.T) {
	p := filepath.Join(t.TempDir(), "deploys.ndjson")
	writeFile(t, p, ndjson("a", 2000), time.Now().Add(-time.Hour))
	f := NewFile(FileOptions{Name: "f", Path: p})
	clock := &fakeTime{now: time.Now()}
	clock.install(f)
	res, err := f.Fetch(context.Background())
	check(t, "first read", res, err, "a", 2000)

	touch(t, p)
	rewritten := false
	f.wrap = func(r io.Reader) io.Reader {
		return &hookedReader{r: r, nth: 3, hook: func() {
			if !rewritten {
				rewritten = true
				rewrite(t, p, ndjson("b", 2100))
			}
		}}
	}
	res, err = f.Fetch(context.Background())
	check(t, "read torn by a rewrite", res, err, "b", 2100)
	if clock.sleeps != 1 {
		t.Errorf("%d retries, want 1", clock.sleeps)
	}
}

// TestFileShrunkWhileRewritten: a poll that finds the file smaller than at
// the last good read, and just changed, is looking at a rewrite under way,
// even if the file holds still while it is read. It waits for the writer
// rather than hand on the part written so far.
func TestFileShrunkWhileRewritten(t *testing.T) {
	for _, written := range []int{0, 500, 1999} {
		t.Run(fmt.Sprint(written), func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "deploys.ndjson")
			full := ndjson("b", 2000)
			writeFile(t, p, ndjson("a", 2000), time.Now().Add(-time.Hour))
			f := NewFile(FileOptions{Name: "f", Path: p})
			clock := &fakeTime{now: time.Now()}
			clock.install(f)
			res, err := f.Fetch(context.Background())
			check(t, "first read", res, err, "a", 2000)

			// The writer has truncated the file and written some lines;
			// it finishes while Fetch waits.
			rewrite(t, p, ndjson("b", written))
			clock.during = func(int) { rewrite(t, p, full) }
			res, err = f.Fetch(context.Background())
			check(t, "rewrite under way", res, err, "b", 2000)
			if clock.sleeps != 1 {
				t.Errorf("%d waits, want 1", clock.sleeps)
			}
		})
	}
}

// TestFileShrunkAndStillWriting: a writer that is still at it when Fetch
// gives up makes the poll fail (the poller keeps the last good data); once
// it is done, the new file is read.
func TestFileShrunkAndStillWriting(t *testing.T) {
	p := filepath.Join(t.TempDir(), "deploys.ndjson")
	writeFile(t, p, ndjson("a", 2000), time.Now().Add(-time.Hour))
	f := NewFile(FileOptions{Name: "f", Path: p})
	clock := &fakeTime{now: time.Now()}
	clock.install(f)
	res, err := f.Fetch(context.Background())
	check(t, "first read", res, err, "a", 2000)

	rewrite(t, p, ndjson("b", 300))
	lines := 300
	clock.during = func(int) { // a slow writer: a few lines per wait
		lines += 100
		rewrite(t, p, ndjson("b", lines))
	}
	res, err = f.Fetch(context.Background())
	if err == nil || !strings.Contains(err.Error(), "keeping the last good data") {
		t.Fatalf("slow rewrite: %d deployments, error %v; want a failed poll", len(res.Batch.Deployments), err)
	}
	clock.during = nil
	clock.sleeps = 0
	rewrite(t, p, ndjson("b", 2000))
	res, err = f.Fetch(context.Background())
	check(t, "rewrite finished", res, err, "b", 2000)
}

// TestFileShrunkAndQuiet: a smaller file is trusted once it has been seen
// unchanged for Settle: files do shrink for good (old records pruned), and
// a writer that stopped half-way has to be shown at some point. The wait
// may span polls.
func TestFileShrunkAndQuiet(t *testing.T) {
	p := filepath.Join(t.TempDir(), "deploys.ndjson")
	writeFile(t, p, ndjson("a", 2000), time.Now().Add(-time.Hour))
	f := NewFile(FileOptions{Name: "f", Path: p})
	clock := &fakeTime{now: time.Now()}
	clock.install(f)
	res, err := f.Fetch(context.Background())
	check(t, "first read", res, err, "a", 2000)

	rewrite(t, p, ndjson("b", 700))
	res, err = f.Fetch(context.Background())
	check(t, "quiet for Settle", res, err, "b", 700)
	if clock.sleeps != 1 {
		t.Errorf("%d waits, want 1", clock.sleeps)
	}

	rewrite(t, p, ndjson("c", 600))
	clock.cut = true // polls that end while they wait
	for range 2 {
		if _, err := f.Fetch(context.Background()); err == nil {
			t.Fatal("trusted before Settle")
		}
		clock.now = clock.now.Add(Settle / 2)
	}
	clock.cut = false
	clock.sleeps = 0
	res, err = f.Fetch(context.Background())
	check(t, "seen unchanged over polls", res, err, "c", 600)
	if clock.sleeps != 0 {
		t.Errorf("%d waits, want none", clock.sleeps)
	}
}

// touch gives p a new modification time, an hour in the past.
func touch(t *testing.T, p string) {
	t.Helper()
	tm := time.Now().Add(-time.Hour - time.Minute)
	if err := os.Chtimes(p, tm, tm); err != nil {
		t.Fatal(err)
	}
}

// TestFileAppendedDuringRead: CI appending to an NDJSON file while it is
// read is no rewrite. Fetch reads again, and when the file grows under
// every attempt, keeps the last one, since what it read is still the start
// of the file.
func TestFileAppendedDuringRead(t *testing.T) {
	p := filepath.Join(t.TempDir(), "deploys.ndjson")
	writeFile(t, p, ndjson("a", 2000), time.Now().Add(-time.Hour))
	f := NewFile(FileOptions{Name: "f", Path: p})
	clock := &fakeTime{now: time.Now()}
	clock.install(f)
	res, err := f.Fetch(context.Background())
	check(t, "first read", res, err, "a", 2000)

	touch(t, p)
	appended := 0
	f.wrap = func(r io.Reader) io.Reader {
		return &hookedReader{r: r, nth: 2, hook: func() {
			appended++
			appendTo(t, p, fmt.Sprintf(`{"kind": "deployment", "id": "a-x%03d", "finished_at": "2026-01-01T00:00:00Z"}`+"\n", appended))
		}}
	}
	res, err = f.Fetch(context.Background())
	check(t, "appended under every read", res, err, "a", 2000+readAttempts)
	if clock.sleeps != readAttempts-1 {
		t.Errorf("%d retries, want %d", clock.sleeps, readAttempts-1)
	}
	// The next poll reads the whole file again.
	f.wrap = nil
	res, err = f.Fetch(context.Background())
	check(t, "after the appends", res, err, "a", 2000+readAttempts)
}

// TestFileJSONChangedUnderEveryRead: a JSON document that keeps changing
// under the reader fails the poll.
func TestFileJSONChangedUnderEveryRead(t *testing.T) {
	p := filepath.Join(t.TempDir(), "deploys.json")
	doc := func(n int) string {
		return `{"deployments": [` + strings.TrimSuffix(strings.ReplaceAll(ndjson("a", n), "\n", ","), ",") + `]}`
	}
	writeFile(t, p, doc(500), time.Now().Add(-time.Hour))
	f := NewFile(FileOptions{Name: "f", Path: p})
	clock := &fakeTime{now: time.Now()}
	clock.install(f)
	n := 500
	f.wrap = func(r io.Reader) io.Reader {
		return &hookedReader{r: r, nth: 2, hook: func() {
			// A new document whose start differs from the one read so far.
			n++
			rewrite(t, p, strings.ReplaceAll(doc(n), `"a-`, fmt.Sprintf(`"%d-`, n)))
		}}
	}
	res, err := f.Fetch(context.Background())
	if err == nil || !strings.Contains(err.Error(), "read "+p+": the file changed during the read; keeping the last good data") {
		t.Fatalf("result %+v, error %v; want a failed poll", res, err)
	}
}

// TestFileRewriteStress rewrites an NDJSON file in place, over and over
// with new ids, while it is polled: no poll may report a part of it as
// good data. Settle is shortened so that the test makes many polls; the
// writer never pauses that long (it only yields between chunks).
func TestFileRewriteStress(t *testing.T) {
	if testing.Short() {
		t.Skip("stress")
	}
	const records, polls = 2000, 20 // polls that read
	p := filepath.Join(t.TempDir(), "deploys.ndjson")
	writeFile(t, p, ndjson("g000", records), time.Now().Add(-time.Hour))
	f := NewFile(FileOptions{Name: "f", Path: p})
	// A shrunk file is trusted once quiet this long; the writer below
	// never pauses on purpose, but a loaded machine running -race can
	// stall it for 100 ms (seen in CI), so leave room for that.
	f.settle = 300 * time.Millisecond
	res, err := f.Fetch(context.Background())
	check(t, "first read", res, err, "g000", records)

	var wg sync.WaitGroup
	stop := make(chan struct{})
	var rewrites atomic.Int64
	started := make(chan struct{})
	wg.Go(func() {
		for gen := 1; ; gen++ {
			select {
			case <-stop:
				return
			default:
			}
			fh, err := os.OpenFile(p, os.O_WRONLY|os.O_TRUNC, 0)
			if err != nil {
				t.Error(err)
				return
			}
			for rest := ndjson(fmt.Sprintf("g%03d", gen%1000), records); rest != ""; {
				chunk := rest[:min(len(rest), 8<<10)]
				if _, err := io.WriteString(fh, chunk); err != nil {
					t.Error(err)
				}
				rest = rest[len(chunk):]
				runtime.Gosched()
			}
			fh.Close()
			if rewrites.Add(1) == 1 {
				close(started)
			}
			time.Sleep(time.Millisecond) // room for whole reads too
		}
	})
	<-started
	good, failed, unchanged := 0, 0, 0
	for i := 0; good+failed < polls; i++ {
		res, err := f.Fetch(context.Background())
		switch {
		case err != nil:
			failed++
		case res.Unchanged:
			unchanged++
			runtime.Gosched()
		default:
			good++
			if n := len(res.Batch.Deployments); n != records || res.Rejected != 0 {
				close(stop)
				wg.Wait()
				t.Fatalf("poll %d: ok with %d of %d deployments, %d rejected", i, n, records, res.Rejected)
			}
		}
	}
	close(stop)
	wg.Wait()
	res, err = f.Fetch(context.Background())
	if err != nil || !(res.Unchanged || len(res.Batch.Deployments) == records) {
		t.Fatalf("after the writer: %+v, %v", res, err)
	}
	t.Logf("during %d rewrites: %d polls read the file whole, %d failed, %d found it unchanged", rewrites.Load(), good, failed, unchanged)
}

// TestFileSameSizeRewriteInTheSameTimeStep: file systems keep modification
// times in steps, so a same-size rewrite soon after a read may carry the
// same time; such a recent read is not trusted for Unchanged.
func TestFileSameSizeRewriteInTheSameTimeStep(t *testing.T) {
	p := filepath.Join(t.TempDir(), "deploys.ndjson")
	step := time.Now().Truncate(time.Second)
	writeFile(t, p, ndjson("a", 10), step)
	f := NewFile(FileOptions{Name: "f", Path: p})
	clock := &fakeTime{now: step.Add(racyWindow / 2)}
	clock.install(f)
	res, err := f.Fetch(context.Background())
	check(t, "first read", res, err, "a", 10)
	writeFile(t, p, ndjson("b", 10), step)
	res, err = f.Fetch(context.Background())
	check(t, "rewritten within the step", res, err, "b", 10)

	clock.now = step.Add(racyWindow)
	res, err = f.Fetch(context.Background())
	check(t, "read again, now settled", res, err, "b", 10)
	if res, err = f.Fetch(context.Background()); err != nil || !res.Unchanged {
		t.Fatalf("an old enough file read twice: %+v, %v; want Unchanged", res, err)
	}
}

// BenchmarkFileFetch reads a 20,000-record NDJSON file (about 1.7 MB) in
// full each time: the cost of the checks around the decoder.
func BenchmarkFileFetch(b *testing.B) {
	p := filepath.Join(b.TempDir(), "deploys.ndjson")
	content := ndjson("a", 20000)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		b.Fatal(err)
	}
	f := NewFile(FileOptions{Name: "f", Path: p})
	b.SetBytes(int64(len(content)))
	for b.Loop() {
		f.last = nil
		if _, err := f.Fetch(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
