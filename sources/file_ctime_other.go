//go:build !linux

package sources

import (
	"os"
	"time"
)

// changeTime returns the file's modification time; see file_ctime_linux.go.
func changeTime(fi os.FileInfo) time.Time { return fi.ModTime() }
