package sources

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
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
// Unchanged without reading. Otherwise it decodes the file as it streams
// in, so memory follows the records kept, not the file's size.
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
	// last is the file as of the last complete successful read, nil when
	// there is none. Only Fetch touches it, and Fetch is never called
	// concurrently (Source contract).
	last os.FileInfo
}

var _ Source = (*File)(nil)

// NewFile returns a file source; nothing is opened until Fetch.
func NewFile(o FileOptions) *File {
	return &File{name: o.Name, path: o.Path, format: FormatFor(o.Format, o.Path)}
}

// Name returns the source's configured name.
func (f *File) Name() string { return f.name }

// Type returns "file".
func (f *File) Type() string { return "file" }

// Target returns the path read.
func (f *File) Target() string { return f.path }

// Fetch reads the file once, or reports it Unchanged (see File).
func (f *File) Fetch(ctx context.Context) (Result, error) {
	res, err := f.fetch(ctx)
	if err != nil {
		f.last = nil // whatever comes next is read in full
	}
	return res, err
}

func (f *File) fetch(ctx context.Context) (Result, error) {
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
	out, err := decode(ctxReader{ctx: ctx, r: fh}, f.format)
	if err != nil {
		return Result{}, fmt.Errorf("read %s: %w", f.path, err)
	}
	f.last = fi
	if out.partial {
		f.last = nil // a line still being written: read again next time
	}
	return Result{Batch: out.batch, Rejected: out.rej.Count, FirstRejection: out.rej.First}, nil
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
