package main

import (
	"time"

	"doradash/sources/gitlab"
)

// gitlabKeys are the keys of a gitlab source: SPEC §8.1 and §8.3.
var gitlabKeys = []string{"name", "type", "project", "service", "commit_time", "incidents",
	"api_url", "token_env", "history", "interval", "timeout", "max_bytes", "ca_file", "headers"}

// checkGitLabSource checks a gitlab source's keys as a whole, with the line
// of the key at fault: the required ones, then gitlab.Options.Validate.
func (p *configParser) checkGitLabSource(prefix, what string, s *SourceConfig) error {
	if err := p.requireKeys(prefix, what, required{"project", s.API.Project}, required{"token_env", s.API.TokenEnv}); err != nil {
		return err
	}
	o := gitlabOptions(*s, 30, nil, "")
	return p.optionErr(prefix, what, o.Validate())
}

// gitlabOptions maps a gitlab source's configuration to its options;
// history defaults to twice the window, at least 180 days.
func gitlabOptions(sc SourceConfig, windowDays int, now func() time.Time, userAgent string) gitlab.Options {
	return gitlab.Options{
		Project: sc.API.Project, Service: sc.API.Service, CommitTime: sc.API.CommitTime, Incidents: sc.API.Incidents,
		Access: apiAccess(sc, windowDays, gitlab.MinHistory, now, userAgent),
	}
}
