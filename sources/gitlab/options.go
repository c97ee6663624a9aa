// Package gitlab is the `gitlab` source of SPEC §8.3: a project's
// deployments, commits for lead time from the repository compare API, and
// incidents from issues of type incident, read from GitLab's REST API (v4)
// with the engine of sources/apisrc.
package gitlab

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"doradash/sources/apisrc"
	"doradash/sources/httpsrc"
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
	Name string
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
	// APIURL is the instance ("https://gitlab.example.com"); requests go
	// to APIURL + "/api/v4". "": DefaultAPIURL.
	APIURL string
	// Token is sent as PRIVATE-TOKEN; cmd reads it from token_env.
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

// Validate checks the options and fills defaults; its errors start with
// the key at fault.
func (o *Options) Validate() error {
	switch {
	case o.Project == "":
		return errors.New(`missing required key "project"`)
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
	if err := checkProject(o.Project); err != nil {
		return err
	}
	switch o.CommitTime {
	case "":
		o.CommitTime = "author"
	case "author", "committer":
	default:
		return fmt.Errorf("commit_time: %q is not author or committer", o.CommitTime)
	}
	if o.Service == "" {
		if numeric(o.Project) {
			return fmt.Errorf("service: required when project is a numeric id (%s)", o.Project)
		}
		o.Service = o.Project[strings.LastIndexByte(o.Project, '/')+1:]
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
