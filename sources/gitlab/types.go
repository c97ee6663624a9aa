package gitlab

import "encoding/json"

// The fields of GitLab's REST answers (API v4) that the source uses.
// Compact versions of list pages are what the cache keeps. Every field
// may be missing, null or of another type in an answer; text then reads
// as "", so one odd record never fails a page.

// apiDeployment is an element of GET /projects/{id}/deployments.
type apiDeployment struct {
	ID          int64          `json:"id"`
	SHA         text           `json:"sha"`
	Status      text           `json:"status"`
	CreatedAt   text           `json:"created_at"`
	UpdatedAt   text           `json:"updated_at"`
	FinishedAt  text           `json:"finished_at,omitempty"`
	Environment *apiNamed      `json:"environment,omitempty"`
	Deployable  *apiDeployable `json:"deployable,omitempty"`
}

// apiNamed is an object of which only the name is read (an environment).
type apiNamed struct {
	Name text `json:"name"`
}

// apiDeployable is the job that made a deployment.
type apiDeployable struct {
	FinishedAt text `json:"finished_at,omitempty"`
}

// apiCommit is GET /projects/{id}/repository/commits/{sha}, and an element
// of a comparison's commits.
type apiCommit struct {
	ID            text `json:"id"`
	AuthoredDate  text `json:"authored_date"`
	CommittedDate text `json:"committed_date"`
}

// apiComparison is GET /projects/{id}/repository/compare.
type apiComparison struct {
	Commits        []apiCommit `json:"commits"`
	CompareSameRef bool        `json:"compare_same_ref"`
}

// apiIssue is an element of GET /projects/{id}/issues.
type apiIssue struct {
	IID       int64 `json:"iid"`
	Title     text  `json:"title"`
	State     text  `json:"state"`
	CreatedAt text  `json:"created_at"`
	UpdatedAt text  `json:"updated_at"`
	ClosedAt  text  `json:"closed_at,omitempty"`
	Severity  text  `json:"severity,omitempty"`
}

// text is a JSON string; null or any other JSON value reads as "".
type text string

// UnmarshalJSON implements json.Unmarshaler.
func (t *text) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*t = text(s)
	} else {
		*t = ""
	}
	return nil
}
