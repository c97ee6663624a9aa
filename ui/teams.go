package ui

import (
	"slices"

	tea "github.com/charmbracelet/bubbletea"

	"doradash/model"
)

// Team is a named group of services ([[team]] in the configuration). The
// dashboard knows teams only as service filters: t sets the filter to a
// team's services.
type Team = model.Team

// Unassigned names the services no Team lists, as a team: Options.Team
// selects them with it.
const Unassigned = model.Unassigned

// teams are the configured teams and which of them filters the
// dashboard. sel 0 is everyone (no team), 1…len(list) the team
// list[sel-1], len(list)+1 the unassigned services.
type teams struct {
	list model.Teams
	sel  int
}

// newTeams selects the team named name ("": everyone; Unassigned: the
// unassigned services; unknown: everyone).
func newTeams(list []Team, name string) teams {
	t := teams{list: list}
	switch i := slices.IndexFunc(list, func(x Team) bool { return x.Name == name }); {
	case i >= 0:
		t.sel = i + 1
	case name == Unassigned && len(list) > 0:
		t.sel = t.unassigned()
	}
	return t
}

// unassigned is the sel of the unassigned services.
func (t teams) unassigned() int { return len(t.list) + 1 }

// team is the selected configured team, or nil (everyone, unassigned).
func (t teams) team() *Team {
	if t.sel < 1 || t.sel > len(t.list) {
		return nil
	}
	return &t.list[t.sel-1]
}

// filter is the service filter of selection sel over the dataset's
// services all: a team's services, or those of all in no team; nil for
// everyone.
func (t teams) filter(sel int, all []string) []string {
	switch {
	case sel == 0:
		return nil
	case sel <= len(t.list):
		return slices.Clone(t.list[sel-1].Services)
	}
	return t.list.UnassignedOf(all)
}

// cycle are the selections t steps through over the dataset's services
// all: everyone, each team, and unassigned when some service is in no
// team.
func (t teams) cycle(all []string) []int {
	if len(t.list) == 0 {
		return nil
	}
	out := make([]int, 0, len(t.list)+2)
	for i := range len(t.list) + 1 {
		out = append(out, i)
	}
	if len(t.list.UnassignedOf(all)) > 0 {
		out = append(out, t.unassigned())
	}
	return out
}

// step is the selection after (dir +1) or before (−1) the current one in
// cycle, wrapping around.
func step(cycle []int, cur, dir int) int {
	if len(cycle) == 0 {
		return cur
	}
	i := slices.Index(cycle, cur)
	if i < 0 {
		if dir > 0 {
			return cycle[0]
		}
		return cycle[len(cycle)-1]
	}
	return cycle[(i+dir+len(cycle))%len(cycle)]
}

// members are the services s and S cycle through while a team is
// selected: the team's services the data has (all of them before any
// data, or when the data has none), or the unassigned ones.
func (t teams) members(all []string) []string {
	f := t.filter(t.sel, all)
	if tm := t.team(); tm != nil && len(all) > 0 {
		if in := slices.DeleteFunc(slices.Clone(f), func(s string) bool { return !slices.Contains(all, s) }); len(in) > 0 {
			return in
		}
	}
	return f
}

// stepTeam selects the next (dir +1) or previous (−1) team; its services
// become the filter.
func (m *Model) stepTeam(dir int) tea.Cmd {
	cycle := m.c.teams.cycle(m.services())
	if len(cycle) == 0 {
		return nil
	}
	return m.selectTeam(step(cycle, m.c.teams.sel, dir))
}

// selectTeam makes sel the team and its services the filter.
func (m *Model) selectTeam(sel int) tea.Cmd {
	m.c.teams.sel = sel
	f := m.c.teams.filter(sel, m.services())
	if sel != 0 && len(f) == 0 {
		f = []string{""} // matches nothing, where an empty filter is everything
	}
	return m.setServices(f)
}

// stepService is s (dir +1) and S (−1): with everyone, all → each service
// → all; with a team, the whole team → each of its services → the whole
// team.
func (m *Model) stepService(dir int) tea.Cmd {
	cur := m.c.q.Services
	if m.c.teams.sel == 0 {
		if dir > 0 {
			return m.setServices(nextService(cur, m.services()))
		}
		return m.setServices(prevService(cur, m.services()))
	}
	whole := m.c.teams.filter(m.c.teams.sel, m.services())
	members := m.c.teams.members(m.services())
	if slices.Equal(cur, whole) {
		cur = nil
	}
	var next []string
	if dir > 0 {
		next = nextService(cur, members)
	} else {
		next = prevService(cur, members)
	}
	if next == nil {
		next = whole
	}
	return m.setServices(next)
}

// teamLabel is the service part of the header's query: "team payments",
// "team payments: ledger" for one of its services, "unassigned services";
// "unassigned: search" for one of those; "" when no team is selected.
// Compact: "team payments", "ledger", "unassigned".
func teamLabel(t teams, services []string, compact bool) string {
	switch {
	case t.sel == 0:
		return ""
	case t.sel > len(t.list):
		switch {
		case len(services) == 1 && compact:
			return model.Printable(services[0])
		case len(services) == 1:
			return Unassigned + ": " + model.Printable(services[0])
		case compact:
			return Unassigned
		}
		return Unassigned + " services"
	}
	tm := t.list[t.sel-1]
	name := "team " + model.Printable(tm.Name)
	if slices.Equal(services, tm.Services) {
		return name
	}
	if compact && len(services) == 1 {
		return model.Printable(services[0])
	}
	return name + ": " + printableList(services, ", ")
}
