package sshd

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"doradash/cmd/doradash/internal/testkit"
)

func TestParseKeyOptions(t *testing.T) {
	tests := []struct {
		opts    string // comma-separated, as in the file
		noPTY   bool
		wantErr string
	}{
		{"", false, ""},
		{"restrict", true, ""},
		{"restrict,pty", false, ""},
		{"pty,restrict", true, ""},
		{"no-pty", true, ""},
		{"NO-PTY", true, ""},
		{"no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-user-rc", false, ""},
		{`permitopen="localhost:80",permitlisten="8080",tunnel="0",environment="A=b"`, false, ""},
		{`from="10.0.0.0/8,!10.1.0.0/16,*.example.com"`, false, ""},
		{`expiry-time="20300101"`, false, ""},
		{`expiry-time="203001011200Z"`, false, ""},
		{`command="doradash snapshot"`, false, "option command is not supported"},
		{`principals="alice"`, false, "option principals is not supported"},
		{"verify-required", false, "option verify-required is not supported"},
		{"cert-authority", false, "cert-authority"},
		{"no-such-option", false, `unknown option "no-such-option"`},
		{`from="10.0.0.1/8"`, false, "address bits beyond its mask"},
		{`from="10.0.0.0/33"`, false, "not a network"},
		{`from="10.0.0.1,,10.0.0.2"`, false, "empty entry"},
		{`from="!"`, false, "empty entry"},
		{`from=10.0.0.1`, false, "double quotes"},
		{`from="1.2.3.4",from="5.6.7.8"`, false, "given twice"},
		{"from", false, "needs a value"},
		{`expiry-time="2030"`, false, "YYYYMMDD"},
		{`expiry-time="20301301"`, false, "YYYYMMDD"},
		{`restrict="x"`, false, "takes no value"},
		{"permitopen", false, "needs a value"},
	}
	for _, tt := range tests {
		var opts []string
		if tt.opts != "" {
			opts = splitOptions(t, tt.opts)
		}
		r, err := parseKeyOptions(opts)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tt.opts, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: error %v, want one with %q", tt.opts, err, tt.wantErr)
		case err == nil && r.noPTY != tt.noPTY:
			t.Errorf("%s: noPTY = %v, want %v", tt.opts, r.noPTY, tt.noPTY)
		}
	}
}

// splitOptions splits an options field as x/crypto/ssh does, by parsing a
// line with it.
func splitOptions(t *testing.T, field string) []string {
	t.Helper()
	_, line := testkit.ClientKey(t)
	_, _, opts, _, err := gossh.ParseAuthorizedKey([]byte(field + " " + line))
	if err != nil {
		t.Fatalf("%s: %v", field, err)
	}
	return opts
}

func TestMatchFrom(t *testing.T) {
	tests := []struct {
		list, ip string
		want     bool
	}{
		{"10.9.9.9", "10.9.9.9", true},
		{"10.9.9.9", "127.0.0.1", false},
		{"10.0.0.0/8", "10.200.1.2", true},
		{"10.0.0.0/8", "11.0.0.1", false},
		{"10.0.0.0/8,!10.1.0.0/16", "10.1.2.3", false},
		{"!10.1.0.0/16,10.0.0.0/8", "10.1.2.3", false}, // a negated match wins wherever it is
		{"!10.1.0.0/16,10.0.0.0/8", "10.2.2.3", true},
		{"!10.1.0.0/16", "10.2.2.3", false}, // only negations: nothing matched
		{"127.0.0.*", "127.0.0.1", true},
		{"127.0.0.?", "127.0.0.12", false},
		{"127.0.0.??", "127.0.0.12", true},
		{"*", "192.0.2.1", true},
		{"*,!192.0.2.1", "192.0.2.1", false},
		{"*.example.com", "192.0.2.1", false}, // no DNS: host names never match
		{"2001:db8::/32", "2001:db8::1", true},
		{"2001:DB8::*", "2001:db8::1", true},
		{"2001:db8::/32", "10.0.0.1", false},
		{"10.0.0.1", "::ffff:10.0.0.1", true}, // IPv4 mapped into IPv6
		{"10.0.0.0/8", "::ffff:10.0.0.1", true},
	}
	for _, tt := range tests {
		list, err := parseFrom(tt.list)
		if err != nil {
			t.Fatalf("%s: %v", tt.list, err)
		}
		if got := matchFrom(list, normalIP(net.ParseIP(tt.ip))); got != tt.want {
			t.Errorf("from=%q, client %s: %v, want %v", tt.list, tt.ip, got, tt.want)
		}
	}
}

func TestWildcardMatch(t *testing.T) {
	tests := []struct {
		p, s string
		want bool
	}{
		{"", "", true}, {"*", "", true}, {"?", "", false}, {"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbYd", false}, {"*.1", "10.0.0.1", true}, {"**", "x", true},
		{"a?c", "abc", true}, {"a?c", "ac", false},
	}
	for _, tt := range tests {
		if got := wildcardMatch(tt.p, tt.s); got != tt.want {
			t.Errorf("wildcardMatch(%q, %q) = %v", tt.p, tt.s, got)
		}
	}
	// A pathological pattern stays cheap.
	if wildcardMatch(strings.Repeat("*a", 1000)+"b", strings.Repeat("a", 4000)) {
		t.Error("matched")
	}
}

// Item 5 of issue 8: from= was ignored (a key limited to 10.9.9.9 logged in
// from anywhere), expiry-time= too, and a cert-authority line's CA key
// logged in as a plain key. Over a real connection from 127.0.0.1, each
// line of the file lets its key in or not as sshd would.
func TestAuthorizedKeysOptionsOverSSH(t *testing.T) {
	past := time.Now().Add(-24*time.Hour).UTC().Format("20060102") + "Z"
	future := time.Now().Add(48*time.Hour).UTC().Format("20060102") + "Z"
	tests := []struct {
		name    string
		options string
		login   bool
		pty     bool // a PTY is granted
	}{
		{"plain", "", true, true},
		{"from elsewhere", `from="10.9.9.9"`, false, false},
		{"from a network", `from="10.0.0.0/8,192.0.2.0/24"`, false, false},
		{"from loopback", `from="127.0.0.0/8"`, true, true},
		{"from a pattern", `from="127.0.0.*"`, true, true},
		{"from but negated", `from="127.0.0.0/8,!127.0.0.1"`, false, false},
		{"expired", `expiry-time="` + past + `"`, false, false},
		{"expired 2020", `expiry-time="20200101"`, false, false},
		{"not expired", `expiry-time="` + future + `"`, true, true},
		{"cert-authority", "cert-authority", false, false},
		{"forced command", `command="doradash snapshot"`, false, false},
		{"principals", `principals="alice"`, false, false},
		{"unknown", "frobnicate", false, false},
		{"no-pty", "no-pty", true, false},
		{"restrict", "restrict", true, false},
		{"restrict,pty", "restrict,pty", true, true},
		{"harmless", `no-port-forwarding,no-agent-forwarding,no-X11-forwarding,permitopen="127.0.0.1:1"`, true, true},
	}
	env := startServer(t, envConfig{})
	var lines []string
	var keys []gossh.Signer
	for _, tt := range tests {
		k, line := testkit.ClientKey(t)
		if tt.options != "" {
			line = tt.options + " " + line
		}
		keys, lines = append(keys, k), append(lines, line+" "+strings.ReplaceAll(tt.name, " ", "-"))
	}
	writeFile(t, env.keys, strings.Join(lines, "\n")+"\n")
	env.s.keys.mu.Lock()
	env.s.keys.recheck = 0
	env.s.keys.mu.Unlock()

	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := env.dial(gossh.PublicKeys(keys[i]))
			if !tt.login {
				if err == nil {
					_ = c.Close()
					t.Fatal("logged in")
				}
				return
			}
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			defer c.Close()
			sess, err := c.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			err = sess.RequestPty("xterm", 24, 80, gossh.TerminalModes{})
			if got := err == nil; got != tt.pty {
				t.Errorf("PTY granted = %v (%v), want %v", got, err, tt.pty)
			}
			// Without a PTY, the key still runs commands.
			if out, err := runCmd(c, "version"); err != nil || !strings.Contains(out, "version") {
				t.Errorf("command: %q %v", out, err)
			}
		})
	}
	logs := env.logs.String()
	for _, want := range []string{
		"cert-authority: a certificate authority",
		"option command is not supported",
		"option principals is not supported",
		`unknown option \"frobnicate\"`,
		`refused_because="from= does not list the client's address"`,
		`refused_because="expiry-time passed"`,
		"ssh pty refused: the key has no-pty or restrict",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

// Forwarding is refused whatever the key's options say, which is why
// permitopen= and the no-*-forwarding options need no enforcing.
func TestForwardingRefused(t *testing.T) {
	env := startServer(t, envConfig{})
	c := env.login(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if conn, err := c.Dial("tcp", ln.Addr().String()); err == nil {
		_ = conn.Close()
		t.Error("direct-tcpip forwarding accepted")
	}
	if l, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
		_ = l.Close()
		t.Error("remote forwarding accepted")
	}
	// Item 7 of issue 8: agent forwarding was answered "yes".
	ch, _ := rawSession(t, c)
	if request(t, ch, agentRequest, nil) {
		t.Error("agent forwarding accepted")
	}
	if request(t, ch, "x11-req", &struct {
		Single        bool
		Proto, Cookie string
		Screen        uint32
	}{false, "MIT-MAGIC-COOKIE-1", "00", 0}) {
		t.Error("X11 forwarding accepted")
	}
}

// Item 6 of issue 8: a FIFO as authorized_keys hung every later login for
// good, and /dev/zero as either file ran the server out of memory at start.
// Only regular files are read, of bounded size.
func TestKeyFilesMustBeRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	big := filepath.Join(dir, "big")
	writeFile(t, big, strings.Repeat("#", maxAuthorizedKeysSize+1))
	_, line := testkit.ClientKey(t)
	good := filepath.Join(dir, "authorized_keys")
	writeFile(t, good, line+"\n")
	hostKey := filepath.Join(dir, "host_key")
	bigKey := filepath.Join(dir, "big_host_key")
	writeFile(t, bigKey, strings.Repeat("#", maxHostKeySize+1))

	tests := []struct {
		name, keys, host, want string
	}{
		{"FIFO as authorized_keys", fifo, hostKey, "not a regular file"},
		{"/dev/zero as authorized_keys", "/dev/zero", hostKey, "not a regular file"},
		{"directory as authorized_keys", dir, hostKey, "not a regular file"},
		{"huge authorized_keys", big, hostKey, "larger than 1024 KiB"},
		{"/dev/zero as host key", good, "/dev/zero", "not a regular file"},
		{"/dev/urandom as host key", good, "/dev/urandom", "not a regular file"},
		{"FIFO as host key", good, fifo, "not a regular file"},
		{"huge host key", good, bigKey, "larger than 64 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := New(Options{HostKeyPath: tt.host, AuthorizedKeysPath: tt.keys, NewModel: noModel,
					RunCommand: func(context.Context, []string, io.Writer, io.Writer) int { return 0 }})
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("New hangs")
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// A FIFO put in place of authorized_keys while the server runs refuses
// logins (failing closed) instead of hanging them, and the keys are back
// once the file is.
func TestAuthorizedKeysSwappedForFIFO(t *testing.T) {
	env := startServer(t, envConfig{})
	env.s.keys.mu.Lock()
	env.s.keys.recheck = 0
	env.s.keys.mu.Unlock()
	good, err := os.ReadFile(env.keys)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(env.keys); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(env.keys, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for range 2 {
		done := make(chan error, 1)
		go func() {
			c, err := env.dial(gossh.PublicKeys(env.client))
			if err == nil {
				_ = c.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil {
				t.Error("logged in with a FIFO as authorized_keys")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("login hangs on a FIFO authorized_keys")
		}
	}
	if !strings.Contains(env.logs.String(), "not a regular file") {
		t.Error("the log does not say why")
	}
	if err := os.Remove(env.keys); err != nil {
		t.Fatal(err)
	}
	writeFile(t, env.keys, string(good))
	env.login(t)
}

func TestReadLimitedTimesOut(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := readLimited(r, 10, 50*time.Millisecond); err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("error = %v, want a timeout", err)
	}
	r2, w2, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = w2.Write(make([]byte, 11)); _ = w2.Close() }()
	if _, err := readLimited(r2, 10, 5*time.Second); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("error = %v, want too large", err)
	}
}
