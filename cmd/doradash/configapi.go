package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"doradash/sources/github"
)

// APIConfig holds the keys of the API sources of SPEC §8 (type github).
type APIConfig struct {
	Repo          string
	Project       string // gitlab
	Incidents     bool   // gitlab
	Service       string
	Workflow      string
	Environment   string
	CommitTime    string
	IncidentLabel string
	APIURL        string
	TokenEnv      string
	Token         string             // read from TokenEnv; never printed
	History       time.Duration      // 0: twice the window, at least 180 days
	IncidentTool  IncidentToolConfig // pagerduty, incidentio
}

// githubKeys are the keys of a github source: SPEC §8.1 and §8.2.
var githubKeys = []string{"name", "type", "repo", "service", "workflow", "environment", "commit_time",
	"incident_label", "api_url", "token_env", "history", "interval", "timeout", "max_bytes", "ca_file", "headers"}

// apiKey reads one key of an API source that other source types do not
// have.
func (p *configParser) apiKey(s *SourceConfig, k, key, label string, v any) error {
	a := &s.API
	var err error
	switch k {
	case "name", "type": // read before the other keys
	case "repo":
		a.Repo, err = p.str(key, label, v)
	case "project":
		a.Project, err = p.str(key, label, v)
	case "incidents":
		a.Incidents, err = p.boolean(key, label, v)
	case "service":
		a.Service, err = p.str(key, label, v)
	case "workflow":
		a.Workflow, err = p.str(key, label, v)
	case "environment":
		a.Environment, err = p.str(key, label, v)
	case "commit_time":
		a.CommitTime, err = p.str(key, label, v)
	case "incident_label":
		a.IncidentLabel, err = p.str(key, label, v)
	case "api_url":
		a.APIURL, err = p.str(key, label, v)
	case "token_env":
		a.TokenEnv, err = p.str(key, label, v)
		if err == nil {
			a.Token = p.getenv(a.TokenEnv)
			if a.Token == "" {
				err = p.errAt(key, "%s: environment variable %s is not set or empty", label, a.TokenEnv)
			}
		}
	case "history":
		a.History, err = p.historyKey(key, label, v)
	default:
		if ok, kerr := p.incidentToolKey(s, k, key, label, v); ok {
			return kerr
		}
		err = p.errAt(key, "%s: unknown key", label)
	}
	return err
}

// historyKey reads a history: whole days ("180d") or a duration ("4320h").
func (p *configParser) historyKey(key, label string, v any) (time.Duration, error) {
	if s, ok := v.(string); ok && strings.HasSuffix(strings.TrimSpace(s), "d") {
		var n int
		if _, err := fmt.Sscanf(strings.TrimSpace(s), "%dd", &n); err != nil || n < 1 || n > 3660 {
			return 0, p.errAt(key, "%s: %q is not a number of days like \"180d\" (1d to 3660d)", label, s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return p.duration(key, label, v)
}

// checkAPISource checks an API source's keys as a whole, with the line of
// the key at fault: the required ones (for messages that name the key
// rather than the empty token), then the source's own Validate.
func (p *configParser) checkAPISource(prefix, what string, s *SourceConfig) error {
	var keys []required
	var validate func() error
	switch s.Type {
	case "github":
		keys = []required{{"repo", s.API.Repo}, {"token_env", s.API.TokenEnv}}
		validate = func() error { o := githubOptions(*s, 30, nil, ""); return o.Validate() }
	case "gitlab":
		keys = []required{{"project", s.API.Project}, {"token_env", s.API.TokenEnv}}
		validate = func() error { o := gitlabOptions(*s, 30, nil, ""); return o.Validate() }
	case "pagerduty":
		keys = []required{{"token_env", s.API.TokenEnv}}
		validate = func() error { o := pagerdutyOptions(*s, 30, nil, ""); return o.Validate() }
	case "incidentio":
		keys = []required{{"token_env", s.API.TokenEnv}}
		validate = func() error { o := incidentioOptions(*s, 30, nil, ""); return o.Validate() }
	default:
		return nil
	}
	if err := p.requireKeys(prefix, what, keys...); err != nil {
		return err
	}
	return p.optionErr(prefix, what, validate())
}

// githubOptions maps a github source's configuration to its options;
// history defaults to twice the window, at least 180 days.
func githubOptions(sc SourceConfig, windowDays int, now func() time.Time, userAgent string) github.Options {
	return github.Options{
		Repo: sc.API.Repo, Service: sc.API.Service, Workflow: sc.API.Workflow, Environment: sc.API.Environment,
		CommitTime: sc.API.CommitTime, IncidentLabel: sc.API.IncidentLabel,
		Access: apiAccess(sc, windowDays, github.MinHistory, now, userAgent),
	}
}

// cacheDirKey reads the top-level cache_dir.
func (p *configParser) cacheDirKey(key string, v any) (string, error) {
	d, err := p.str(key, "cache_dir", v)
	if err == nil && d == "" {
		err = p.errAt(key, "cache_dir: must not be empty (use --no-cache to run without the cache)")
	}
	return p.resolve(d), err
}

// defaultCacheDir is $XDG_CACHE_HOME/doradash, else ~/.cache/doradash;
// "" when neither variable is set.
func defaultCacheDir(getenv func(string) string) string {
	if x := getenv("XDG_CACHE_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "doradash")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".cache", "doradash")
	}
	return ""
}
