//go:build !unix

package sources

import "os"

// openFlags opens a file for reading; see file_unix.go.
const openFlags = os.O_RDONLY
