package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"
)

// testTeams are two teams over the demo services (auth, catalog, checkout,
// gateway, notifications, payments, search); ledger has no data; auth,
// gateway, notifications and search are in no team.
var testTeams = []Team{
	{Name: "payments", Services: []string{"payments", "ledger"}},
	{Name: "shop", Services: []string{"checkout", "catalog"}},
}

// teamModel is a w×h demo dashboard with teams, rotating every rotate
// (0: off), whose clock reads *now.
func teamModel(t testing.TB, now *time.Time, w, h int, teams []Team, rotate time.Duration) *Model {
	t.Helper()
	o := testOptions(nil, termenv.Ascii)
	o.Clock = func() time.Time { return *now }
	o.Teams, o.Rotate = teams, rotate
	m := New(o)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	_, cmd := m.Update(versionMsg{v: demoVersion()})
	settle(t, m, cmd)
	if m.c.snap == nil {
		t.Fatal("no snapshot after the version")
	}
	return m
}

// headerLine is the first line of m's view.
func headerLine(m *Model) string {
	return strings.SplitN(m.View(), "\n", 2)[0]
}

// TestTeamKeyCycles: t steps everyone → each team → unassigned → everyone,
// T backwards; each step's filter is the team's services and the header
// names the team.
func TestTeamKeyCycles(t *testing.T) {
	unassigned := []string{"auth", "gateway", "notifications", "search"}
	steps := []struct {
		key      string
		services []string
		header   string
	}{
		{"t", []string{"payments", "ledger"}, "· team payments"},
		{"t", []string{"checkout", "catalog"}, "· team shop"},
		{"t", unassigned, "· unassigned services"},
		{"t", nil, "· all services"},
		{"T", unassigned, "· unassigned services"},
		{"T", []string{"checkout", "catalog"}, "· team shop"},
	}
	now := testNow
	m := teamModel(t, &now, 160, 45, testTeams, 0)
	for i, s := range steps {
		press(t, m, s.key)
		if !slices.Equal(m.c.q.Services, s.services) || !slices.Equal(m.c.snap.q.Services, s.services) {
			t.Fatalf("step %d (%s): services %q, computed %q, want %q", i, s.key, m.c.q.Services, m.c.snap.q.Services, s.services)
		}
		if h := headerLine(m); !strings.Contains(h, s.header) {
			t.Errorf("step %d (%s): header %q lacks %q", i, s.key, h, s.header)
		}
	}
}

// TestTeamCycle: the selections t steps through, with and without
// services in no team.
func TestTeamCycle(t *testing.T) {
	all := []string{"auth", "catalog", "checkout", "payments"}
	tests := []struct {
		name  string
		teams []Team
		all   []string
		want  []int
	}{
		{"no teams", nil, all, nil},
		{"unassigned services", testTeams, all, []int{0, 1, 2, 3}},
		{"every service in a team", append(slices.Clone(testTeams), Team{Name: "id", Services: []string{"auth"}}), all, []int{0, 1, 2, 3}},
		{"no data yet", testTeams, nil, []int{0, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := newTeams(tt.teams, "").cycle(tt.all); !slices.Equal(got, tt.want) {
				t.Errorf("cycle %v, want %v", got, tt.want)
			}
		})
	}
	cycle := []int{0, 1, 2, 3}
	for _, tt := range []struct{ cur, dir, want int }{
		{0, +1, 1}, {3, +1, 0}, {0, -1, 3}, {2, -1, 1},
		{7, +1, 0}, {7, -1, 3}, // a selection no longer in the cycle
	} {
		if got := step(cycle, tt.cur, tt.dir); got != tt.want {
			t.Errorf("step(%d, %+d) = %d, want %d", tt.cur, tt.dir, got, tt.want)
		}
	}
}

// TestServiceKeyWithinTeam: with a team selected, s steps through the
// team's services that have data and back to the whole team.
func TestServiceKeyWithinTeam(t *testing.T) {
	now := testNow
	m := teamModel(t, &now, 160, 45, testTeams, 0)
	press(t, m, "t", "t") // shop
	want := [][]string{{"checkout"}, {"catalog"}, {"checkout", "catalog"}, {"checkout"}}
	for i, w := range want {
		press(t, m, "s")
		if !slices.Equal(m.c.q.Services, w) {
			t.Fatalf("s #%d: services %q, want %q", i+1, m.c.q.Services, w)
		}
	}
	if h := headerLine(m); !strings.Contains(h, "team shop: checkout") {
		t.Errorf("header %q does not name team and service", h)
	}
	press(t, m, "S", "S")
	if !slices.Equal(m.c.q.Services, []string{"catalog"}) {
		t.Errorf("S S: services %q", m.c.q.Services)
	}
	// payments' ledger has no data: s skips it.
	press(t, m, "T", "s", "s")
	if !slices.Equal(m.c.q.Services, []string{"payments", "ledger"}) {
		t.Errorf("s twice in payments: services %q, want the whole team", m.c.q.Services)
	}
}

// TestTeamFromOptions: the team --team selected is named from the start,
// unassigned too.
func TestTeamFromOptions(t *testing.T) {
	for _, tt := range []struct{ team, header string }{
		{"shop", "team shop"},
		{Unassigned, "unassigned services"},
		{"", "all services"},
	} {
		o := testOptions(nil, termenv.Ascii)
		o.Teams, o.Team = testTeams, tt.team
		m := New(o)
		m.Update(tea.WindowSizeMsg{Width: 160, Height: 45})
		if h := headerLine(m); !strings.Contains(h, tt.header) {
			t.Errorf("--team %q: header %q lacks %q", tt.team, h, tt.header)
		}
	}
}

// TestTeamKeyWithoutTeams: with no teams t does nothing and the help does
// not offer it.
func TestTeamKeyWithoutTeams(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 160, 45)
	gen := m.c.qGen
	press(t, m, "t", "T")
	if m.c.qGen != gen || m.c.q.Services != nil {
		t.Errorf("t changed the query to %q", m.c.q.Services)
	}
	press(t, m, "?")
	if strings.Contains(m.View(), "next team") {
		t.Error("the help offers t without teams")
	}
	now := testNow
	m = teamModel(t, &now, 160, 45, testTeams, 0)
	if !strings.Contains(m.View(), "t next team") {
		t.Error("the help does not offer t with teams")
	}
}

// TestTeamLabel: the header's service part for each selection, full and
// compact.
func TestTeamLabel(t *testing.T) {
	tests := []struct {
		sel            int
		services       []string
		full, compactL string
	}{
		{0, nil, "", ""},
		{1, []string{"payments", "ledger"}, "team payments", "team payments"},
		{1, []string{"ledger"}, "team payments: ledger", "ledger"},
		{3, []string{"auth", "search"}, "unassigned services", "unassigned"},
		{3, []string{"search"}, "unassigned: search", "search"},
	}
	for _, tt := range tests {
		ts := teams{list: testTeams, sel: tt.sel}
		if got := teamLabel(ts, tt.services, false); got != tt.full {
			t.Errorf("sel %d %q: %q, want %q", tt.sel, tt.services, got, tt.full)
		}
		if got := teamLabel(ts, tt.services, true); got != tt.compactL {
			t.Errorf("sel %d %q compact: %q, want %q", tt.sel, tt.services, got, tt.compactL)
		}
	}
	// A team name is shown printable.
	ts := teams{list: []Team{{Name: "pay\x1b[2Jments", Services: []string{"a"}}}, sel: 1}
	if got := teamLabel(ts, []string{"a"}, false); strings.ContainsRune(got, '\x1b') {
		t.Errorf("label %q carries an escape", got)
	}
}

// TestGoldenTeam: the desk and wall views with a team selected, and the
// wall while rotating (the header's progress mark).
func TestGoldenTeam(t *testing.T) {
	t.Run("desk-team", func(t *testing.T) {
		now := testNow
		m := teamModel(t, &now, 100, 30, testTeams, 0)
		press(t, m, "t", "t")
		golden.RequireEqual(t, []byte(m.View()))
	})
	t.Run("wall-rotating", func(t *testing.T) {
		now := testNow
		m := teamModel(t, &now, 160, 45, testTeams, 20*time.Second)
		now = now.Add(25 * time.Second)
		_, cmd := m.Update(tickMsg{t: now, at: m.tickAt})
		settle(t, m, cmd)
		golden.RequireEqual(t, []byte(m.View()))
	})
}
