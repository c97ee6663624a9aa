package sshd

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// authorizedKeys is the set of public keys allowed to log in, read from an
// OpenSSH authorized_keys file and re-read when the file's modification time
// or size changes. The file is looked at no more than once per recheck
// interval, and only when someone tries to log in, so no watcher goroutine
// is needed. It must be a regular file of at most maxAuthorizedKeysSize
// bytes, read within fileReadTimeout.
//
// Options in front of a key are enforced or, when not implemented, make the
// line refused (see parseKeyOptions): a restriction is never silently
// dropped. It is safe for concurrent use.
type authorizedKeys struct {
	path    string
	log     *slog.Logger
	recheck time.Duration    // at most one stat per interval
	now     func() time.Time // time source, replaced by tests

	mu        sync.Mutex
	keys      map[string][]keyRule // PublicKey.Marshal() of each allowed key: its lines
	modTime   time.Time
	size      int64
	loaded    bool
	lastCheck time.Time
}

// newAuthorizedKeys reads path once; a missing or unreadable file is an
// error naming the path.
func newAuthorizedKeys(path string, log *slog.Logger) (*authorizedKeys, error) {
	a := &authorizedKeys{path: path, log: log, recheck: time.Second, now: time.Now}
	if err := a.load(); err != nil {
		return nil, err
	}
	if len(a.keys) == 0 {
		log.Warn("ssh authorized keys file lists no usable key: nobody can log in", "path", path)
	}
	return a, nil
}

// lookup returns the rule of the first line listing key that lets it in
// from remote now, re-reading the file first when it has changed since the
// last look. When no line does, ok is false and why says what stopped the
// last line listing the key ("" when none lists it).
func (a *authorizedKeys) lookup(key gossh.PublicKey, remote net.Addr) (rule keyRule, ok bool, why string) {
	if key == nil {
		return keyRule{}, false, ""
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refreshLocked()
	now := a.now()
	for _, r := range a.keys[string(key.Marshal())] {
		if why = r.refuses(remote, now); why == "" {
			return r, true, ""
		}
	}
	return keyRule{}, false, why
}

// count returns how many distinct keys are currently listed.
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
		err = a.load()
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

// load reads and parses the file. The size and modification time kept are
// those of the file as opened, so a change during the read is picked up by
// the next refresh.
func (a *authorizedKeys) load() error {
	data, opened, err := readRegular(a.path, maxAuthorizedKeysSize, fileReadTimeout)
	if err != nil {
		return fmt.Errorf("read authorized keys %s: %w", a.path, err)
	}
	keys := make(map[string][]keyRule)
	for i, line := range bytes.Split(data, []byte{'\n'}) {
		line = bytes.TrimSpace(line) // also drops the \r of CRLF files
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		key, _, opts, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			// The line itself is never logged: it might be key material
			// pasted into the wrong file.
			a.log.Warn("ssh authorized keys: skipping a line that is not a public key", "path", a.path, "line", i+1)
			continue
		}
		if _, ok := key.(*gossh.Certificate); ok {
			a.log.Warn("ssh authorized keys: skipping a certificate, which is not a key", "path", a.path, "line", i+1)
			continue
		}
		rule, err := parseKeyOptions(opts)
		if err != nil {
			a.log.Warn("ssh authorized keys: skipping a line whose options are not supported", "path", a.path, "line", i+1, "reason", err.Error())
			continue
		}
		k := string(key.Marshal())
		keys[k] = append(keys[k], rule)
	}
	a.keys, a.modTime, a.size, a.loaded = keys, opened.ModTime(), opened.Size(), true
	return nil
}
