//go:build unix

package sources

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mkfifo makes a named pipe in a temporary directory, or skips the test
// where the platform has none.
func mkfifo(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "events.json")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	return p
}

// promptly runs open, which must return within a few seconds. Should it
// hang in open(2) on the named pipe p, the pipe is opened for writing, so
// that the blocked call returns and the test fails instead of hanging.
func promptly(t *testing.T, p string, open func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- open() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		<-done
		t.Fatalf("still blocked after 5s on named pipe %s", p)
		return nil
	}
}

// TestFileNamedPipe checks that a path naming a named pipe is refused at
// once rather than blocking the poll (and the program's exit) until some
// writer opens the pipe.
func TestFileNamedPipe(t *testing.T) {
	p := mkfifo(t)
	f := NewFile(FileOptions{Name: "f", Path: p})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := promptly(t, p, func() error {
		_, err := f.Fetch(ctx)
		return err
	})
	want := "read " + p + ": not a regular file (named pipe)"
	if err == nil || err.Error() != want {
		t.Fatalf("Fetch: error = %v, want %q", err, want)
	}

	// A symbolic link to the pipe is no different.
	link := filepath.Join(t.TempDir(), "link.json")
	if err := os.Symlink(p, link); err != nil {
		t.Fatal(err)
	}
	err = promptly(t, p, func() error {
		_, err := NewFile(FileOptions{Name: "f", Path: link}).Fetch(ctx)
		return err
	})
	if err == nil || !strings.HasSuffix(err.Error(), "not a regular file (named pipe)") {
		t.Fatalf("Fetch through a symlink: error = %v, want not a regular file", err)
	}
}

// TestFileOpenCheckedNamedPipe covers a path that becomes a named pipe
// after it was checked: the open itself must not block, and the open file
// is refused.
func TestFileOpenCheckedNamedPipe(t *testing.T) {
	p := mkfifo(t)
	err := promptly(t, p, func() error {
		fh, _, err := openChecked(p)
		if fh != nil {
			fh.Close()
		}
		return err
	})
	if want := "read " + p + ": not a regular file (named pipe)"; err == nil || err.Error() != want {
		t.Fatalf("openChecked: error = %v, want %q", err, want)
	}
}

func TestFileDevice(t *testing.T) {
	if _, err := os.Stat(os.DevNull); err != nil {
		t.Skip(err)
	}
	_, err := NewFile(FileOptions{Name: "f", Path: os.DevNull}).Fetch(context.Background())
	if want := "read " + os.DevNull + ": not a regular file (character device)"; err == nil || err.Error() != want {
		t.Fatalf("Fetch: error = %v, want %q", err, want)
	}
}
