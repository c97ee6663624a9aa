package sshd

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/anmitsu/go-shlex"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/muesli/termenv"
)

// handleSession runs one SSH session: the dashboard when the client asked
// for a PTY and no command, a command otherwise. It returns when the session
// is over; charmbracelet/ssh then closes the channel.
func (s *Server) handleSession(sess ssh.Session) {
	ci := connOf(sess.Context())
	if ci == nil { // every connection passes acceptConn; this is a safety net
		_ = sess.Exit(1)
		return
	}
	if err := s.beginSession(); err != nil {
		s.log.Warn("ssh session refused", "remote", ci.remote, "user", logUser(sess.User()), "reason", err.Error())
		fmt.Fprintf(sess.Stderr(), "%s\n", err)
		_ = sess.Exit(1)
		// Disconnect the client too, unless it has other sessions open.
		ci.closeIfUnused(err, time.Now())
		return
	}
	// The slot is freed before the exit status goes out, so a client that
	// starts its next session as soon as the last one ended (a script
	// running `ssh host snapshot` in a loop at the limit) finds it free.
	freeSlot := sync.OnceFunc(s.freeSlot)
	defer s.sessionWG.Done()
	defer freeSlot()

	ctx, cancel := context.WithCancelCause(s.ctx)
	defer cancel(errSessionEnded)
	id, err := ci.addSession(cancel)
	if err != nil {
		fmt.Fprintf(sess.Stderr(), "%s\n", endMessage(err, s.o.IdleTimeout))
		freeSlot()
		_ = sess.Exit(1)
		return
	}
	defer ci.removeSession(id)
	// sess.Context() is the connection's context: it ends when the client
	// hangs up or the connection breaks.
	defer context.AfterFunc(sess.Context(), func() { cancel(errClientGone) })()
	defer s.guardSession(ctx, sess, ci)()

	code := 1
	pty, winch, isPty := sess.Pty()
	forwarding := false
	func() {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("ssh session panicked", "remote", ci.remote, "user", logUser(sess.User()),
					"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			}
		}()
		var p *tea.Program
		if isPty && sess.RawCommand() == "" {
			p = s.newProgram(ctx, sess, ci, pty)
			// Run cancels the program's context when it returns; this also
			// covers a Run that never started, so that no Send to p can
			// block once the session is over.
			defer p.Kill()
		}
		if isPty {
			s.forwardResizes(winch, p, ci, cancel)
			forwarding = true
		}
		if p != nil {
			code = s.runProgram(ctx, p, sess, ci)
		} else {
			code = s.runCommand(ctx, sess)
		}
	}()
	if isPty && !forwarding { // NewModel panicked; the window changes still need a reader
		s.forwardResizes(winch, nil, ci, cancel)
	}

	if ctx.Err() != nil {
		if cause := context.Cause(ctx); errors.Is(cause, errStopping) || errors.Is(cause, errIdle) {
			fmt.Fprintf(sess.Stderr(), "%s\n", endMessage(cause, s.o.IdleTimeout))
			code = max(code, 1)
		}
	}
	freeSlot()
	_ = sess.Exit(code)
}

// beginSession counts a new session, or says why there is no room for it.
func (s *Server) beginSession() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.stopping:
		return errStopping
	case s.open >= s.o.MaxSessions:
		return fmt.Errorf("doradash: too many sessions (%d), try again later", s.o.MaxSessions)
	}
	s.open++
	s.sessionWG.Add(1)
	return nil
}

// freeSlot uncounts a session for MaxSessions; sessionWG still tracks it
// until its handler returns.
func (s *Server) freeSlot() {
	s.mu.Lock()
	s.open--
	s.mu.Unlock()
}

// endMessage is the line a client sees when the server ends its session.
func endMessage(reason error, idle time.Duration) string {
	if errors.Is(reason, errIdle) {
		return fmt.Sprintf("doradash: no input for %s, disconnecting", idle)
	}
	return reason.Error()
}

// runCommand runs a command session through Options.RunCommand and returns
// its exit code.
func (s *Server) runCommand(ctx context.Context, sess ssh.Session) int {
	raw := sess.RawCommand()
	args, err := shlex.Split(raw, true)
	if err != nil {
		fmt.Fprintf(sess.Stderr(), "doradash: cannot parse command %q: %v\n", raw, err)
		return 2
	}
	if args == nil {
		args = []string{}
	}
	s.log.Debug("ssh command", "remote", sess.RemoteAddr().String(), "user", logUser(sess.User()), "args", strings.Join(args, " "))
	return s.o.RunCommand(ctx, args, sess, sess.Stderr())
}

// newProgram builds the session's dashboard program.
func (s *Server) newProgram(ctx context.Context, sess ssh.Session, ci *connInfo, pty ssh.Pty) *tea.Program {
	// filterRequests already clamped the size; this keeps the bound where
	// the program gets it.
	w, h := clampSize(pty.Window)
	model := s.o.NewModel(ctx, newRenderer(sess, pty), w, h)
	p := tea.NewProgram(model,
		tea.WithInput(&activityReader{r: sess, ci: ci}),
		tea.WithOutput(sess),
		tea.WithAltScreen(),
		tea.WithMouseCellMotion(),
		// A dashboard that changes once a second needs no more; it keeps
		// 50 sessions cheap.
		tea.WithFPS(20),
		// Signals belong to the server process, not to one session.
		tea.WithoutSignalHandler(),
		tea.WithEnvironment(sess.Environ()),
	)
	if q, ok := model.(QuitSetter); ok {
		q.SetQuit(p.Quit)
	}
	return p
}

// forwardResizes passes the PTY's window changes, the first being its
// initial size, to p (nil for a command, which has no use for them). The
// channel closes when the client closes the session, which ends it through
// end. It must be drained until then without ever blocking: charmbracelet/ssh
// sends on it from the loop that handles the session's requests, and while
// that send blocks, the whole connection stops reading from the client
// (keepalive replies included). p.Send, though, blocks for as long as the
// program's event loop is busy, which is for good when it is stuck writing
// to a client that does not read. So the sizes go through a one-slot mailbox
// to a goroutine of their own that sends them to p; a size not yet taken is
// replaced by the next one, as only the latest matters.
func (s *Server) forwardResizes(winch <-chan ssh.Window, p *tea.Program, ci *connInfo, end context.CancelCauseFunc) {
	var latest chan tea.WindowSizeMsg
	if p != nil {
		latest = make(chan tea.WindowSizeMsg, 1)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			// Send returns at the latest when the program ends (see the
			// p.Kill in handleSession), and latest is closed when winch is.
			for msg := range latest {
				p.Send(msg)
			}
		}()
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for w := range winch {
			ci.touch()
			if latest == nil {
				continue
			}
			select {
			case <-latest: // not sent yet: superseded
			default:
			}
			// Only this goroutine fills the slot, which is now empty: this
			// never blocks.
			width, height := clampSize(w)
			latest <- tea.WindowSizeMsg{Width: width, Height: height}
		}
		if latest != nil {
			close(latest)
		}
		end(errClientGone)
	}()
}

// runProgram runs the session's program until the user quits or ctx ends
// (the client left, the connection went idle, the server is stopping) and
// returns the exit code.
func (s *Server) runProgram(ctx context.Context, p *tea.Program, sess ssh.Session, ci *connInfo) int {
	// Quit the program when the session ends from outside; kill it if it
	// does not quit in time. Quit blocks while the event loop is busy, for
	// good when the loop is stuck writing to a client that does not read,
	// so it runs on a goroutine of its own, which Run's end releases. Kill
	// does not unblock such a write either: guardSession takes care of it.
	runDone := make(chan struct{})
	quitDone := make(chan struct{})
	go func() {
		defer close(quitDone)
		select {
		case <-runDone:
		case <-ctx.Done():
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				p.Quit()
			}()
			if expired(runDone, s.t.quitGrace) {
				p.Kill()
			}
		}
	}()

	final, err := p.Run()
	close(runDone)
	<-quitDone
	if err != nil && ctx.Err() == nil {
		s.log.Error("ssh dashboard failed", "remote", ci.remote, "user", logUser(sess.User()), "error", err)
		return 1
	}
	if f, ok := final.(Failer); ok {
		if err := f.Err(); err != nil {
			// The error may name server files or internals: the log gets
			// it, the client a plain line.
			s.log.Error("ssh dashboard failed", "remote", ci.remote, "user", logUser(sess.User()), "error", err)
			fmt.Fprintln(sess.Stderr(), errDashboardFailed)
			return 1
		}
	}
	return 0
}

// guardSession makes sure a session ends soon after ctx does, even when its
// handler is stuck writing to a client that stopped reading: the client's
// SSH window is full, and a blocked write watches no context. quitGrace
// after ctx ended, the session's channel is closed, which fails the write
// once the client acknowledges the close; dropGrace later the connection is
// dropped, which fails it in any case. Call the returned function when the
// handler is done.
func (s *Server) guardSession(ctx context.Context, sess ssh.Session, ci *connInfo) (done func()) {
	finished := make(chan struct{})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		select {
		case <-finished:
			return
		case <-ctx.Done():
		}
		if !expired(finished, s.t.quitGrace) {
			return
		}
		s.log.Warn("ssh session did not end in time, closing it", "remote", ci.remote, "user", logUser(sess.User()),
			"reason", context.Cause(ctx).Error())
		_ = sess.Close()
		if expired(finished, s.t.dropGrace) {
			ci.drop("session did not end after being closed")
		}
	}()
	return func() { close(finished) }
}

// expired waits for done or d, whichever comes first, and reports whether
// d passed with done still open.
func expired(done <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return false
	case <-t.C:
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// errDashboardFailed is what a client sees when its dashboard ended on an
// error of its own (see Failer).
var errDashboardFailed = errors.New("doradash: the dashboard stopped on an internal error; the server's log has the details")

// newRenderer returns the session's own lipgloss renderer: its colour
// profile comes from the client's TERM (and COLORTERM or NO_COLOR when the
// client sends them). The background is never queried, as that would race
// with the program for the session's input: COLORFGBG is used when sent,
// otherwise a dark background is assumed.
func newRenderer(sess ssh.Session, pty ssh.Pty) *lipgloss.Renderer {
	if pty.Term == "" || pty.Term == "dumb" {
		return lipgloss.NewRenderer(sess, termenv.WithProfile(termenv.Ascii))
	}
	return lipgloss.NewRenderer(sess,
		termenv.WithEnvironment(environ(sess.Environ())),
		termenv.WithUnsafe(), // the session is not an *os.File but is a terminal
		termenv.WithColorCache(true),
	)
}

// environ is a session's environment for termenv.
type environ []string

// Environ returns the variables as KEY=value strings.
func (e environ) Environ() []string { return e }

// Getenv returns the value of key; the last assignment wins, as in a shell.
func (e environ) Getenv(key string) string {
	for i := len(e) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(e[i], key+"="); ok {
			return v
		}
	}
	return ""
}
