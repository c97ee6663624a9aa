//go:build unix

package termbg

import (
	"bytes"
	"os"
	"time"

	"github.com/charmbracelet/x/term"
	"golang.org/x/sys/unix"
)

// query asks the terminal for its background colour (OSC 11)
// followed by a cursor position request, which every answering terminal
// answers after the first, and reads the answers for at most timeout.
func query(in, out *os.File, timeout time.Duration) (dark, ok bool) {
	fd := in.Fd()
	state, err := term.MakeRaw(fd)
	if err != nil {
		return false, false
	}
	defer term.Restore(fd, state) //nolint:errcheck // best effort: the program sets its own mode next
	if _, err := out.WriteString("\x1b]11;?\x1b\\\x1b[6n"); err != nil {
		return false, false
	}
	deadline := time.Now().Add(timeout)
	var got []byte
	buf := make([]byte, 256)
	for {
		wait := time.Until(deadline)
		if wait <= 0 {
			return parseBackground(got)
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(wait.Milliseconds())+1)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			return parseBackground(got)
		}
		k, err := unix.Read(int(fd), buf)
		if err != nil || k <= 0 {
			return parseBackground(got)
		}
		got = append(got, buf[:k]...)
		// The cursor position report ends the answers.
		if i := bytes.LastIndex(got, []byte("\x1b[")); i >= 0 && bytes.IndexByte(got[i:], 'R') > 0 {
			return parseBackground(got)
		}
	}
}
