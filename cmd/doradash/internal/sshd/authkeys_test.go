package sshd

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"doradash/cmd/doradash/internal/testkit"
)

func TestAuthorizedKeysParsing(t *testing.T) {
	var keys []gossh.Signer
	var lines []string
	for range 5 {
		k, l := testkit.ClientKey(t)
		keys, lines = append(keys, k), append(lines, l)
	}
	notListed, _ := testkit.ClientKey(t)
	content := strings.Join([]string{
		"# team keys",
		"",
		"   ",
		lines[0] + " alice@laptop",
		`no-port-forwarding,no-agent-forwarding ` + lines[1] + " bot",
		"restrict " + lines[2],
		lines[3] + "\r", // CRLF file
		"ssh-ed25519 AAAAnot-base64-at-all garbage",
		"-----BEGIN OPENSSH PRIVATE KEY----- SECRETSTUFF",
		"\t" + lines[4] + "\t# indented, with a trailing comment",
	}, "\n")
	path := filepath.Join(t.TempDir(), "authorized_keys")
	writeFile(t, path, content)
	logs := &testkit.Buffer{}
	a, err := newAuthorizedKeys(path, newTestLogger(logs))
	if err != nil {
		t.Fatal(err)
	}
	if got := a.count(); got != len(keys) {
		t.Errorf("count = %d, want %d", got, len(keys))
	}
	for i, k := range keys {
		if !allowed(a, k.PublicKey()) {
			t.Errorf("key %d (line %q) not allowed", i, lines[i])
		}
	}
	if allowed(a, notListed.PublicKey()) {
		t.Error("unlisted key allowed")
	}
	if allowed(a, nil) {
		t.Error("nil key allowed")
	}
	log := logs.String()
	for _, want := range []string{"line=8", "line=9"} {
		if !strings.Contains(log, want) {
			t.Errorf("bad %s not reported; log:\n%s", want, log)
		}
	}
	if strings.Count(log, "skipping a line") != 2 {
		t.Errorf("want exactly 2 skipped lines; log:\n%s", log)
	}
	if strings.Contains(log, "SECRETSTUFF") || strings.Contains(log, "AAAAnot") {
		t.Errorf("log repeats the content of a bad line:\n%s", log)
	}
}

// allowed reports whether a lets key in from 127.0.0.1.
func allowed(a *authorizedKeys, key gossh.PublicKey) bool {
	_, ok, _ := a.lookup(key, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000})
	return ok
}

func TestAuthorizedKeysReloadAtMostOncePerInterval(t *testing.T) {
	alice, aliceLine := testkit.ClientKey(t)
	bob, bobLine := testkit.ClientKey(t)
	path := filepath.Join(t.TempDir(), "authorized_keys")
	writeFile(t, path, aliceLine+"\n")
	logs := &testkit.Buffer{}
	a, err := newAuthorizedKeys(path, newTestLogger(logs))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	a.now = func() time.Time { return now }

	if !allowed(a, alice.PublicKey()) || allowed(a, bob.PublicKey()) {
		t.Fatal("initial key set wrong")
	}
	writeFile(t, path, aliceLine+"\n"+bobLine+"\n")
	steps := []struct {
		advance  time.Duration
		edit     string // new content, "" : leave, "-" : delete the file
		bob      bool
		alice    bool
		wantLogs string
	}{
		{advance: 500 * time.Millisecond, bob: false, alice: true},                                               // checked <1s ago: not re-read
		{advance: 600 * time.Millisecond, bob: true, alice: true, wantLogs: "ssh authorized keys reloaded"},      // 1.1s: re-read
		{advance: 2 * time.Second, edit: "-", bob: false, alice: false, wantLogs: "refusing every key"},          // gone: nobody
		{advance: 2 * time.Second, edit: bobLine + "\n", bob: true, alice: false, wantLogs: "keys=1"},            // back
		{advance: 100 * time.Millisecond, edit: aliceLine + "\n" + bobLine + "\n# x\n", bob: true, alice: false}, // too soon
		{advance: time.Second, bob: true, alice: true},
	}
	for i, st := range steps {
		now = now.Add(st.advance)
		switch st.edit {
		case "":
		case "-":
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		default:
			writeFile(t, path, st.edit)
		}
		if got := allowed(a, bob.PublicKey()); got != st.bob {
			t.Errorf("step %d: bob allowed = %v, want %v", i, got, st.bob)
		}
		if got := allowed(a, alice.PublicKey()); got != st.alice {
			t.Errorf("step %d: alice allowed = %v, want %v", i, got, st.alice)
		}
		if st.wantLogs != "" && !strings.Contains(logs.String(), st.wantLogs) {
			t.Errorf("step %d: log lacks %q:\n%s", i, st.wantLogs, logs.String())
		}
	}
	if n := strings.Count(logs.String(), "refusing every key"); n != 1 {
		t.Errorf("outage logged %d times, want once", n)
	}
}

func TestAuthorizedKeysMissingOrEmpty(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	if _, err := newAuthorizedKeys(missing, newTestLogger(&testkit.Buffer{})); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: error = %v, want one naming %s", err, missing)
	}
	empty := filepath.Join(dir, "empty")
	writeFile(t, empty, "# nobody yet\n")
	logs := &testkit.Buffer{}
	a, err := newAuthorizedKeys(empty, newTestLogger(logs))
	if err != nil {
		t.Fatalf("empty file: %v", err)
	}
	if a.count() != 0 || !strings.Contains(logs.String(), "nobody can log in") {
		t.Errorf("empty file: count %d, log %q", a.count(), logs.String())
	}
}
