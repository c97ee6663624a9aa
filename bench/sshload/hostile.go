package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// The hostile mode (-hostile DURATION) runs the attacks of issue 8 against
// the server for DURATION, all at once, while a real user logs in every
// 2 s and opens the dashboard; it reports how long each of those logins
// took and what the attacks cost the server (CPU and memory from /proc).
//
//	sshload -hostile 30s -addr … -key /tmp/k -pid 1234 -workers 2
//
// Every attack runs on -workers goroutines. Authorised attackers log in with
// the same key as the real user (an authorised user gone bad); each
// attacking goroutine uses source addresses of its own, because of the
// server's 30 new connections per minute and address:
//
//	window   a PTY of 4294967295×4294967295, then window changes of
//	         100000×100000 and back as fast as they go, reading the output
//	exec     exec requests of a 200 KB command, in new sessions, in a loop
//	env      sessions that each send 2,000 env requests of 32 KB
//	preauth  TCP connections that never start the SSH handshake, held open,
//	         from 250 addresses per goroutine
//	badkey   full handshakes with a key that is not listed, in a loop
type hostileOptions struct {
	loadOptions
	dur     time.Duration
	workers int
}

// attacks names the attack kinds in the order of their address ranges.
var attacks = []string{"window", "exec", "env", "preauth", "badkey"}

// counters of what the attackers got done.
type tally struct {
	mu sync.Mutex
	n  map[string]int64
}

func (t *tally) add(k string, d int64) {
	t.mu.Lock()
	t.n[k] += d
	t.mu.Unlock()
}

// addrs hands out source addresses 127.A.B.C for one attacking goroutine,
// cycling through 250 values of C.
type addrs struct {
	a, b byte
	c    int
}

func (s *addrs) next() *net.TCPAddr {
	s.c = s.c%250 + 1
	return &net.TCPAddr{IP: net.IPv4(127, s.a, s.b, byte(s.c))}
}

func hostile(o hostileOptions) error {
	if o.pid <= 0 {
		return errors.New("-pid is required")
	}
	host, _, err := net.SplitHostPort(o.addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("address %s is not a loopback address", o.addr)
	}
	pemBytes, err := os.ReadFile(o.key)
	if err != nil {
		return err
	}
	signer, err := gossh.ParsePrivateKey(pemBytes)
	if err != nil {
		return err
	}
	_, badPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	bad, err := gossh.NewSignerFromKey(badPriv)
	if err != nil {
		return err
	}

	// The real user alone first: the baseline.
	base := realLogins(o, signer, 3, nil)
	idle, err := readProc(o.pid, o.clk)
	if err != nil {
		return err
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	t := &tally{n: map[string]int64{}}
	for i, kind := range attacks {
		for w := range o.workers {
			src := &addrs{a: byte(10 + i), b: byte(w)}
			wg.Go(func() { attack(o, kind, signer, bad, src, t, stop) })
		}
	}
	time.Sleep(2 * time.Second) // let the attacks ramp up
	before, err := readProc(o.pid, o.clk)
	if err != nil {
		close(stop)
		wg.Wait()
		return err
	}
	n := int((o.dur - 2*time.Second) / (2 * time.Second))
	under := realLogins(o, signer, max(n, 1), stop)
	after, err := readProc(o.pid, o.clk)
	close(stop)
	wg.Wait()
	if err != nil {
		return err
	}
	time.Sleep(5 * time.Second)
	calm, err := readProc(o.pid, o.clk)
	if err != nil {
		return err
	}

	mib := func(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
	fmt.Printf("attacks              %s, %d goroutines each, %s\n", strings.Join(attacks, ", "), o.workers, after.at.Sub(before.at).Round(time.Second))
	t.mu.Lock()
	var keys []string
	for k := range t.n {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Printf("  %-18s %d\n", k, t.n[k])
	}
	t.mu.Unlock()
	fmt.Printf("server CPU           %.2f s/s under attack (%.0f%% of one core)\n",
		(after.cpu-before.cpu)/after.at.Sub(before.at).Seconds(), 100*(after.cpu-before.cpu)/after.at.Sub(before.at).Seconds())
	fmt.Printf("server RSS           before %s · under attack %s · 5 s after %s · peak %s · threads %d→%d\n",
		mib(idle.rss), mib(after.rss), mib(calm.rss), mib(calm.hwm), idle.thrds, after.thrds)
	fmt.Printf("real user alone      %s\n", base)
	fmt.Printf("real user attacked   %s\n", under)
	if under.failed > 0 || under.worst > time.Second {
		return fmt.Errorf("a real login failed or took over a second under attack")
	}
	return nil
}

// loginStats are a series of real logins: login is TCP connect to
// authenticated, drawn is that to the dashboard's first frame.
type loginStats struct {
	login, drawn []time.Duration
	worst        time.Duration
	failed       int
	errs         []string
}

func (s loginStats) String() string {
	q := func(d []time.Duration, p float64) time.Duration {
		if len(d) == 0 {
			return 0
		}
		d = slices.Clone(d)
		slices.Sort(d)
		return d[min(len(d)-1, int(p*float64(len(d))))].Round(time.Millisecond)
	}
	out := fmt.Sprintf("%d logins, %d failed · login median %s max %s · dashboard drawn median %s max %s",
		len(s.login)+s.failed, s.failed, q(s.login, 0.5), q(s.login, 1), q(s.drawn, 0.5), q(s.drawn, 1))
	if len(s.errs) > 0 {
		out += " · errors: " + strings.Join(s.errs, "; ")
	}
	return out
}

// realLogins logs in n times, 2 s apart (the server allows 30 new
// connections a minute from one address), opens the dashboard each time and
// quits it.
func realLogins(o hostileOptions, signer gossh.Signer, n int, stop <-chan struct{}) loginStats {
	var st loginStats
	src := &addrs{a: 0, b: 1}
	for i := range n {
		if i > 0 {
			time.Sleep(2 * time.Second)
		}
		login, drawn, err := realLogin(o, signer, src.next())
		if err != nil {
			st.failed++
			st.errs = append(st.errs, err.Error())
			continue
		}
		st.login, st.drawn = append(st.login, login), append(st.drawn, drawn)
		st.worst = max(st.worst, drawn)
	}
	return st
}

func realLogin(o hostileOptions, signer gossh.Signer, local *net.TCPAddr) (login, drawn time.Duration, err error) {
	start := time.Now()
	c, err := dialSSH(o.addr, local, "real", signer, 10*time.Second)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	login = time.Since(start)
	sess, err := c.NewSession()
	if err != nil {
		return 0, 0, err
	}
	defer sess.Close()
	out, err := sess.StdoutPipe()
	if err != nil {
		return 0, 0, err
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		return 0, 0, err
	}
	if err := sess.RequestPty("xterm-256color", 45, 160, gossh.TerminalModes{}); err != nil {
		return 0, 0, err
	}
	if err := sess.Shell(); err != nil {
		return 0, 0, err
	}
	seen := make(chan struct{})
	go func() {
		var head bytes.Buffer
		buf := make([]byte, 32<<10)
		for {
			n, err := out.Read(buf)
			if head.Len() < 1<<20 {
				head.Write(buf[:n])
				if bytes.Contains(head.Bytes(), []byte("Deployment frequency")) {
					close(seen)
					_, _ = io.Copy(io.Discard, out)
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case <-seen:
		drawn = time.Since(start)
	case <-time.After(10 * time.Second):
		return 0, 0, errors.New("no dashboard within 10 s")
	}
	_, _ = stdin.Write([]byte("q"))
	return login, drawn, nil
}

// dialSSH logs in from local.
func dialSSH(addr string, local *net.TCPAddr, user string, signer gossh.Signer, timeout time.Duration) (*gossh.Client, error) {
	d := net.Dialer{LocalAddr: local, Timeout: timeout}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	cc, chans, reqs, err := gossh.NewClientConn(conn, addr, &gossh.ClientConfig{
		User: user, Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), // a local server just started by the script
		Timeout:         timeout,
	})
	if err != nil {
		conn.Close()
		return nil, err
	}
	_ = conn.SetDeadline(time.Time{})
	return gossh.NewClient(cc, chans, reqs), nil
}

// attack runs one kind of attack until stop is closed.
func attack(o hostileOptions, kind string, signer, bad gossh.Signer, src *addrs, t *tally, stop <-chan struct{}) {
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	if kind == "preauth" {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for !stopped() {
			d := net.Dialer{LocalAddr: src.next(), Timeout: 5 * time.Second}
			c, err := d.Dial("tcp", o.addr)
			if err != nil {
				t.add("preauth dial errors", 1)
				time.Sleep(10 * time.Millisecond)
				continue
			}
			t.add("preauth conns", 1)
			held = append(held, c)
			if len(held) > 250 {
				held[0].Close()
				held = held[1:]
			}
			time.Sleep(5 * time.Millisecond)
		}
		return
	}
	if kind == "badkey" {
		for !stopped() {
			c, err := dialSSH(o.addr, src.next(), "mallory", bad, 5*time.Second)
			if err == nil {
				c.Close()
				t.add("badkey LOGGED IN", 1)
			} else {
				t.add("badkey refused", 1)
			}
		}
		return
	}
	for !stopped() {
		c, err := dialSSH(o.addr, src.next(), kind, signer, 10*time.Second)
		if err != nil {
			t.add(kind+" login errors", 1)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		done := make(chan struct{})
		go func() {
			select {
			case <-stop:
			case <-done:
			}
			c.Close()
		}()
		switch kind {
		case "window":
			windowAttack(c, t)
		case "exec":
			long := strings.Repeat(`"a b" 'c' d\ e `, 200_000/15)
			for {
				ch, reqs, err := c.OpenChannel("session", nil)
				if err != nil {
					break
				}
				go gossh.DiscardRequests(reqs)
				go func() { _, _ = io.Copy(io.Discard, ch.Stderr()) }()
				ok, err := ch.SendRequest("exec", true, gossh.Marshal(&struct{ S string }{long}))
				ch.Close()
				if err != nil {
					break
				}
				if ok {
					t.add("exec ACCEPTED", 1)
				} else {
					t.add("exec refused", 1)
				}
			}
		case "env":
			value := strings.Repeat("v", 32<<10)
			for {
				ch, reqs, err := c.OpenChannel("session", nil)
				if err != nil {
					break
				}
				go gossh.DiscardRequests(reqs)
				var werr error
				for i := range 2000 {
					_, werr = ch.SendRequest("env", false, gossh.Marshal(&struct{ K, V string }{fmt.Sprintf("X%d", i), value}))
					if werr != nil {
						break
					}
				}
				ch.Close()
				if werr != nil {
					break
				}
				t.add("env requests", 2000)
			}
		}
		close(done)
		c.Close()
	}
}

// windowAttack opens a PTY of 4294967295×4294967295 and changes its size
// back and forth until the connection ends.
func windowAttack(c *gossh.Client, t *tally) {
	ch, reqs, err := c.OpenChannel("session", nil)
	if err != nil {
		return
	}
	defer ch.Close()
	go gossh.DiscardRequests(reqs)
	var got atomic.Int64
	go func() {
		n, _ := io.Copy(io.Discard, ch)
		got.Store(n)
	}()
	const huge = 4294967295
	pty := struct {
		Term                 string
		Cols, Rows, PxW, PxH uint32
		Modes                string
	}{"xterm-256color", huge, huge, 0, 0, ""}
	if ok, err := ch.SendRequest("pty-req", true, gossh.Marshal(&pty)); err != nil || !ok {
		return
	}
	if ok, err := ch.SendRequest("shell", true, nil); err != nil || !ok {
		return
	}
	for i := 0; ; i++ {
		w := struct{ Cols, Rows, PxW, PxH uint32 }{100000, 100000, 0, 0}
		if i%2 == 1 {
			w.Cols, w.Rows = 80, 24
		}
		if _, err := ch.SendRequest("window-change", false, gossh.Marshal(&w)); err != nil {
			break
		}
		t.add("window changes", 1)
		time.Sleep(time.Millisecond)
	}
}
