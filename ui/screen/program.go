package screen

import (
	"fmt"
	"os"

	tea "github.com/charmbracelet/bubbletea"
)

// Program is a Bubble Tea program whose frames a Screen draws (where the
// platform allows: elsewhere Bubble Tea's own renderer at FallbackFPS).
type Program struct {
	*tea.Program
	s       *Screen
	in, out *os.File
}

// FallbackFPS caps the standard renderer where Screen is not used.
const FallbackFPS = 20

// NewProgram returns the program for m on the terminal in, out with the
// further options opts (not renderer, input or output ones).
func NewProgram(m tea.Model, in, out *os.File, opts ...tea.ProgramOption) *Program {
	p := &Program{in: in, out: out}
	opts = append(opts, tea.WithInput(in), tea.WithOutput(out))
	if supported {
		p.s = New(out)
		p.Program = tea.NewProgram(Wrap(m, p.s), append(opts, tea.WithoutRenderer())...)
	} else {
		p.Program = tea.NewProgram(m, append(opts, tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithFPS(FallbackFPS))...)
	}
	return p
}

// Stats returns the views drawn, the frames among them and their bytes so
// far (zero with the standard renderer).
func (p *Program) Stats() (views, frames, bytes int64) {
	if p.s == nil {
		return 0, 0, 0
	}
	return p.s.Stats()
}

// WriteStats writes the program's Stats to path ("views V frames F bytes
// B"), for bench/idle.sh; a failure only loses the measurement.
func (p *Program) WriteStats(path string) {
	v, f, b := p.Stats()
	_ = os.WriteFile(path, fmt.Appendf(nil, "views %d frames %d bytes %d\n", v, f, b), 0o644)
}
