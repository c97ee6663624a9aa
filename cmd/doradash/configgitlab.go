package main

import (
	"time"

	"doradash/sources/gitlab"
)

// gitlabKeys are the keys of a gitlab source: SPEC §8.1 and §8.3.
var gitlabKeys = []string{"name", "type", "project", "service", "commit_time", "incidents",
	"api_url", "token_env", "history", "interval", "timeout", "max_bytes", "ca_file", "headers"}

// gitlabOptions maps a gitlab source's configuration to its options;
// history defaults to twice the window, at least 180 days.
func gitlabOptions(sc SourceConfig, windowDays int, now func() time.Time, userAgent string) gitlab.Options {
	return gitlab.Options{
		Project: sc.API.Project, Service: sc.API.Service, CommitTime: sc.API.CommitTime, Incidents: sc.API.Incidents,
		Access: apiAccess(sc, windowDays, gitlab.MinHistory, now, userAgent),
	}
}
