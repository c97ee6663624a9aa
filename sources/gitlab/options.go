// Package gitlab is the `gitlab` source of SPEC §8.3: a project's
// deployments, commits for lead time from the repository compare API, and
// incidents from issues of type incident, read from GitLab's REST API (v4)
// with the engine of sources/apisrc.
package gitlab

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"doradash/sources/apisrc"
)

// Defaults of SPEC §8.3.
const (
	DefaultAPIURL = "https://gitlab.com"
	// MinHistory is the shortest default history (SPEC §8.1).
	MinHistory = 180 * 24 * time.Hour
	apiPrefix  = "/api/v4"
)

// Options configures a GitLab source; the cmd package fills it from the
// configuration, then calls Validate.
type Options struct {
	// Project is the project's full path ("group/sub/app") or its numeric
	// id ("412"), in which case Service is required.
	Project string
	// Service names the records' service; "": the path's last segment.
	Service string
	// CommitTime is "author" (default: authored_date) or "committer"
	// (committed_date).
	CommitTime string
	// Incidents reads issues of type incident as incidents.
	Incidents bool
	// Access: an empty APIURL is DefaultAPIURL, a zero History MinHistory.
	apisrc.Access
}

// Validate checks the options and fills defaults; its errors start with
// the key at fault.
func (o *Options) Validate() error {
	switch {
	case o.Project == "":
		return errors.New(`missing required key "project"`)
	}
	if err := o.Access.Validate(DefaultAPIURL, MinHistory); err != nil {
		return err
	}
	if err := checkProject(o.Project); err != nil {
		return err
	}
	if err := apisrc.CheckCommitTime(&o.CommitTime); err != nil {
		return err
	}
	if o.Service == "" {
		if numeric(o.Project) {
			return fmt.Errorf("service: required when project is a numeric id (%s)", o.Project)
		}
		o.Service = o.Project[strings.LastIndexByte(o.Project, '/')+1:]
	}
	return nil
}

// checkProject accepts a numeric id or a full path of at least two
// segments of the characters GitLab allows in paths.
func checkProject(p string) error {
	if numeric(p) {
		if p[0] == '0' {
			return fmt.Errorf("project: %q is not a project id (no leading zeros)", p)
		}
		return nil
	}
	if strings.Contains(p, "://") {
		return fmt.Errorf("project: %q is a URL; write the project's path (\"group/app\") and set api_url to the instance", p)
	}
	segs := strings.Split(p, "/")
	bad := len(segs) < 2
	for _, s := range segs {
		if s == "" || s == "." || s == ".." || s[0] == '-' || strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != "" {
			bad = true
		}
	}
	if bad {
		return fmt.Errorf("project: %q is not a project path like \"group/app\" or \"group/sub/app\", nor a numeric id", p)
	}
	return nil
}

func numeric(p string) bool {
	if p == "" || len(p) > 18 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

// projectPath is the project's part of request paths: the id, or the
// path URL-encoded as one segment ("group%2Fsub%2Fapp").
func projectPath(p string) string { return "/projects/" + url.PathEscape(p) }

// baseURL is the REST API's base for an instance URL; an api_url that
// already ends in /api/v4 is taken as it is.
func baseURL(apiURL string) string {
	u := strings.TrimRight(apiURL, "/")
	if strings.HasSuffix(u, apiPrefix) {
		return u
	}
	return u + apiPrefix
}
