package main

import (
	"strings"
	"testing"
	"time"

	"doradash/model"
)

// TestCheckLine pins what `check` says per source: the state word, the
// record counts or the error, how far an unfinished first read got, and an
// API source's requests and headroom.
func TestCheckLine(t *testing.T) {
	tests := []struct {
		name string
		st   model.SourceStatus
		want []string
	}{
		{
			name: "ok file",
			st:   model.SourceStatus{Name: "deploys", Target: "d.ndjson", OK: true, State: model.SourceOK, Deployments: 3, Incidents: 1, Rejected: 1, FirstRejection: "line 2: id: empty string"},
			want: []string{"ok  ", "3 deployments, 1 incidents, 1 rejected", "first rejected: line 2: id: empty string"},
		},
		{
			name: "failing",
			st:   model.SourceStatus{Name: "api", Target: "https://x", State: model.SourceFailing, Error: "HTTP 503 Service Unavailable"},
			want: []string{"FAIL", "HTTP 503 Service Unavailable"},
		},
		{
			name: "rate limited mid first read",
			st: model.SourceStatus{Name: "gh", Target: "https://api.github.com/repos/a/b", State: model.SourceRateLimited,
				Error: "rate limited until 14:05:00", Deployments: 412, Progress: "412 deployments, page 5",
				RateLimitedUntil: time.Date(2026, 11, 20, 14, 5, 0, 0, time.UTC),
				API:              &model.APIStats{Requests: 500, Cached: 3, RateRemaining: 0, RateLimit: 5000}},
			want: []string{"RATE", "rate limited until 14:05:00", "kept 412 deployments", "first read unfinished: 412 deployments, page 5", "500 requests, 3 answers from the cache or 304, rate limit 0 of 5000 left"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkLine(tt.st, 8, 20)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("checkLine = %q\nwant it to contain %q", got, w)
				}
			}
		})
	}
}
