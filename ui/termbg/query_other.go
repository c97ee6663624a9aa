//go:build !unix

package termbg

import (
	"os"
	"time"
)

// query is not implemented here: the dashboard draws for a dark
// background unless told otherwise.
func query(in, out *os.File, timeout time.Duration) (dark, ok bool) { return false, false }
