package sshd

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// authorizedKeys is the set of public keys allowed to log in, read from an
// OpenSSH authorized_keys file and re-read when the file's modification time
// or size changes. The file is looked at no more than once per recheck
// interval, and only when someone tries to log in, so no watcher goroutine
// is needed. Options in front of a key (command=, from=, restrict, …) are
// accepted and ignored. It is safe for concurrent use.
type authorizedKeys struct {
	path    string
	log     *slog.Logger
	recheck time.Duration    // at most one stat per interval
	now     func() time.Time // time source, replaced by tests

	mu        sync.Mutex
	keys      map[string]struct{} // PublicKey.Marshal() of each allowed key
	modTime   time.Time
	size      int64
	loaded    bool
	lastCheck time.Time
}

// newAuthorizedKeys reads path once; a missing or unreadable file is an
// error naming the path.
func newAuthorizedKeys(path string, log *slog.Logger) (*authorizedKeys, error) {
	a := &authorizedKeys{path: path, log: log, recheck: time.Second, now: time.Now}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("authorized keys %s: %w", path, err)
	}
	if err := a.load(fi); err != nil {
		return nil, err
	}
	if len(a.keys) == 0 {
		log.Warn("ssh authorized keys file lists no usable key: nobody can log in", "path", path)
	}
	return a, nil
}

// allowed reports whether key is listed, re-reading the file first when it
// has changed since the last look.
func (a *authorizedKeys) allowed(key gossh.PublicKey) bool {
	if key == nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refreshLocked()
	_, ok := a.keys[string(key.Marshal())]
	return ok
}

// count returns how many keys are currently allowed.
func (a *authorizedKeys) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.keys)
}

// refreshLocked re-reads the file when its size or modification time has
// changed. A file that disappeared or cannot be read allows nobody until it
// is back: failing closed is the safe choice for an access list. The error
// is logged once per outage, not once per login attempt.
func (a *authorizedKeys) refreshLocked() {
	now := a.now()
	if !a.lastCheck.IsZero() && now.Sub(a.lastCheck) < a.recheck {
		return
	}
	a.lastCheck = now
	fi, err := os.Stat(a.path)
	if err == nil && a.loaded && fi.ModTime().Equal(a.modTime) && fi.Size() == a.size {
		return
	}
	if err == nil {
		err = a.load(fi)
	}
	if err != nil {
		if a.loaded {
			a.log.Error("ssh authorized keys unreadable: refusing every key until it is back", "path", a.path, "error", err)
		}
		a.keys, a.loaded = nil, false
		return
	}
	a.log.Info("ssh authorized keys reloaded", "path", a.path, "keys", len(a.keys))
}

// load reads and parses the file; fi is its stat taken just before, so a
// change during the read is picked up by the next refresh.
func (a *authorizedKeys) load(fi os.FileInfo) error {
	data, err := os.ReadFile(a.path)
	if err != nil {
		return fmt.Errorf("read authorized keys %s: %w", a.path, err)
	}
	keys := make(map[string]struct{})
	for i, line := range bytes.Split(data, []byte{'\n'}) {
		line = bytes.TrimSpace(line) // also drops the \r of CRLF files
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		key, _, _, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			// The line itself is never logged: it might be key material
			// pasted into the wrong file.
			a.log.Warn("ssh authorized keys: skipping a line that is not a public key", "path", a.path, "line", i+1)
			continue
		}
		keys[string(key.Marshal())] = struct{}{}
	}
	a.keys, a.modTime, a.size, a.loaded = keys, fi.ModTime(), fi.Size(), true
	return nil
}
