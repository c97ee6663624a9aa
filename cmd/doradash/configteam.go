package main

import (
	"context"

	"fmt"
	"slices"
	"strings"

	"doradash/cmd/doradash/internal/httpapi"
	"doradash/model"
	"doradash/sources/poller"
)

// TeamConfig is one [[team]] table: a named group of services.
type TeamConfig = model.Team

// unassignedTeam is the team of every service no [[team]] lists.
const unassignedTeam = model.Unassigned

func (p *configParser) teams(v any, c *Config) error {
	tables, ok := v.([]map[string]any)
	if !ok {
		return p.errAt("team", "team: write each team as a [[team]] table")
	}
	seen := map[string]int{}
	for i, t := range tables {
		prefix := fmt.Sprintf("team[%d].", i)
		tc, err := p.team(prefix, t)
		if err != nil {
			return err
		}
		if j, dup := seen[tc.Name]; dup {
			return p.errAt(prefix+"name", "team %q: duplicate name (also team %d)", tc.Name, j+1)
		}
		seen[tc.Name] = i
		c.Teams = append(c.Teams, tc)
	}
	return nil
}

func (p *configParser) team(prefix string, t map[string]any) (TeamConfig, error) {
	var tc TeamConfig
	header := strings.TrimSuffix(prefix, ".")
	name, ok := t["name"]
	if !ok {
		return tc, p.errAt(header, "team: missing required key \"name\"")
	}
	var err error
	if tc.Name, err = p.str(prefix+"name", "team name", name); err != nil {
		return tc, err
	}
	switch tc.Name {
	case "":
		return tc, p.errAt(prefix+"name", "team: name must not be empty")
	case unassignedTeam:
		return tc, p.errAt(prefix+"name", "team: %q is the team of the services no team lists; choose another name", unassignedTeam)
	}
	what := fmt.Sprintf("team %q", tc.Name)
	for _, k := range p.sortedKeys(prefix, t) {
		switch k {
		case "name":
		case "services":
			tc.Services, err = p.strings(prefix+k, what+": services", t[k])
			if err != nil {
				return tc, err
			}
			if len(tc.Services) == 0 {
				return tc, p.errAt(prefix+k, "%s: services: list at least one service", what)
			}
			for i, s := range tc.Services {
				if s == "" {
					return tc, p.errAt(prefix+k, "%s: services[%d]: a service name must not be empty", what, i)
				}
				if slices.Index(tc.Services, s) < i {
					return tc, p.errAt(prefix+k, "%s: services: %q is listed twice", what, s)
				}
			}
		default:
			return tc, p.errAt(prefix+k, "%s: unknown key %q (name, services)", what, k)
		}
	}
	if tc.Services == nil {
		return tc, p.errAt(header, "%s: missing required key \"services\"", what)
	}
	return tc, nil
}

// selectTeam applies --team: a named team's services become the service
// filter, intersected with the services already asked for (--service or
// the configuration's services). "unassigned" depends on the data: it is
// resolved by teamFilter once a dataset is there. An unknown team is a
// usage error that lists the known ones.
func (s *settings) selectTeam(name string) error {
	if name == unassignedTeam {
		s.team = name
		return nil
	}
	svcs, err := s.cfg.Teams.Services(name, nil)
	if err != nil {
		return usagef("--team: %v", err)
	}
	s.team = name
	s.cfg.Query.Services = intersectServices(svcs, s.cfg.Query.Services)
	return nil
}

// resolveTeam makes --team unassigned a service filter over ds: every
// service of ds that no team lists, intersected with the services asked
// for. Other teams were resolved by selectTeam; then it does nothing.
func (s *settings) resolveTeam(ds *model.Dataset) {
	if s.team != unassignedTeam || s.teamResolved {
		return
	}
	s.teamResolved = true
	s.cfg.Query.Services = intersectServices(s.cfg.Teams.UnassignedOf(ds.Services()), s.cfg.Query.Services)
}

// intersectServices is team ∩ asked (asked empty: all). An empty result
// is the filter [""], which matches nothing (SPEC §2), where an empty
// filter would match everything.
func intersectServices(team, asked []string) []string {
	out := slices.Clone(team)
	if len(asked) > 0 {
		out = slices.DeleteFunc(out, func(x string) bool { return !slices.Contains(asked, x) })
	}
	if len(out) == 0 {
		return []string{""}
	}
	return out
}

// httpTeams are the configured teams for the HTTP endpoints.
func (c *Config) httpTeams() []httpapi.Team { return cloneTeams(c.Teams) }

// cloneTeams copies teams, their service lists too.
func cloneTeams(teams model.Teams) model.Teams {
	out := make(model.Teams, 0, len(teams))
	for _, t := range teams {
		out = append(out, model.Team{Name: t.Name, Services: slices.Clone(t.Services)})
	}
	return out
}

// resolveTeamFirst resolves --team unassigned before a live command
// starts: the team depends on the data, so every source is polled once
// first. The services are those of that first poll.
func (s *settings) resolveTeamFirst(ctx context.Context, p *poller.Poller) {
	if s.team == unassignedTeam && !s.teamResolved {
		s.resolveTeam(p.PollOnce(ctx).Data)
	}
}
