package sshd

import (
	"fmt"
	"unicode/utf8"

	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Limits on what one authenticated client can make the server hold or do.
// Whatever a client asks, a session's memory stays bounded by these.
const (
	// MaxColumns and MaxRows bound the terminal size the server believes
	// in: a larger PTY or window change is rendered at this size.
	MaxColumns = 1000
	MaxRows    = 500

	// MaxCommandBytes bounds an exec request's command line; a longer one
	// is refused before it is split into words.
	MaxCommandBytes = 4 << 10

	// maxEnvVars and maxEnvBytes bound the environment a session keeps
	// (keys and values together); env requests beyond them are refused.
	maxEnvVars     = 16
	maxEnvBytes    = 4 << 10
	maxEnvValue    = 256
	maxTermBytes   = 64 // TERM of a pty-req; a longer one is refused
	maxUserLogSize = 64 // bytes of a user name that go to the log

	// maxChannels bounds the session channels open at once on one
	// connection (OpenSSH's MaxSessions default): each may buffer up to
	// its SSH window (2 MiB in x/crypto/ssh) of input nobody reads yet.
	maxChannels = 10
)

// keptEnv are the only variables a session keeps from the client's env
// requests: the ones the dashboard's colour detection reads (termenv). The
// others are refused, as OpenSSH refuses what AcceptEnv does not list.
var keptEnv = map[string]bool{
	"TERM":           true,
	"COLORTERM":      true,
	"NO_COLOR":       true,
	"CLICOLOR":       true,
	"CLICOLOR_FORCE": true,
	"COLORFGBG":      true,
	"TERM_PROGRAM":   true,
}

// agentRequest is OpenSSH's request for agent forwarding.
const agentRequest = "auth-agent-req@openssh.com"

// clampSize bounds a terminal size to MaxColumns×MaxRows (and at least 0).
func clampSize(w ssh.Window) (width, height int) {
	return min(max(w.Width, 0), MaxColumns), min(max(w.Height, 0), MaxRows)
}

// logUser is a user name as it goes to the log: at most maxUserLogSize
// bytes (cut on a rune boundary, marked with "…"). slog quotes any control
// characters.
func logUser(u string) string {
	if len(u) <= maxUserLogSize {
		return u
	}
	cut := maxUserLogSize
	for cut > 0 && !utf8.RuneStart(u[cut]) {
		cut--
	}
	return u[:cut] + "…"
}

// sessionChannel is the handler of "session" channels: charmbracelet/ssh's
// own, behind a filter of the channel's requests (see filterRequests).
// At most maxChannels are open at once on a connection.
func (s *Server) sessionChannel(srv *ssh.Server, conn *gossh.ServerConn, newChan gossh.NewChannel, ctx ssh.Context) {
	ci := connOf(ctx)
	if ci != nil {
		if ci.channels.Add(1) > maxChannels {
			ci.channels.Add(-1)
			_ = newChan.Reject(gossh.ResourceShortage, fmt.Sprintf("at most %d sessions at once on one connection", maxChannels))
			return
		}
		defer ci.channels.Add(-1)
	}
	// It returns once the channel's requests have ended: the channel is
	// closed.
	ssh.DefaultSessionHandler(srv, conn, &filteredChannel{NewChannel: newChan, s: s, ci: ci}, ctx)
}

// filteredChannel is a gossh.NewChannel whose accepted channel's requests
// pass through filterRequests before charmbracelet/ssh sees them.
type filteredChannel struct {
	gossh.NewChannel
	s  *Server
	ci *connInfo
}

// Accept accepts the channel and starts the filter; the filter's goroutine
// ends when the channel's requests do, that is when the channel closes.
func (f *filteredChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := f.NewChannel.Accept()
	if err != nil {
		return ch, reqs, err
	}
	out := make(chan *gossh.Request)
	go f.s.filterRequests(f.ci, ch, reqs, out)
	return ch, out, nil
}

// envState is what a session has kept of its environment so far.
type envState struct{ vars, bytes int }

// filterRequests passes a session channel's requests on to out, closing it
// when reqs closes, after enforcing the limits charmbracelet/ssh does not
// have: the terminal size is clamped in pty-req and window-change, an
// over-long exec command is refused before anything splits it, env requests
// are kept only for the variables the program uses and within maxEnvVars and
// maxEnvBytes, a pty-req is refused for a key with no-pty, and agent
// forwarding is refused.
func (s *Server) filterRequests(ci *connInfo, ch gossh.Channel, reqs <-chan *gossh.Request, out chan<- *gossh.Request) {
	defer close(out)
	var env envState
	for req := range reqs {
		if s.filterRequest(ci, ch, req, &env) {
			out <- req
		}
	}
}

// filterRequest enforces the limits on one request, rewriting its payload
// when a size is clamped, and reports whether it goes on to
// charmbracelet/ssh; when it does not, it has been answered.
func (s *Server) filterRequest(ci *connInfo, ch gossh.Channel, req *gossh.Request, env *envState) bool {
	refuse := func() bool {
		_ = req.Reply(false, nil)
		return false
	}
	switch req.Type {
	case "pty-req":
		var p struct {
			Term                 string
			Cols, Rows, PxW, PxH uint32
			Modes                string
		}
		if gossh.Unmarshal(req.Payload, &p) != nil {
			return true // charmbracelet/ssh refuses it
		}
		if ci != nil && ci.ptyForbidden() {
			s.log.Info("ssh pty refused: the key has no-pty or restrict in authorized_keys", "remote", ci.remote)
			return refuse()
		}
		if len(p.Term) > maxTermBytes {
			return refuse()
		}
		if p.Cols > MaxColumns || p.Rows > MaxRows {
			p.Cols, p.Rows, p.PxW, p.PxH = min(p.Cols, MaxColumns), min(p.Rows, MaxRows), 0, 0
			req.Payload = gossh.Marshal(&p)
		}
	case "window-change":
		var w struct{ Cols, Rows, PxW, PxH uint32 }
		if gossh.Unmarshal(req.Payload, &w) != nil {
			return true
		}
		if w.Cols > MaxColumns || w.Rows > MaxRows {
			w.Cols, w.Rows, w.PxW, w.PxH = min(w.Cols, MaxColumns), min(w.Rows, MaxRows), 0, 0
			req.Payload = gossh.Marshal(&w)
		}
	case "env":
		var kv struct{ Name, Value string }
		if len(req.Payload) > 8+maxEnvBytes || gossh.Unmarshal(req.Payload, &kv) != nil {
			return refuse()
		}
		size := len(kv.Name) + 1 + len(kv.Value)
		if !keptEnv[kv.Name] || len(kv.Value) > maxEnvValue ||
			env.vars >= maxEnvVars || env.bytes+size > maxEnvBytes {
			return refuse()
		}
		env.vars++
		env.bytes += size
	case "exec":
		// The payload is the command as an SSH string: 4 bytes of length
		// first.
		if n := len(req.Payload) - 4; n > MaxCommandBytes {
			// Logged once per connection: a client repeating it must not
			// flood the log.
			if ci != nil && ci.longCommands.Add(1) == 1 {
				s.log.Warn("ssh command refused: too long", "remote", ci.remote, "bytes", n, "limit", MaxCommandBytes)
			}
			fmt.Fprintf(ch.Stderr(), "doradash: command too long (%d bytes; the limit is %d)\n", n, MaxCommandBytes)
			return refuse()
		}
	case agentRequest:
		return refuse()
	}
	return true
}
