package main

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseHTTPConfig(t *testing.T) {
	doc := `
[http]
listen = "127.0.0.1:9187"
token_env = "DORADASH_HTTP_TOKEN"
cert_file = "tls/cert.pem"
key_file = "/etc/doradash/key.pem"
windows = ["1d", "7d", "90d"]
`
	c, err := parseConfig("/some/dir/doradash.toml", []byte(doc), fakeEnv(map[string]string{"DORADASH_HTTP_TOKEN": "t0ken"}))
	if err != nil {
		t.Fatal(err)
	}
	h := c.HTTP
	if h.Listen != "127.0.0.1:9187" || h.Token != "t0ken" || h.CertFile != "/some/dir/tls/cert.pem" ||
		h.KeyFile != "/etc/doradash/key.pem" || !slices.Equal(h.Windows, []int{1, 7, 90}) {
		t.Errorf("parsed %+v", h)
	}
	d, err := parseConfig("/some/dir/doradash.toml", nil, fakeEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if d.HTTP.Listen != "" || !slices.Equal(d.HTTP.Windows, []int{7, 30}) || d.HTTP.Token != "" {
		t.Errorf("defaults %+v: want off, windows 7d and 30d, no token", d.HTTP)
	}
}

func TestParseHTTPConfigErrors(t *testing.T) {
	for _, c := range []struct{ name, doc, want string }{
		{"not a table", "http = 1\n", `doradash.toml:1: http: write it as an [http] table`},
		{"unknown key", "[http]\nlisten = \"x\"\nport = 9187\n", `doradash.toml:3: http: unknown key "port"`},
		{"unset token", "[http]\ntoken_env = \"NOPE\"\n", `doradash.toml:2: http: token_env: environment variable NOPE is not set`},
		{"cert without key", "[http]\ncert_file = \"c.pem\"\n", `doradash.toml:1: http: cert_file and key_file go together`},
		{"window too long", "[http]\nwindows = [\"7d\", \"400d\"]\n", `doradash.toml:2: http: windows[1]: "400d": a window is 1d to 366d`},
		{"window not days", "[http]\nwindows = [\"1w\"]\n", `doradash.toml:2: http: windows[0]: "1w" is not a whole number of days`},
		{"window twice", "[http]\nwindows = [\"7d\", \"7d\"]\n", `doradash.toml:2: http: windows[1]: "7d" is listed twice`},
		{"no windows", "[http]\nwindows = []\n", `doradash.toml:2: http: windows: give at least one window`},
		{"listen number", "[http]\nlisten = 9187\n", `doradash.toml:2: http: listen: expected a string, got the number 9187`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseConfig("/some/dir/doradash.toml", []byte(c.doc), fakeEnv(nil))
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *ConfigError", err)
			}
			if got := strings.TrimPrefix(err.Error(), "/some/dir/"); !strings.HasPrefix(got, c.want) {
				t.Fatalf("error = %q\nwant prefix %q", got, c.want)
			}
		})
	}
}

func TestHTTPTokenNeverInErrors(t *testing.T) {
	doc := "[http]\ntoken_env = \"TOK\"\nlisten = 5\n"
	_, err := parseConfig("/d/doradash.toml", []byte(doc), fakeEnv(map[string]string{"TOK": "hunter2-secret"}))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("err = %v", err)
	}
}
