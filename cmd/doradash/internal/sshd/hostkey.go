package sshd

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// loadOrCreateHostKey reads the host private key at path (a regular file
// of at most maxHostKeySize bytes), or creates an
// ed25519 key there (mode 0600, parent directories 0700) when the file does
// not exist, so the server keeps its fingerprint across restarts.
func loadOrCreateHostKey(path string, log *slog.Logger) (gossh.Signer, error) {
	if path == "" {
		return nil, errors.New("host key: no path given")
	}
	data, _, err := readRegular(path, maxHostKeySize, fileReadTimeout)
	if errors.Is(err, fs.ErrNotExist) {
		return createHostKey(path, log)
	}
	return parseHostKey(path, data, err, log)
}

// parseHostKey turns the bytes read from path (or the error reading them)
// into a signer.
func parseHostKey(path string, data []byte, err error, log *slog.Logger) (gossh.Signer, error) {
	if err != nil {
		return nil, fmt.Errorf("read host key %s: %w", path, err)
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("parse host key %s: %w", path, err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("ssh host key is readable by other users", "path", path, "mode", fi.Mode().Perm().String())
	}
	return signer, nil
}

// createHostKey writes a new ed25519 private key in OpenSSH format to path.
// O_EXCL makes two servers starting at once agree on one key: the loser
// reads the winner's file.
func createHostKey(path string, log *slog.Logger) (gossh.Signer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create host key directory for %s: %w", path, err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate host key %s: %w", path, err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "doradash host key")
	if err != nil {
		return nil, fmt.Errorf("encode host key %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		data, _, err := readRegular(path, maxHostKeySize, fileReadTimeout)
		return parseHostKey(path, data, err, log)
	}
	if err != nil {
		return nil, fmt.Errorf("create host key %s: %w", path, err)
	}
	werr := pem.Encode(f, block)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("write host key %s: %w", path, werr)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("use host key %s: %w", path, err)
	}
	log.Info("ssh host key created", "path", path, "fingerprint", gossh.FingerprintSHA256(signer.PublicKey()))
	return signer, nil
}
