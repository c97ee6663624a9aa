package github

import "encoding/json"

// The fields of GitHub's REST answers that the source uses (API version
// 2022-11-28). Compact versions of list pages are what the cache keeps.

// apiDeployment is an element of GET /repos/{repo}/deployments.
type apiDeployment struct {
	ID          int64  `json:"id"`
	SHA         string `json:"sha"`
	Environment string `json:"environment"`
	CreatedAt   string `json:"created_at"`
}

// apiStatus is an element of GET /repos/{repo}/deployments/{id}/statuses.
type apiStatus struct {
	ID        int64  `json:"id"`
	State     string `json:"state"`
	CreatedAt string `json:"created_at"`
}

// apiCommitDates are the dates of a commit object.
type apiCommitDates struct {
	Author    *apiPerson `json:"author"`
	Committer *apiPerson `json:"committer"`
}

// apiPerson is a commit's author or committer.
type apiPerson struct {
	Date string `json:"date"`
}

// apiCommit is GET /repos/{repo}/commits/{sha}, and an element of a
// comparison's commits.
type apiCommit struct {
	SHA    string         `json:"sha"`
	Commit apiCommitDates `json:"commit"`
}

// apiComparison is GET /repos/{repo}/compare/{base}...{head}.
type apiComparison struct {
	Status       string      `json:"status"`
	TotalCommits int         `json:"total_commits"`
	Commits      []apiCommit `json:"commits"`
}

// apiRuns is GET /repos/{repo}/actions/workflows/{workflow}/runs.
type apiRuns struct {
	TotalCount   int      `json:"total_count"`
	WorkflowRuns []apiRun `json:"workflow_runs"`
}

// apiRun is one workflow run.
type apiRun struct {
	ID         int64  `json:"id"`
	HeadSHA    string `json:"head_sha"`
	Status     string `json:"status"`
	Conclusion string `json:"conclusion"`
	CreatedAt  string `json:"created_at"`
	UpdatedAt  string `json:"updated_at"`
}

// apiIssue is an element of GET /repos/{repo}/issues.
type apiIssue struct {
	Number      int64      `json:"number"`
	Title       string     `json:"title"`
	State       string     `json:"state"`
	CreatedAt   string     `json:"created_at"`
	ClosedAt    string     `json:"closed_at"`
	Labels      []apiLabel `json:"labels"`
	PullRequest *struct{}  `json:"pull_request,omitempty"`
}

// apiLabel is an issue's label: an object with a name, or (in older
// answers) a bare string.
type apiLabel struct{ Name string }

// UnmarshalJSON accepts both shapes of a label.
func (l *apiLabel) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &l.Name)
	}
	var o struct {
		Name string `json:"name"`
	}
	err := json.Unmarshal(b, &o)
	l.Name = o.Name
	return err
}

// MarshalJSON writes the object shape, so compacted pages read back.
func (l apiLabel) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name string `json:"name"`
	}{l.Name})
}
