// Package github is the `github` source of SPEC §8.2: deployments and
// their statuses (or a workflow's runs), commits for lead time from
// comparisons, and incidents from labelled issues, read from GitHub's REST
// API with the engine of sources/apisrc.
package github

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"doradash/sources/apisrc"
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
	// Access: an empty APIURL is DefaultAPIURL, a zero History MinHistory.
	apisrc.Access
}

var repoRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// Validate checks the options and fills defaults; its errors name the key.
func (o *Options) Validate() error {
	switch {
	case o.Repo == "":
		return errors.New(`missing required key "repo"`)
	case !repoRE.MatchString(o.Repo) || o.Repo[0] == '.':
		return fmt.Errorf("repo: %q is not \"owner/name\"", o.Repo)
	}
	if err := o.Access.Validate(DefaultAPIURL, MinHistory); err != nil {
		return err
	}
	if err := apisrc.CheckCommitTime(&o.CommitTime); err != nil {
		return err
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
