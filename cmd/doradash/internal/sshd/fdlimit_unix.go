//go:build unix

package sshd

import "syscall"

// fileLimit returns the process's limit on open files (RLIMIT_NOFILE, the
// soft limit, which Go raises to the hard one at start), 0 when unknown.
func fileLimit() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur > 1<<30 {
		return 0
	}
	return int(rl.Cur)
}
