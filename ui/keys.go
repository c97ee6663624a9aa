package ui

import "github.com/charmbracelet/bubbles/key"

// keyMap is every key binding of the dashboard.
type keyMap struct {
	Quit        key.Binding
	Help        key.Binding
	Refresh     key.Binding
	WindowPrev  key.Binding
	WindowNext  key.Binding
	Service     key.Binding
	ServiceBack key.Binding
	Team        key.Binding // disabled when no teams are configured
	TeamBack    key.Binding
	Focus       key.Binding
	FocusBack   key.Binding
	Up          key.Binding
	Down        key.Binding
	PageUp      key.Binding
	PageDown    key.Binding
	Top         key.Binding
	Bottom      key.Binding
	Open        key.Binding
	Back        key.Binding
	Records     key.Binding
	Filter      key.Binding
	NextMatch   key.Binding
	PrevMatch   key.Binding
	Order       key.Binding
	Mouse       key.Binding

	// window shows [ and ] as one entry in the short help.
	window key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Quit:        key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Help:        key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Refresh:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh now")),
		WindowPrev:  key.NewBinding(key.WithKeys("["), key.WithHelp("[", "shorter window")),
		WindowNext:  key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "longer window")),
		Service:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "next service")),
		ServiceBack: key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "previous service")),
		Team:        key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "next team")),
		TeamBack:    key.NewBinding(key.WithKeys("T"), key.WithHelp("T", "previous team")),
		Focus:       key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next panel")),
		FocusBack:   key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous panel")),
		Up:          key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "scroll up")),
		Down:        key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "scroll down")),
		PageUp:      key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown:    key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Top:         key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first row")),
		Bottom:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last row")),
		Open:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open panel")),
		Back:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Records:     key.NewBinding(key.WithKeys("enter", "tab"), key.WithHelp("enter", "records")),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		NextMatch:   key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next match")),
		PrevMatch:   key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous match")),
		Order:       key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "order by duration")),
		Mouse:       key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "mouse on/off")),
		window:      key.NewBinding(key.WithKeys("[", "]"), key.WithHelp("[ ]", "window")),
	}
}

// helpKeys is the key map the help bubble shows: it depends on the screen.
type helpKeys struct {
	k      *keyMap
	screen screen
}

// ShortHelp is the one-line help.
func (h helpKeys) ShortHelp() []key.Binding {
	k := h.k
	switch h.screen {
	case screenDetail:
		return []key.Binding{k.Back, k.Records, k.window, k.Service, k.Help, k.Quit}
	case screenSource:
		return sourceHelp(k)
	case screenDrill:
		return []key.Binding{k.Back, k.Filter, k.NextMatch, k.Mouse, k.window, k.Help, k.Quit}
	}
	return []key.Binding{k.Help, k.Quit, k.window, k.Service, k.Team, k.Focus, k.Open, k.Refresh}
}

// FullHelp is the expanded help, in columns.
func (h helpKeys) FullHelp() [][]key.Binding {
	k := h.k
	switch h.screen {
	case screenDetail:
		return [][]key.Binding{
			{k.Back, k.Records, k.Quit, k.Help},
			{k.WindowPrev, k.WindowNext, k.Service, k.ServiceBack, k.Team, k.TeamBack},
			{k.Refresh, k.Mouse},
		}
	case screenSource:
		return [][]key.Binding{sourceHelp(k)}
	case screenDrill:
		return [][]key.Binding{
			{k.Back, k.Filter, k.NextMatch, k.PrevMatch, k.Order},
			{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
			{k.WindowPrev, k.WindowNext, k.Service, k.ServiceBack, k.Team, k.TeamBack},
			{k.Refresh, k.Mouse, k.Help, k.Quit},
		}
	}
	return [][]key.Binding{
		{k.Focus, k.FocusBack, k.Open},
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.WindowPrev, k.WindowNext, k.Service, k.ServiceBack, k.Team, k.TeamBack},
		{k.Refresh, k.Mouse, k.Help, k.Quit},
	}
}
