package main

import (
	"strings"
	"time"

	"doradash/sources/gitlab"
)

// gitlabKeys are the keys of a gitlab source: SPEC §8.1 and §8.3.
var gitlabKeys = []string{"name", "type", "project", "service", "commit_time", "incidents",
	"api_url", "token_env", "history", "interval", "timeout", "max_bytes", "ca_file", "headers"}

// boolean reads true or false.
func (p *configParser) boolean(key, label string, v any) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, p.errAt(key, "%s: expected true or false, got %s", label, describe(v))
	}
	return b, nil
}

// checkGitLabSource checks a gitlab source's keys as a whole, with the line
// of the key at fault: the required ones, then gitlab.Options.Validate.
func (p *configParser) checkGitLabSource(prefix, what string, s *SourceConfig) error {
	header := strings.TrimSuffix(prefix, ".")
	for _, req := range []struct{ key, val string }{{"project", s.API.Project}, {"token_env", s.API.TokenEnv}} {
		if req.val == "" {
			return p.errAt(header, "%s: missing required key %q", what, req.key)
		}
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
