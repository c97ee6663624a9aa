//go:build !unix

package screen

import tea "github.com/charmbracelet/bubbletea"

const supported = false

// Run runs the program with Bubble Tea's own renderer.
func (p *Program) Run() (tea.Model, error) { return p.Program.Run() }

// StatsOnSignal does nothing here: there is no SIGUSR1.
func (p *Program) StatsOnSignal(path string) (stop func()) { return func() {} }
