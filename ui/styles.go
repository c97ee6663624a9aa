package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"

	"doradash/model"
)

// palette: calm, muted colours that work on dark and light backgrounds.
var (
	colDim     = lipgloss.AdaptiveColor{Light: "#8A8A8A", Dark: "#6C6C6C"}
	colFaint   = lipgloss.AdaptiveColor{Light: "#C8C8C8", Dark: "#3A3A3A"}
	colText    = lipgloss.AdaptiveColor{Light: "#262626", Dark: "#D7D7D7"}
	colAccent  = lipgloss.AdaptiveColor{Light: "#5A4FCF", Dark: "#8B83FF"}
	colGreen   = lipgloss.AdaptiveColor{Light: "#1F8A4C", Dark: "#3FBF75"}
	colBlue    = lipgloss.AdaptiveColor{Light: "#1F6FB2", Dark: "#4FA8E0"}
	colAmber   = lipgloss.AdaptiveColor{Light: "#A86A00", Dark: "#E0A526"}
	colOrange  = lipgloss.AdaptiveColor{Light: "#C05A12", Dark: "#F0883E"}
	colRed     = lipgloss.AdaptiveColor{Light: "#C0362C", Dark: "#F0584E"}
	colChart   = lipgloss.AdaptiveColor{Light: "#6C63D9", Dark: "#7C74E8"}
	colDemoFg  = lipgloss.AdaptiveColor{Light: "#FFFFFF", Dark: "#1A1A1A"}
	colDemoBg  = lipgloss.AdaptiveColor{Light: "#A86A00", Dark: "#E0A526"}
	colFocused = colAccent
)

// styles is every style the dashboard and the text report use, built from
// one renderer so that each SSH session gets its own colour profile.
type styles struct {
	// Every meaning also has a glyph or a word (tier marks, arrows and
	// verdicts, ✓ ✗ ↺ ●), so a renderer without colour loses nothing.
	text, dim, faint, title, accent paint
	value                           paint
	tier                            map[model.Tier]paint
	better, worse, same             paint
	sev                             [7]paint // by severity rank 1–6
	border, borderFocus             paint
	state                           map[model.SourceState]paint
	chart                           paint
	demo, warn, bad, rolled         paint
	help                            help.Styles
}

// paint is a lipgloss style reduced to the escape sequences around a
// single line of text. Rendering thousands of short pieces a frame through
// lipgloss.Style.Render (which handles wrapping, padding, borders, many
// lines) costs more than the whole rest of a frame; the pieces here are
// single lines that need colour and weight only.
type paint struct{ pre, post string }

// paintOf captures what st puts around a line of text, under st's renderer
// (and so its colour profile).
func paintOf(st lipgloss.Style) paint {
	const marker = "x" // SGR sequences hold digits, ';', '[' and 'm' only
	out := st.Render(marker)
	i := strings.Index(out, marker)
	if i < 0 {
		return paint{}
	}
	return paint{pre: out[:i], post: out[i+len(marker):]}
}

// Render paints s, a single line.
func (p paint) Render(s string) string {
	if p.pre == "" && p.post == "" || s == "" {
		return s
	}
	return p.pre + s + p.post
}

func newStyles(r *lipgloss.Renderer) *styles {
	ns := r.NewStyle
	fgs := func(c lipgloss.TerminalColor) lipgloss.Style { return ns().Foreground(c) }
	fg := func(c lipgloss.TerminalColor) paint { return paintOf(fgs(c)) }
	fgb := func(c lipgloss.TerminalColor) paint { return paintOf(fgs(c).Bold(true)) }
	s := &styles{
		text:        fg(colText),
		dim:         fg(colDim),
		faint:       fg(colFaint),
		title:       fgb(colText),
		accent:      fgb(colAccent),
		value:       fgb(colText),
		better:      fg(colGreen),
		worse:       fg(colRed),
		same:        fg(colDim),
		border:      fg(colFaint),
		borderFocus: fg(colFocused),
		chart:       fg(colChart),
		demo:        paintOf(ns().Foreground(colDemoFg).Background(colDemoBg).Bold(true)),
		warn:        fgb(colAmber),
		bad:         fgb(colRed),
		rolled:      fgb(colAmber),
	}
	s.tier = map[model.Tier]paint{
		model.TierElite:  fgb(colGreen),
		model.TierHigh:   fgb(colBlue),
		model.TierMedium: fgb(colAmber),
		model.TierLow:    fgb(colRed),
		model.TierNone:   fg(colDim),
	}
	s.sev = [7]paint{
		fg(colDim),
		fgb(colRed),
		fgb(colOrange),
		fg(colAmber),
		fg(colText),
		fg(colDim),
		fg(colDim),
	}
	s.state = map[model.SourceState]paint{
		model.SourceOK:      fg(colGreen),
		model.SourceStale:   fgb(colAmber),
		model.SourceFailing: fgb(colRed),
		model.SourcePending: fg(colDim),
		// Neither is a fault: the data so far is shown.
		model.SourceSyncing:     fg(colBlue),
		model.SourceRateLimited: fg(colAmber),
	}
	s.help = help.Styles{
		Ellipsis:       fgs(colDim),
		ShortKey:       fgs(colText),
		ShortDesc:      fgs(colDim),
		ShortSeparator: fgs(colFaint),
		FullKey:        fgs(colText),
		FullDesc:       fgs(colDim),
		FullSeparator:  fgs(colFaint),
	}
	return s
}

// tierStyle is the style of a tier's word and marks.
func (s *styles) tierStyle(t model.Tier) paint {
	if st, ok := s.tier[t]; ok {
		return st
	}
	return s.dim
}

// verdictStyle colours a change: green when it improved.
func (s *styles) verdictStyle(v verdict) paint {
	switch v {
	case verdictBetter:
		return s.better
	case verdictWorse:
		return s.worse
	}
	return s.same
}

// sevStyle is the style of a severity label.
func (s *styles) sevStyle(sev model.Severity) paint { return s.sev[sev.Rank()] }

// stateStyle is the style of a source state.
func (s *styles) stateStyle(st model.SourceState) paint {
	if x, ok := s.state[st]; ok {
		return x
	}
	return s.dim
}
