package sources

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"os"
	"time"
)

// FileOptions configures a file source.
type FileOptions struct {
	Name   string // unique source name from the configuration
	Path   string // the file to read, as the configuration resolved it
	Format Format // FormatAuto: by the file name (FormatFor)
}

// File is a Source that reads a local file in the native format.
//
// Each Fetch opens the file and compares its size, modification time and
// identity with those of the last complete read; when all match it reports
// Unchanged without reading. A read of a file modified less than
// racyWindow before is not remembered, since a same-size rewrite within
// the file system's time step would look unchanged. Otherwise it decodes the file as it streams
// in, so memory follows the records kept, not the file's size.
//
// A file rewritten in place (truncated, then written) is never reported in
// a torn state as good data. A read is only kept when the file's size,
// modification and change times are the same after the read as before it
// and exactly that many bytes were read; a file that is smaller than at the
// last good read is only trusted once it has been seen unchanged for
// Settle (rewriting is what makes a file shrink). Otherwise Fetch waits a little
// and reads again, up to readAttempts times, and then fails ("changed
// during the read; keeping the last good data") so that the poller keeps
// the last good data. An append during the read is no rewrite: when the
// last attempt finds that the bytes it decoded are still the start of the
// file, that read is kept.
//
// A JSON file caught half-written does not parse: the poll fails and the
// poller keeps the last good data. An NDJSON file caught mid-line yields
// the lines before it, and its torn last line (unterminated and not JSON)
// counts as a rejected record, as every line that is not JSON does
// (SPEC §1). Such a read is not remembered: the next poll reads the file
// again even if its size and modification time look unchanged, and once
// the writer has finished the line it is a record like the others.
type File struct {
	name, path string
	format     Format
	// Only Fetch touches the fields below, and Fetch is never called
	// concurrently (Source contract).

	// last is the file as of the last complete successful read, nil when
	// there is none or the next poll must read again.
	last os.FileInfo
	// good is the file as of the last read whose data was handed on, kept
	// across failures: a file smaller than that is being rewritten until it
	// has been quiet for settle.
	good os.FileInfo
	// pending is a shrunk file seen at pendingSince and not yet trusted.
	pending      os.FileInfo
	pendingSince time.Time

	settle time.Duration
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error
	// wrap, when set (tests), wraps the open file before it is decoded.
	wrap func(io.Reader) io.Reader
}

// Settle is how long a file that shrank since the last good read must go
// unchanged before its content is trusted.
const Settle = 250 * time.Millisecond

// readAttempts is how many times one Fetch reads a file that keeps changing
// before it gives up; changedRetryWait is the pause before reading again a
// file that changed during the read.
const (
	readAttempts     = 3
	changedRetryWait = 20 * time.Millisecond
)

// racyWindow is how recent a modification time must be for a read not to
// be remembered: file systems keep times in steps (a few milliseconds for
// ext4, a second or two for others), so a file rewritten within the same
// step, at the same size, looks unchanged.
const racyWindow = 2 * time.Second

var _ Source = (*File)(nil)

// NewFile returns a file source; nothing is opened until Fetch.
func NewFile(o FileOptions) *File {
	return &File{name: o.Name, path: o.Path, format: FormatFor(o.Format, o.Path),
		settle: Settle, now: time.Now, sleep: sleepCtx}
}

// Name returns the source's configured name.
func (f *File) Name() string { return f.name }

// Type returns "file".
func (f *File) Type() string { return "file" }

// Target returns the path read.
func (f *File) Target() string { return f.path }

// Fetch reads the file once, or reports it Unchanged (see File).
func (f *File) Fetch(ctx context.Context) (Result, error) {
	for attempt := 1; ; attempt++ {
		res, err := f.fetch(ctx, attempt == readAttempts)
		var u *unsettled
		if !errors.As(err, &u) {
			if err != nil {
				f.last = nil // whatever comes next is read in full
			}
			return res, err
		}
		f.last = nil
		if attempt == readAttempts {
			return Result{}, fmt.Errorf("read %s: %s; keeping the last good data", f.path, u.why)
		}
		if err := f.sleep(ctx, u.wait); err != nil {
			return Result{}, fmt.Errorf("read %s: %w", f.path, err)
		}
	}
}

// unsettled says that a read did not see the file at rest, and how long to
// wait before reading again.
type unsettled struct {
	why  string
	wait time.Duration
}

func (u *unsettled) Error() string { return u.why }

// fetch reads the file once. lastTry accepts a read during which the file
// only grew, if what was read is still the start of the file.
func (f *File) fetch(ctx context.Context, lastTry bool) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("read %s: %w", f.path, err)
	}
	fh, fi, err := openRegular(f.path)
	if err != nil {
		return Result{}, err // "open /x/deploys.json: no such file or directory"
	}
	defer fh.Close()
	if f.last != nil && sameVersion(f.last, fi) {
		return Result{Unchanged: true}, nil
	}
	if u := f.shrinking(fi); u != nil {
		return Result{}, u
	}
	var src io.Reader = fh
	if f.wrap != nil {
		src = f.wrap(src)
	}
	in := newHashingReader(ctxReader{ctx: ctx, r: src})
	out, err := decode(in, f.format)
	if ctx.Err() == nil {
		if u := settled(fh, fi, in, err == nil, lastTry); u != nil {
			return Result{}, u // whatever the decoder made of it, it was torn
		}
	}
	if err != nil {
		return Result{}, fmt.Errorf("read %s: %w", f.path, err)
	}
	f.last, f.good, f.pending = fi, fi, nil
	if out.partial || f.now().Sub(fi.ModTime()) < racyWindow {
		// A line still being written, or a file so recently modified
		// that a rewrite of the same size could still come with the
		// same modification time: read again next time.
		f.last = nil
	}
	return Result{Batch: out.batch, Rejected: out.rej.Count, FirstRejection: out.rej.First, Rejections: out.rej.List}, nil
}

// shrinking returns an unsettled error until fi, smaller than the file of
// the last good read, has been seen unchanged for settle: a file that
// shrank is most likely being rewritten, and what it holds so far is only a
// part. (Its change time is not used to skip the wait: it may come from
// another clock, a file server's.)
func (f *File) shrinking(fi os.FileInfo) *unsettled {
	if f.good == nil || fi.Size() >= f.good.Size() {
		return nil
	}
	now := f.now()
	if f.pending == nil || !sameChange(f.pending, fi) {
		f.pending, f.pendingSince = fi, now
	}
	quiet := now.Sub(f.pendingSince)
	if quiet >= f.settle {
		return nil
	}
	return &unsettled{why: "the file shrank and is still being written", wait: f.settle - quiet}
}

// settled returns an unsettled error unless fh, whose FileInfo was fi
// before the read, is still fi and, when the decoder read to the end
// (complete), in read exactly its size. On the last try a file that only
// grew is accepted when what was read is still the start of the file: an
// append, not a rewrite.
func settled(fh *os.File, fi os.FileInfo, in *hashingReader, complete, lastTry bool) *unsettled {
	changed := &unsettled{why: "the file changed during the read", wait: changedRetryWait}
	after, err := fh.Stat()
	if err != nil {
		return changed
	}
	if sameChange(fi, after) && (!complete || in.n == fi.Size()) {
		return nil
	}
	if lastTry && complete && after.Size() > fi.Size() && in.n >= fi.Size() && in.isPrefixOf(fh) {
		return nil
	}
	return changed
}

// sameChange reports whether a and b describe the same file with the same
// size, modification time and change time.
func sameChange(a, b os.FileInfo) bool {
	return sameVersion(a, b) && changeTime(a).Equal(changeTime(b))
}

// hashingReader counts and hashes what is read through it.
type hashingReader struct {
	r io.Reader
	n int64
	h maphash.Hash
}

func newHashingReader(r io.Reader) *hashingReader {
	return &hashingReader{r: r}
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.n += int64(n)
	h.h.Write(p[:n])
	return n, err
}

// isPrefixOf reports whether the bytes read through h are, now, the first
// h.n bytes of fh.
func (h *hashingReader) isPrefixOf(fh *os.File) bool {
	var again maphash.Hash
	again.SetSeed(h.h.Seed())
	n, err := io.Copy(&again, io.NewSectionReader(fh, 0, h.n))
	return err == nil && n == h.n && again.Sum64() == h.h.Sum64()
}

// sleepCtx waits for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// openRegular opens path for reading and returns the open file's own
// FileInfo; anything but a regular file is refused. Opening a named pipe
// blocks until a writer comes, uninterruptibly and whatever the context
// says, and opening a device may block too or have effects of its own; so
// the path is checked before it is opened, and, as it may be replaced in
// between, opened without blocking and checked again.
func openRegular(path string) (*os.File, os.FileInfo, error) {
	if fi, err := os.Stat(path); err == nil {
		if err := checkRegular(path, fi); err != nil {
			return nil, nil, err
		}
	} // else the open below fails too, and says why in its own words
	return openChecked(path)
}

// openChecked opens path without blocking (see openFlags) and refuses it
// unless it is a regular file. Its FileInfo is that of the open file, not
// the path, so the version compared is the one read even if the path is
// replaced meanwhile.
func openChecked(path string) (*os.File, os.FileInfo, error) {
	fh, err := os.OpenFile(path, openFlags, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := fh.Stat()
	if err == nil {
		err = checkRegular(path, fi)
	}
	if err != nil {
		fh.Close()
		return nil, nil, err
	}
	return fh, fi, nil
}

// checkRegular returns an error unless fi is a regular file's:
// "read /x: not a regular file (named pipe)".
func checkRegular(path string, fi os.FileInfo) error {
	m := fi.Mode()
	var what string
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		return fmt.Errorf("read %s: is a directory", path)
	case m&fs.ModeNamedPipe != 0:
		what = "named pipe"
	case m&fs.ModeSocket != 0:
		what = "socket"
	case m&fs.ModeCharDevice != 0:
		what = "character device"
	case m&fs.ModeDevice != 0:
		what = "block device"
	default:
		what = "irregular file"
	}
	return fmt.Errorf("read %s: not a regular file (%s)", path, what)
}

// sameVersion reports whether a and b describe the same file with the same
// size and modification time.
func sameVersion(a, b os.FileInfo) bool {
	return a.Size() == b.Size() && a.ModTime().Equal(b.ModTime()) && os.SameFile(a, b)
}

// ctxReader stops reading once ctx is done. The decoder reads in chunks of
// a few hundred KiB, so a cancelled read of a huge file ends within about a
// millisecond of decoding.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
