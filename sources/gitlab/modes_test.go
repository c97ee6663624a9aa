package gitlab

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"doradash/sources/apisrc"
	"doradash/sources/apisrc/apitest"
)

func TestRestartWithTheCacheCostsOnlyConditionalRequests(t *testing.T) {
	f := newFake(t)
	f.GenerateDeployments(500, epoch)
	f.GenerateIncidents(300, epoch)
	dir := t.TempDir()
	mod := func(o *Options) { o.Incidents = true }
	first := fetch(t, newTestSource(t, f, apisrc.OpenCache(dir, nil), mod))
	n1, _ := f.Counts()

	s2 := newTestSource(t, f, apisrc.OpenCache(dir, nil), mod)
	again := fetch(t, s2)
	n2, nm := f.Counts()
	// 5 deployment pages and 3 issue pages, all 304.
	if n2-n1 != 8 || nm != 8 {
		t.Errorf("restart cost %d requests, %d of them 304; want 8 and 8", n2-n1, nm)
	}
	sortBatch(first.Batch)
	sortBatch(again.Batch)
	if !reflect.DeepEqual(first.Batch, again.Batch) {
		t.Error("restart from the cache changed the records")
	}
	if p := s2.Progress(); p.Cached < 400 {
		t.Errorf("progress does not count cached answers: %+v", p)
	}
}

func TestTokenAppearsNowhere(t *testing.T) {
	f := newFake(t)
	f.GenerateDeployments(60, epoch)
	f.Fail500["/repository/compare"] = 9
	dir := t.TempDir()
	s := newTestSource(t, f, apisrc.OpenCache(dir, nil), func(o *Options) {
		o.Timeout = 2 * time.Second
		o.Headers = map[string]string{"X-Extra": "1"}
	})
	texts := append(apitest.FailingTexts(t, s), apitest.LimitedTexts(&f.Core, s, f.Clock.Now().Add(time.Hour))...)
	texts = append(texts, fmt.Sprintf("%+v", s.Progress()))
	if _, err := New(Options{Project: "a/b", Access: apisrc.Access{Token: testToken, APIURL: "ftp://" + testToken}}); err != nil {
		texts = append(texts, err.Error())
	}
	apitest.NoToken(t, testToken, texts, dir, "private-token")
	if f.BadAuth() != 0 {
		t.Error("requests without the token")
	}
}

func TestSyncingPublishesPartialData(t *testing.T) {
	f := newFake(t)
	f.GenerateDeployments(300, epoch)
	sync := apitest.FirstSync(t, newTestSource(t, f, nil, nil))
	if partial := sync.Deployments; len(partial) < 3 || partial[0] >= 270 || partial[0] == 0 {
		t.Fatalf("partial batches: %v", partial)
	}
	if seen := sync.Seen; seen[0].Detail != "100 deployments, page 1" || !seen[0].Syncing {
		t.Errorf("first progress: %+v", seen[0])
	}
}

func TestFetchCancelledLeavesNoGoroutine(t *testing.T) {
	f := newFake(t)
	f.GenerateDeployments(200, epoch)
	f.Hang["/repository/"] = 1
	before := runtime.NumGoroutine()
	s := newTestSource(t, f, nil, func(o *Options) { o.Timeout = time.Minute })
	apitest.CancelLeavesNoGoroutine(t, before, s)
}

func TestHistoryMovingOnForgetsOldRecords(t *testing.T) {
	f := newFake(t)
	f.GenerateDeployments(200, epoch) // 25 days
	now := epoch
	s := newTestSource(t, f, nil, func(o *Options) {
		o.History = 20 * 24 * time.Hour
		o.Now = func() time.Time { return now }
	})
	first := fetch(t, s)
	kept := len(s.commits)
	now = epoch.Add(10 * 24 * time.Hour)
	second := fetch(t, s)
	if len(second.Batch.Deployments) >= len(first.Batch.Deployments) || len(s.commits) >= kept {
		t.Errorf("records %d → %d, commit lists %d → %d",
			len(first.Batch.Deployments), len(second.Batch.Deployments), kept, len(s.commits))
	}
	sameBatch(t, second.Batch, expectedBatch(t, f, now.Add(-20*24*time.Hour), "author", "gitlab:group/app:"))
}

func TestValidate(t *testing.T) {
	cases := []struct {
		o    Options
		want string
	}{
		{Options{Access: apisrc.Access{Token: "x"}}, `missing required key "project"`},
		{Options{Project: "a/b", Access: apisrc.Access{Token: "x", Headers: map[string]string{"X": "a\nb"}}}, `headers: header "X": the value must be one line`},
		{Options{Project: "a/b", Access: apisrc.Access{Token: "x", CAFile: "/nonexistent/ca.pem"}}, "ca_file: cannot read"},
		{Options{Project: "a/b", Access: apisrc.Access{Token: "x", APIURL: "https:///api"}}, "api_url: "},
		{Options{Project: "a/b", Access: apisrc.Access{Token: "x", Timeout: -1}}, "timeout: "},
		{Options{Project: "a/b"}, "token_env: the token is empty"},
		{Options{Project: "app", Access: apisrc.Access{Token: "x"}}, `project: "app" is not a project path`},
		{Options{Project: "a//b", Access: apisrc.Access{Token: "x"}}, `project: "a//b" is not`},
		{Options{Project: "/a/b", Access: apisrc.Access{Token: "x"}}, `project: "/a/b" is not`},
		{Options{Project: "a/b c", Access: apisrc.Access{Token: "x"}}, `project: "a/b c" is not`},
		{Options{Project: "a/../b", Access: apisrc.Access{Token: "x"}}, `project: "a/../b" is not`},
		{Options{Project: "https://gitlab.com/a/b", Access: apisrc.Access{Token: "x"}}, "is a URL"},
		{Options{Project: "412", Access: apisrc.Access{Token: "x"}}, "service: required when project is a numeric id"},
		{Options{Project: "0412", Service: "s", Access: apisrc.Access{Token: "x"}}, "no leading zeros"},
		{Options{Project: "a/b", CommitTime: "when", Access: apisrc.Access{Token: "x"}}, `commit_time: "when" is not author or committer`},
		{Options{Project: "a/b", Access: apisrc.Access{Token: "x", History: -time.Hour}}, "history: -1h0m0s is negative"},
	}
	for _, c := range cases {
		err := c.o.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
	o := Options{Project: "grp/sub/my-app", Access: apisrc.Access{Token: "x"}}
	if err := o.Validate(); err != nil || o.Service != "my-app" || o.CommitTime != "author" || o.APIURL != DefaultAPIURL || o.History != MinHistory {
		t.Errorf("defaults: %v %+v", err, o)
	}
	o = Options{Project: "412", Service: "shop", Access: apisrc.Access{Token: "x"}}
	if err := o.Validate(); err != nil || o.Service != "shop" {
		t.Errorf("numeric: %v %+v", err, o)
	}
	for in, want := range map[string]string{
		"https://gitlab.com":                    "https://gitlab.com/api/v4",
		"https://git.example.com/":              "https://git.example.com/api/v4",
		"https://git.example.com/gitlab/api/v4": "https://git.example.com/gitlab/api/v4",
	} {
		if got := baseURL(in); got != want {
			t.Errorf("baseURL(%q) = %q", in, got)
		}
	}
}
