//go:build unix

package sources

import (
	"os"
	"syscall"
)

// openFlags opens a file for reading without blocking: a named pipe or a
// device that the path became after it was checked then opens at once and
// is refused, instead of hanging until a writer comes. O_NONBLOCK has no
// effect on reading a regular file.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK
