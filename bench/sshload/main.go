// Command sshload is the client side of bench/ssh-load.sh: it opens many
// PTY sessions on a running `doradash serve`, keeps them open (reading
// everything the server draws) and reports what that costs the server,
// read from /proc/PID of the server process: resident memory (VmRSS) before,
// during and after, and CPU time (utime+stime) per second of wall time.
//
//	sshload -genkey /tmp/k          # writes /tmp/k and /tmp/k.pub, then exits
//	sshload -addr 127.0.0.1:2222 -key /tmp/k -pid 1234 -n 50 -w 160 -h 45 -hold 60s
//	sshload -addr 127.0.0.1:2222 -key /tmp/k -pid 1234 -hostile 30s -workers 2
//
// It only ever connects to loopback addresses. Sessions are spread over
// source addresses 127.0.0.1, 127.0.0.2, … (perIP each), because the server
// accepts at most 30 new connections per minute from one address.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// perIP is how many connections come from one source address; the
// server's limit is 30 new connections per minute and address.
const perIP = 25

func main() {
	var (
		genkey = flag.String("genkey", "", "write a new ed25519 key to this path (and .pub), then exit")
		addr   = flag.String("addr", "127.0.0.1:2222", "server address (loopback only)")
		key    = flag.String("key", "", "private key file")
		pid    = flag.Int("pid", 0, "server process id, for /proc figures")
		n      = flag.Int("n", 50, "concurrent PTY sessions")
		w      = flag.Int("w", 160, "terminal width")
		h      = flag.Int("h", 45, "terminal height")
		idle   = flag.Duration("idle", 10*time.Second, "measure the server without sessions this long first")
		settle = flag.Duration("settle", 5*time.Second, "wait this long after every session has drawn")
		hold   = flag.Duration("hold", 60*time.Second, "measure with every session open this long")
		clk    = flag.Int("clk-tck", 100, "clock ticks per second of /proc/PID/stat (getconf CLK_TCK)")
		hostl  = flag.Duration("hostile", 0, "run the attacks of issue 8 this long while a real user logs in (see hostile.go)")
		wrk    = flag.Int("workers", 1, "with -hostile: goroutines per attack")
	)
	flag.Parse()
	var err error
	lo := loadOptions{addr: *addr, key: *key, pid: *pid, n: *n, w: *w, h: *h,
		idle: *idle, settle: *settle, hold: *hold, clk: *clk}
	switch {
	case *genkey != "":
		err = writeKey(*genkey)
	case *hostl > 0:
		err = hostile(hostileOptions{loadOptions: lo, dur: *hostl, workers: *wrk})
	default:
		err = load(lo)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "sshload: %v\n", err)
		os.Exit(1)
	}
}

// writeKey writes an unencrypted ed25519 private key to path (0600) and its
// authorized_keys line to path.pub.
func writeKey(path string) error {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	block, err := gossh.MarshalPrivateKey(priv, "sshload")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return err
	}
	sshPub, err := gossh.NewPublicKey(pub)
	if err != nil {
		return err
	}
	return os.WriteFile(path+".pub", gossh.MarshalAuthorizedKey(sshPub), 0o644)
}

type loadOptions struct {
	addr, key          string
	pid, n, w, h, clk  int
	idle, settle, hold time.Duration
}

// proc is one reading of the server process.
type proc struct {
	at    time.Time
	rss   int64 // bytes
	hwm   int64 // peak resident, bytes
	cpu   float64
	thrds int
}

func load(o loadOptions) error {
	host, _, err := net.SplitHostPort(o.addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("address %s is not a loopback address", o.addr)
	}
	if o.pid <= 0 {
		return errors.New("-pid is required")
	}
	pemBytes, err := os.ReadFile(o.key)
	if err != nil {
		return err
	}
	signer, err := gossh.ParsePrivateKey(pemBytes)
	if err != nil {
		return fmt.Errorf("parse %s: %w", o.key, err)
	}
	read := func() (proc, error) { return readProc(o.pid, o.clk) }

	idle0, err := read()
	if err != nil {
		return err
	}
	time.Sleep(o.idle)
	idle1, err := read()
	if err != nil {
		return err
	}

	start := time.Now()
	sessions := make([]*session, o.n)
	var wg sync.WaitGroup
	errs := make(chan error, o.n)
	// At most 16 logins in flight at once: the server caps connections
	// still in their handshake (a quarter of its connection limit), and a
	// crowd of simultaneous logins would measure that cap, not sessions.
	inflight := make(chan struct{}, 16)
	for i := range sessions {
		wg.Go(func() {
			inflight <- struct{}{}
			s, err := open(o, signer, i)
			<-inflight
			if err != nil {
				errs <- fmt.Errorf("session %d: %w", i, err)
				return
			}
			sessions[i] = s
		})
	}
	wg.Wait()
	close(errs)
	var failed []string
	for err := range errs {
		failed = append(failed, err.Error())
	}
	defer func() {
		for _, s := range sessions {
			if s != nil {
				s.client.Close()
			}
		}
	}()
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d sessions failed: %s", len(failed), o.n, strings.Join(failed, "; "))
	}
	opened := time.Since(start)
	time.Sleep(o.settle)

	var before int64
	for _, s := range sessions {
		before += s.bytes.Load()
	}
	during0, err := read()
	if err != nil {
		return err
	}
	time.Sleep(o.hold)
	during1, err := read()
	if err != nil {
		return err
	}
	var after int64
	for _, s := range sessions {
		after += s.bytes.Load()
	}

	// Leave as a user does: q, and every session must end with status 0.
	var bad atomic.Int32
	for _, s := range sessions {
		wg.Go(func() {
			if err := s.quit(); err != nil {
				fmt.Fprintf(os.Stderr, "sshload: %v\n", err)
				bad.Add(1)
			}
		})
	}
	wg.Wait()
	for _, s := range sessions {
		s.client.Close()
	}
	time.Sleep(o.settle)
	closed, err := read()
	if err != nil {
		return err
	}

	mib := func(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
	cpuRate := func(a, b proc) float64 { return (b.cpu - a.cpu) / b.at.Sub(a.at).Seconds() }
	fmt.Printf("sessions             %d PTY sessions at %dx%d, all drawn within %s\n", o.n, o.w, o.h, opened.Round(time.Millisecond))
	fmt.Printf("server RSS           idle %s · with %d sessions %s · after they closed %s · peak %s\n",
		mib(idle1.rss), o.n, mib(during1.rss), mib(closed.rss), mib(closed.hwm))
	fmt.Printf("RSS per session      %.0f KiB  ((with − idle) / %d)\n", float64(during1.rss-idle1.rss)/1024/float64(o.n), o.n)
	fmt.Printf("server threads       idle %d · with sessions %d\n", idle1.thrds, during1.thrds)
	fmt.Printf("server CPU           idle %.4f s/s over %s · with %d sessions %.3f s/s over %s (%.1f%% of one core, %.2f ms/s per session)\n",
		cpuRate(idle0, idle1), o.idle, o.n, cpuRate(during0, during1), o.hold,
		100*cpuRate(during0, during1), 1000*cpuRate(during0, during1)/float64(o.n))
	fmt.Printf("output               %.0f bytes/s per session\n", float64(after-before)/o.hold.Seconds()/float64(o.n))
	if n := bad.Load(); n > 0 {
		return fmt.Errorf("%d sessions did not end with status 0 after q", n)
	}
	return nil
}

// session is one open dashboard.
type session struct {
	id     int
	client *gossh.Client
	sess   *gossh.Session
	stdin  io.WriteCloser
	bytes  atomic.Int64
	done   chan error // Wait's result
}

// open connects from the session's source address, asks for a PTY and a
// shell, and waits until the dashboard has drawn its tiles.
func open(o loadOptions, signer gossh.Signer, id int) (*session, error) {
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+id/perIP))}
	d := net.Dialer{LocalAddr: local, Timeout: 30 * time.Second}
	conn, err := d.Dial("tcp", o.addr)
	if err != nil {
		return nil, err
	}
	cc, chans, reqs, err := gossh.NewClientConn(conn, o.addr, &gossh.ClientConfig{
		User: "load" + strconv.Itoa(id), Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), // a local server just started by the script
		Timeout:         30 * time.Second,
	})
	if err != nil {
		conn.Close()
		return nil, err
	}
	s := &session{id: id, client: gossh.NewClient(cc, chans, reqs), done: make(chan error, 1)}
	if s.sess, err = s.client.NewSession(); err != nil {
		return s, err
	}
	out, err := s.sess.StdoutPipe()
	if err != nil {
		return s, err
	}
	if s.stdin, err = s.sess.StdinPipe(); err != nil {
		return s, err
	}
	if err := s.sess.RequestPty("xterm-256color", o.h, o.w, gossh.TerminalModes{}); err != nil {
		return s, err
	}
	if err := s.sess.Shell(); err != nil {
		return s, err
	}
	drawn := make(chan struct{})
	go func() {
		// Everything the server sends is read, as a terminal would, and
		// looked at until the dashboard arrives (a large terminal's first
		// frames can take megabytes).
		var window []byte // the end of the previous read and this one
		seen := false
		buf := make([]byte, 32<<10)
		want := []byte("Deployment frequency")
		for {
			n, err := out.Read(buf)
			s.bytes.Add(int64(n))
			if !seen {
				window = append(window[max(0, len(window)-len(want)):], buf[:n]...)
				if bytes.Contains(window, want) {
					close(drawn)
					seen = true
				}
			}
			if err != nil {
				break
			}
		}
		s.done <- s.sess.Wait()
	}()
	select {
	case <-drawn:
		return s, nil
	case err := <-s.done:
		return s, fmt.Errorf("session ended before the dashboard was drawn: %v", err)
	case <-time.After(60 * time.Second):
		return s, errors.New("no dashboard within 60s")
	}
}

// quit presses q and checks the session ends with status 0.
func (s *session) quit() error {
	if _, err := s.stdin.Write([]byte("q")); err != nil {
		return fmt.Errorf("session %d: press q: %w", s.id, err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			return fmt.Errorf("session %d: %w", s.id, err)
		}
		return nil
	case <-time.After(30 * time.Second):
		return fmt.Errorf("session %d did not end after q", s.id)
	}
}

// readProc reads VmRSS, VmHWM and Threads from /proc/pid/status and
// utime+stime from /proc/pid/stat.
func readProc(pid, clk int) (proc, error) {
	p := proc{at: time.Now()}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return p, err
	}
	for line := range strings.Lines(string(status)) {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			p.rss = v * 1024
		case "VmHWM:":
			p.hwm = v * 1024
		case "Threads:":
			p.thrds = int(v)
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return p, err
	}
	// The command name (field 2) may hold spaces: count from its ")".
	rest := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(rest) < 13 {
		return p, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, _ := strconv.ParseInt(rest[11], 10, 64) // field 14
	stime, _ := strconv.ParseInt(rest[12], 10, 64) // field 15
	p.cpu = float64(utime+stime) / float64(clk)
	return p, nil
}
