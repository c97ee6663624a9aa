package apisrc

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestAccessValidate(t *testing.T) {
	for _, c := range []struct {
		a    Access
		want string
	}{
		{Access{}, "token_env: the token is empty"},
		{Access{Token: "x", History: -time.Hour}, "history: -1h0m0s is negative"},
		{Access{Token: "x", Timeout: -1}, "timeout: "},
		{Access{Token: "x", MaxBytes: -1}, "max_bytes: "},
		{Access{Token: "x", Headers: map[string]string{"A B": "1"}}, "headers: "},
		{Access{Token: "x", CAFile: "/nonexistent/ca.pem"}, "ca_file: cannot read"},
		{Access{Token: "x", APIURL: "api.example.com"}, "api_url: "},
	} {
		err := c.a.Validate("https://api.example.com", time.Hour)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one starting %q", c.a, err, c.want)
		}
	}
	a := Access{Token: "x"}
	if err := a.Validate("https://api.example.com", 180*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if a.APIURL != "https://api.example.com" || a.History != 180*24*time.Hour || a.Now == nil {
		t.Errorf("defaults not filled: %+v", a)
	}
}

// TestAccessClientHeaders: the configured headers go out, and the
// vendor's own (auth, Accept) win over a configured one of the same name.
func TestAccessClientHeaders(t *testing.T) {
	got := make(chan http.Header, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	a := Access{Name: "t", APIURL: srv.URL, Token: "secret-token", HTTPClient: srv.Client(), UserAgent: "doradash/test",
		Headers: map[string]string{"X-Team": "payments", "Accept": "text/plain"}}
	c, err := a.Client(RateHeaders{}, http.Header{"Accept": {"application/json"}, "Authorization": {"Bearer secret-token"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(t.Context(), Request{URL: "/x"}); err != nil {
		t.Fatal(err)
	}
	h := <-got
	if h.Get("X-Team") != "payments" || h.Get("Accept") != "application/json" || h.Get("Authorization") != "Bearer secret-token" {
		t.Errorf("headers sent: %v", h)
	}
}
