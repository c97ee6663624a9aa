package github

import (
	"doradash/sources/apisrc"
	"strings"
	"testing"
)

// TestValidate: each invalid option is refused with an error that starts
// with its configuration key, or names the missing one.
func TestValidate(t *testing.T) {
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Access: apisrc.Access{Token: "x"}}, `missing required key "repo"`},
		{Options{Repo: "o/r"}, "token_env: the token is empty"},
		{Options{Repo: "o", Access: apisrc.Access{Token: "x"}}, `repo: "o" is not "owner/name"`},
		{Options{Repo: "o/r", Access: apisrc.Access{Token: "x", History: -1}}, "history: "},
		{Options{Repo: "o/r", CommitTime: "push", Access: apisrc.Access{Token: "x"}}, `commit_time: "push"`},
		{Options{Repo: "o/r", Environment: "prod", Access: apisrc.Access{Token: "x"}}, "environment: only with"},
		{Options{Repo: "o/r", Access: apisrc.Access{Token: "x", Timeout: -1}}, "timeout: "},
		{Options{Repo: "o/r", Access: apisrc.Access{Token: "x", MaxBytes: -1}}, "max_bytes: "},
		{Options{Repo: "o/r", Access: apisrc.Access{Token: "x", Headers: map[string]string{"A B": "1"}}}, `headers: "A B" is not a valid header name`},
		{Options{Repo: "o/r", Access: apisrc.Access{Token: "x", CAFile: "/nonexistent/ca.pem"}}, "ca_file: cannot read /nonexistent/ca.pem"},
		{Options{Repo: "o/r", Access: apisrc.Access{Token: "x", APIURL: "api.github.com"}}, "api_url: "},
	} {
		if err := c.o.Validate(); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
	o := Options{Repo: "o/app", Access: apisrc.Access{Token: "x"}}
	if err := o.Validate(); err != nil || o.Service != "app" || o.APIURL != DefaultAPIURL || o.CommitTime != "author" {
		t.Errorf("defaults: %v %+v", err, o)
	}
}
