package model

import (
	"slices"
	"strconv"
	"strings"
)

// Team is a named group of services ([[team]] in the configuration).
// Teams are service filters: selecting a team sets Query.Services to its
// services.
type Team struct {
	Name     string
	Services []string
}

// Unassigned names, as a team, the services that no team lists.
const Unassigned = "unassigned"

// Teams are the configured teams, in configuration order. A service
// listed by two teams belongs to the first for labels (Of); both filter
// by it.
type Teams []Team

// Find returns the team named name.
func (ts Teams) Find(name string) (Team, bool) {
	i := slices.IndexFunc(ts, func(t Team) bool { return t.Name == name })
	if i < 0 {
		return Team{}, false
	}
	return ts[i], true
}

// Lists says whether some team lists svc.
func (ts Teams) Lists(svc string) bool {
	return slices.ContainsFunc(ts, func(t Team) bool { return slices.Contains(t.Services, svc) })
}

// Of is the team of svc: the first team listing it, else Unassigned.
func (ts Teams) Of(svc string) string {
	for _, t := range ts {
		if slices.Contains(t.Services, svc) {
			return t.Name
		}
	}
	return Unassigned
}

// UnassignedOf is every service of all that no team lists, in the order
// of all; the empty service is nobody's.
func (ts Teams) UnassignedOf(all []string) []string {
	var out []string
	for _, s := range all {
		if s != "" && !ts.Lists(s) {
			out = append(out, s)
		}
	}
	return out
}

// Services is the service filter of the team named name over the
// dataset's services all: a team's own services (a copy), or for
// Unassigned those of all that no team lists. An unknown name is an
// error that lists the known ones.
func (ts Teams) Services(name string, all []string) ([]string, error) {
	if name == Unassigned {
		return ts.UnassignedOf(all), nil
	}
	if t, ok := ts.Find(name); ok {
		return slices.Clone(t.Services), nil
	}
	return nil, &UnknownTeamError{Name: name, Known: ts.Names()}
}

// Names are the teams' names and Unassigned, for messages.
func (ts Teams) Names() []string {
	out := make([]string, 0, len(ts)+1)
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return append(out, Unassigned)
}

// UnknownTeamError is a team name no team has.
type UnknownTeamError struct {
	Name  string
	Known []string // every name that would do, Unassigned last
}

func (e *UnknownTeamError) Error() string {
	q := make([]string, len(e.Known))
	for i, k := range e.Known {
		q[i] = strconv.Quote(k)
	}
	return "unknown team " + strconv.Quote(e.Name) + " (known: " + strings.Join(q, ", ") + ")"
}
