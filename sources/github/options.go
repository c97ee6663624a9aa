// Package github is the `github` source of SPEC §8.2: deployments and
// their statuses (or a workflow's runs), commits for lead time from
// comparisons, and incidents from labelled issues, read from GitHub's REST
// API with the engine of sources/apisrc.
package github

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"doradash/sources/apisrc"
	"doradash/sources/httpsrc"
)

// Defaults of SPEC §8.2.
const (
	DefaultAPIURL      = "https://api.github.com"
	DefaultEnvironment = "production"
	// MinHistory is the shortest default history (SPEC §8.1).
	MinHistory = 180 * 24 * time.Hour
	apiVersion = "2022-11-28"
)

// Options configures a GitHub source; the cmd package fills it from the
// configuration, then calls Validate.
type Options struct {
	Name string
	// Repo is "owner/name".
	Repo string
	// Service names the records' service; "": the repository's name.
	Service string
	// Workflow, when set ("deploy.yml" or a numeric id), reads deployments
	// from that workflow's completed runs instead of the Deployments API;
	// Environment is then their environment ("": production).
	Workflow, Environment string
	// CommitTime is "author" (default) or "committer".
	CommitTime string
	// IncidentLabel, when set, reads issues with that label as incidents.
	IncidentLabel string
	// APIURL is the API's base; "": DefaultAPIURL. GitHub Enterprise
	// Server: "https://github.example.com/api/v3".
	APIURL string
	// Token is sent as a bearer token; cmd reads it from token_env.
	Token string
	// History is how far back before now records are read; 0: MinHistory
	// (cmd passes twice the window, at least MinHistory).
	History time.Duration
	// Timeout and MaxBytes apply to each request; CAFile and Headers as
	// for the http source.
	Timeout  time.Duration
	MaxBytes int64
	CAFile   string
	Headers  map[string]string
	// UserAgent is "doradash/VERSION".
	UserAgent string
	// Now is the end of the window (now, or --now); history counts back
	// from it. nil: time.Now.
	Now func() time.Time
	// Clock paces requests and waits for rate limits; nil: the real clock.
	Clock apisrc.Clock
	// Cache is shared by the process's API sources; nil: memory only.
	Cache *apisrc.Cache
	// MaxWait is the longest rate-limit reset one Fetch waits for (see
	// apisrc.Options); 0: apisrc.DefaultMaxWait.
	MaxWait time.Duration
	// HTTPClient replaces the hardened client (tests).
	HTTPClient *http.Client
}

var repoRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// Validate checks the options and fills defaults; its errors name the key.
func (o *Options) Validate() error {
	switch {
	case o.Repo == "":
		return errors.New(`missing required key "repo"`)
	case !repoRE.MatchString(o.Repo) || o.Repo[0] == '.':
		return fmt.Errorf("repo: %q is not \"owner/name\"", o.Repo)
	case o.Token == "":
		return errors.New("token_env: the token is empty")
	case o.History < 0:
		return fmt.Errorf("history: %v is negative", o.History)
	}
	if err := httpsrc.CheckRequestOptions(o.Timeout, o.MaxBytes, o.CAFile, o.Headers); err != nil {
		return err
	}
	if o.APIURL != "" {
		if err := httpsrc.CheckURL("api_url", o.APIURL); err != nil {
			return err
		}
	}
	switch o.CommitTime {
	case "":
		o.CommitTime = "author"
	case "author", "committer":
	default:
		return fmt.Errorf("commit_time: %q is not author or committer", o.CommitTime)
	}
	if o.Environment != "" && o.Workflow == "" {
		return errors.New(`environment: only with "workflow" (deployments carry their own environment)`)
	}
	if o.Environment == "" {
		o.Environment = DefaultEnvironment
	}
	if o.Service == "" {
		o.Service = o.Repo[len(ownerOf(o.Repo))+1:]
	}
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
	}
	if o.History == 0 {
		o.History = MinHistory
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

func ownerOf(repo string) string {
	for i := 0; i < len(repo); i++ {
		if repo[i] == '/' {
			return repo[:i]
		}
	}
	return repo
}
