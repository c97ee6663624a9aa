// Package termbg decides whether the dashboard draws for a dark or a light
// terminal background without ever holding the first frame for long.
//
// Bubble Tea v1 asks the terminal for its background colour in its package
// initialisation (tea_init.go), on lipgloss's default renderer, and termenv
// waits up to 5 s for an answer: every doradash command would stall that
// long on a terminal that never answers (a serial console, script, CI).
// This package's init runs before Bubble Tea's (packages initialise in
// import-path order once their imports have, and "doradash/…" sorts before
// "github.com/…"); it fixes the default renderer's background, so that
// query never happens. The dashboard asks with Dark instead, bounded by
// Timeout.
package termbg

import (
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"
)

func init() {
	// Nothing draws with the default renderer's adaptive colours: the
	// dashboard and every SSH session have renderers of their own, and the
	// text report fixes its background. Setting it only stops the query.
	lipgloss.SetHasDarkBackground(true)
}

// Timeout bounds the wait for the terminal's answer to the background
// query. A terminal answers in a few milliseconds (one round trip over
// SSH).
const Timeout = 100 * time.Millisecond

// Dark decides whether to draw for a dark background: the theme when set
// ("dark" or "light"), else what the environment says when the terminal
// cannot be asked (COLORFGBG set, which it then reads; NO_COLOR: colours
// are off anyway; TERM=dumb; in or out not a terminal), else the
// terminal's answer to the query, waited for at most Timeout. Without an
// answer: dark.
func Dark(theme string, in, out any, getenv func(string) string) bool {
	switch theme {
	case "dark":
		return true
	case "light":
		return false
	}
	if dark, ok := fgbgDark(getenv("COLORFGBG")); ok {
		return dark
	}
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return true
	}
	inF, ok1 := in.(*os.File)
	outF, ok2 := out.(*os.File)
	if !ok1 || !ok2 || !term.IsTerminal(inF.Fd()) || !term.IsTerminal(outF.Fd()) {
		return true
	}
	if dark, ok := query(inF, outF, Timeout); ok {
		return dark
	}
	return true
}

// fgbgDark reads COLORFGBG ("15;0": foreground;background as colour
// numbers, the background last): colours 0–6 and 8 are dark.
func fgbgDark(v string) (dark, ok bool) {
	i := strings.LastIndexByte(v, ';')
	if i < 0 {
		return false, false
	}
	n, err := strconv.Atoi(v[i+1:])
	if err != nil || n < 0 || n > 15 {
		return false, false
	}
	return n < 7 || n == 8, true
}

// parseBackground reads the answer to OSC 11 ("\x1b]11;rgb:1e1e/1e1e/1e1e"
// ended by BEL or ST) from the bytes the terminal sent, and says whether
// that colour is dark. ok is false when the answer is not there.
func parseBackground(b []byte) (dark, ok bool) {
	s := string(b)
	i := strings.Index(s, "\x1b]11;rgb:")
	if i < 0 {
		return false, false
	}
	s = s[i+len("\x1b]11;rgb:"):]
	if j := strings.IndexAny(s, "\a\x1b"); j >= 0 {
		s = s[:j]
	} else {
		return false, false
	}
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return false, false
	}
	var rgb [3]float64
	for k, p := range parts {
		if len(p) == 0 || len(p) > 4 {
			return false, false
		}
		v, err := strconv.ParseUint(p, 16, 16)
		if err != nil {
			return false, false
		}
		rgb[k] = float64(v) / float64(uint64(1)<<(4*len(p))-1)
	}
	// Relative luminance, as lightness below one half reads as dark.
	l := 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
	return l < 0.5, true
}
