package sshd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// Bounds on the files the server reads (see readRegular).
const (
	maxAuthorizedKeysSize = 1 << 20  // thousands of keys
	maxHostKeySize        = 64 << 10 // a 16384-bit RSA key is about 12 KiB
	fileReadTimeout       = 2 * time.Second
)

// errReadTimeout is the error of a read that did not finish in time.
var errReadTimeout = errors.New("read timed out")

// readRegular reads the regular file at path (symbolic links are followed),
// of at most max bytes, within timeout. Anything else fails at once: a FIFO
// (which would block until a writer comes), a device such as /dev/zero
// (which never ends), a directory. The open does not block on a FIFO
// (O_NONBLOCK), and the file is checked once open, so it cannot be swapped
// in between. It returns the file's information as of the open.
func readRegular(path string, max int64, timeout time.Duration) ([]byte, os.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, nil, fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
	}
	if fi.Size() > max {
		_ = f.Close()
		return nil, nil, fmt.Errorf("larger than %d KiB", max>>10)
	}
	data, err := readLimited(f, max, timeout)
	if err != nil {
		return nil, nil, err
	}
	return data, fi, nil
}

// readLimited reads r to its end, at most max bytes, within timeout, and
// closes it. A read that is still blocked when timeout passes (a hung
// network file system) is left to finish on its own goroutine, which then
// closes r.
func readLimited(r io.ReadCloser, max int64, timeout time.Duration) ([]byte, error) {
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := io.ReadAll(io.LimitReader(r, max+1))
		_ = r.Close()
		done <- result{data, err}
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case res := <-done:
		if res.err != nil {
			return nil, res.err
		}
		if int64(len(res.data)) > max {
			return nil, fmt.Errorf("larger than %d KiB", max>>10)
		}
		return res.data, nil
	case <-t.C:
		return nil, fmt.Errorf("%w after %s", errReadTimeout, timeout)
	}
}
