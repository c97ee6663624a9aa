package main

import (
	"fmt"
	"log/slog"
	"time"

	"doradash/model"
	"doradash/sources"
	"doradash/sources/demo"
	"doradash/sources/github"
	"doradash/sources/gitlab"
	"doradash/sources/httpsrc"
	"doradash/sources/incidentio"
	"doradash/sources/pagerduty"
	"doradash/sources/poller"
	"doradash/sources/transform"
)

// buildPoller turns the configured sources into a poller. Errors here are
// configuration errors (a bad CA file, an unusable URL).
func buildPoller(s *settings, log *slog.Logger) (*poller.Poller, error) {
	clock := s.clock()
	entries := make([]poller.Entry, 0, len(s.cfg.Sources))
	api := s.apiEnv()
	for _, sc := range s.cfg.Sources {
		src, err := buildSource(sc, clock, api)
		if err != nil {
			// The configuration parser checks what it can with lines;
			// this is the rest (the source's own error names it).
			return nil, &ConfigError{File: s.cfg.Name, Msg: err.Error()}
		}
		entries = append(entries, poller.Entry{Source: src, Interval: sc.Interval})
	}
	return poller.New(entries, poller.Options{Clock: clock, Logger: log}), nil
}

// buildSource builds the source of sc, whose options the configuration
// parser has validated (checkSource): its errors are the few a parser
// cannot see, like a CA file removed since.
func buildSource(sc SourceConfig, clock func() time.Time, api *apiEnv) (sources.Source, error) {
	ua := "doradash/" + versionString()
	switch sc.Type {
	case "file":
		return sources.NewFile(fileOptions(sc)), nil
	case "http":
		if sc.Transform.Program != "" {
			return transform.New(transformOptions(sc, ua))
		}
		return httpsrc.New(httpOptions(sc, ua))
	case "demo":
		return demo.NewFromOptions(demoOptions(sc, clock))
	case "github":
		o := githubOptions(sc, api.windowDays, clock, ua)
		o.Cache = api.cache()
		return github.New(o)
	case "gitlab":
		o := gitlabOptions(sc, api.windowDays, clock, ua)
		o.Cache = api.cache()
		return gitlab.New(o)
	case "pagerduty":
		o := pagerdutyOptions(sc, api.windowDays, clock, ua)
		o.Cache = api.cache()
		return pagerduty.New(o)
	case "incidentio":
		o := incidentioOptions(sc, api.windowDays, clock, ua)
		o.Cache = api.cache()
		return incidentio.New(o)
	}
	return nil, fmt.Errorf("%w %q", sources.ErrUnsupported, sc.Type)
}

// query is the model query of the settings at instant end.
func (s *settings) query(end time.Time) model.Query {
	q := s.cfg.Query
	q.End = end
	return q
}

// report computes the report of v as of the settings' clock.
func (s *settings) report(v *model.Version) *model.Report {
	s.resolveTeam(v.Data)
	r := model.Compute(v.Data, s.query(s.clock()()))
	r.Sources = model.SourceReports(v.Sources)
	return r
}
