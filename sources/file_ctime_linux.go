package sources

import (
	"os"
	"syscall"
	"time"
)

// changeTime returns the file's status change time (ctime), which every
// write moves and which, unlike the modification time, no tool can set
// back; the modification time when the system gives none.
func changeTime(fi os.FileInfo) time.Time {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return time.Unix(st.Ctim.Sec, st.Ctim.Nsec)
	}
	return fi.ModTime()
}
