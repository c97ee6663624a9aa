package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"doradash/sources"
	"doradash/sources/httpsrc"
)

func fakeEnv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestParseConfigValid(t *testing.T) {
	doc := `
# comment
window = "7d"
refresh = "1m"
environments = ["production", "prod-eu"]
services = ["checkout"]
downtime_max_severity = 3

[[source]]
name = "deploys"
type = "file"
path = "data/deploys.ndjson"

[[source]]
name = "incidents"
type = "http"
url = "https://incidents.example.com/api/export"
interval = "45s"
timeout = "5s"
max_bytes = "8MiB"
headers = { "Accept" = "application/json" }
bearer_token_env = "TOKEN"
ca_file = "CAFILE"

[[source]]
name = "demo"
type = "demo"

[ssh]
listen = "0.0.0.0:2222"
host_key = "keys/host"
authorized_keys = "~/.ssh/authorized_keys"
max_sessions = 5
idle_timeout = "0s"
allow_anonymous = true
`
	ca := writeTestCA(t)
	doc = strings.Replace(doc, "CAFILE", ca, 1)
	c, err := parseConfig("/etc/doradash/doradash.toml", []byte(doc), fakeEnv(map[string]string{"TOKEN": "s3cret", "HOME": "/home/u"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Query.Days != 7 || c.Refresh != time.Minute || c.Query.DowntimeMaxSeverity != 3 ||
		strings.Join(c.Query.Environments, ",") != "production,prod-eu" || strings.Join(c.Query.Services, ",") != "checkout" {
		t.Fatalf("top level = %+v", c)
	}
	if len(c.Sources) != 3 {
		t.Fatalf("sources = %d", len(c.Sources))
	}
	f, h, d := c.Sources[0], c.Sources[1], c.Sources[2]
	if f.Path != "/etc/doradash/data/deploys.ndjson" || f.Interval != time.Minute || f.Format != sources.FormatAuto {
		t.Errorf("file source = %+v (relative path against the file's folder, interval from refresh)", f)
	}
	if h.Interval != 45*time.Second || h.Timeout != 5*time.Second || h.MaxBytes != 8<<20 ||
		h.Headers["Accept"] != "application/json" || h.BearerToken != "s3cret" || h.CAFile != ca {
		t.Errorf("http source = %+v", h)
	}
	if d.Type != "demo" || d.Interval != time.Minute {
		t.Errorf("demo source = %+v", d)
	}
	if c.SSH.Listen != "0.0.0.0:2222" || c.SSH.HostKey != "/etc/doradash/keys/host" ||
		c.SSH.AuthorizedKeys != "/home/u/.ssh/authorized_keys" || c.SSH.MaxSessions != 5 ||
		c.SSH.IdleTimeout != 0 || !c.SSH.AllowAnonymous {
		t.Errorf("ssh = %+v", c.SSH)
	}
}

func TestParseConfigDefaults(t *testing.T) {
	c, err := parseConfig("/x/doradash.toml", []byte("[[source]]\nname = \"a\"\ntype = \"http\"\nurl = \"http://h/x\"\n"), fakeEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Sources[0]
	if c.Query.Days != 30 || c.Refresh != 30*time.Second || s.Interval != 30*time.Second || s.Timeout != 10*time.Second ||
		s.MaxBytes != 32<<20 || c.SSH.MaxSessions != 32 || c.SSH.IdleTimeout != 30*time.Minute ||
		c.Query.DowntimeMaxSeverity != 2 || len(c.Query.Environments) != 1 || c.Query.Environments[0] != "production" {
		t.Fatalf("defaults: %+v %+v", c, s)
	}
}

func TestParseConfigErrors(t *testing.T) {
	cases := []struct {
		name, doc, want string
	}{
		{"unknown key in a source", "[[source]]\nname = \"deploys\"\ntype = \"file\"\npth = \"x\"\n",
			`doradash.toml:4: source "deploys": unknown key "pth" for a file source`},
		{"unknown top-level key", "window = \"7d\"\nrefersh = \"1s\"\n", `doradash.toml:2: unknown key "refersh"`},
		{"bare number duration", "refresh = 30\n", `doradash.toml:1: refresh: the number 30 needs a unit, like "30s"`},
		{"bad duration", "refresh = \"soon\"\n", `doradash.toml:1: refresh: "soon" is not a duration`},
		{"window not days", "window = \"2w\"\n", `doradash.toml:1: window: "2w" is not a whole number of days`},
		{"window too long", "window = \"400d\"\n", `doradash.toml:1: window: "400d": a window is 1d to 366d`},
		{"window number", "window = 30\n", `doradash.toml:1: window: expected whole days like "30d", got the number 30`},
		{"missing name", "[[source]]\ntype = \"file\"\npath = \"x\"\n", `doradash.toml:1: source: missing required key "name"`},
		{"missing path", "\n[[source]]\nname = \"a\"\ntype = \"file\"\n", `doradash.toml:2: source "a": missing required key "path"`},
		{"missing url", "[[source]]\nname = \"a\"\ntype = \"http\"\n", `doradash.toml:1: source "a": missing required key "url"`},
		{"unknown type", "[[source]]\nname = \"a\"\ntype = \"ftp\"\n", `doradash.toml:3: source "a": unknown type "ftp"`},
		{"duplicate names", "[[source]]\nname = \"a\"\ntype = \"demo\"\n[[source]]\nname = \"a\"\ntype = \"demo\"\n",
			`doradash.toml:5: source "a": duplicate name (also source 1)`},
		{"unset token variable", "[[source]]\nname = \"a\"\ntype = \"http\"\nurl = \"https://h\"\nbearer_token_env = \"NOPE\"\n",
			`doradash.toml:5: source "a": bearer_token_env: environment variable NOPE is not set`},
		{"bad size", "[[source]]\nname = \"a\"\ntype = \"http\"\nurl = \"https://h\"\nmax_bytes = \"32 parsecs\"\n",
			`doradash.toml:5: source "a": max_bytes: "32 parsecs": unknown unit "parsecs"`},
		{"bad format", "[[source]]\nname = \"a\"\ntype = \"file\"\npath = \"x\"\nformat = \"xml\"\n",
			`doradash.toml:5: source "a": format: "xml" is not auto, json or ndjson`},
		{"severity range", "downtime_max_severity = 7\n", `doradash.toml:1: downtime_max_severity: 7 is not a severity from 1 to 5`},
		{"ssh unknown key", "[ssh]\nlisten = \"x\"\nport = 22\n", `doradash.toml:3: ssh: unknown key "port"`},
		{"ssh bool", "[ssh]\nallow_anonymous = \"yes\"\n", `doradash.toml:2: ssh: allow_anonymous: expected true or false`},
		{"syntax error", "window = \"7d\n", `doradash.toml:1: `},
		{"type mismatch in list", "services = [\"a\", 1]\n", `doradash.toml:1: `},
		{"headers not a table", "[[source]]\nname = \"a\"\ntype = \"http\"\nurl = \"https://h\"\nheaders = \"Accept: x\"\n",
			`doradash.toml:5: source "a": headers: expected a table`},
		{"url does not parse", "[[source]]\nname = \"a\"\ntype = \"http\"\nurl = \"http://[::1\"\n",
			`doradash.toml:4: source "a": url: not a valid URL: missing ']' in host`},
		{"url without host", "[[source]]\nname = \"a\"\ntype = \"http\"\nurl = \"https:///x\"\n",
			`doradash.toml:4: source "a": url: "https:///x" has no host`},
		{"empty ca file", "[[source]]\nname = \"a\"\ntype = \"http\"\nurl = \"https://h\"\nca_file = \"\"\n",
			`doradash.toml:5: source "a": ca_file: must not be empty (leave the key out for the system's CAs)`},
		{"empty ca file of an API source", "[[source]]\nname = \"a\"\ntype = \"github\"\nrepo = \"o/r\"\nca_file = \"\"\n",
			`doradash.toml:5: source "a": ca_file: must not be empty (leave the key out for the system's CAs)`},
		{"missing ca file", "[[source]]\nname = \"a\"\ntype = \"http\"\nurl = \"https://h\"\nca_file = \"nope.pem\"\n",
			`doradash.toml:5: source "a": ca_file: cannot read /some/dir/nope.pem: no such file or directory`},
		{"bad header name", "[[source]]\nname = \"a\"\ntype = \"http\"\nurl = \"https://h\"\nheaders = { \"X Y\" = \"1\" }\n",
			`doradash.toml:5: source "a": headers: "X Y" is not a valid header name`},
		{"header value with NUL", "[[source]]\nname = \"a\"\ntype = \"http\"\nurl = \"https://h\"\nheaders = { \"X\" = \"a\\u0000b\" }\n",
			`doradash.toml:5: source "a": headers: header "X": the value must be one line without NUL`},
		{"url scheme", "[[source]]\nname = \"a\"\ntype = \"http\"\nurl = \"ftp://user:pw@h/x?token=1\"\n",
			`doradash.toml:4: source "a": url: "ftp://…@h/x?…" is not an http:// or https:// URL`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseConfig("/some/dir/doradash.toml", []byte(c.doc), fakeEnv(nil))
			if err == nil {
				t.Fatalf("no error for %q", c.doc)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *ConfigError", err)
			}
			if !strings.HasPrefix(strings.TrimPrefix(err.Error(), "/some/dir/"), c.want) {
				t.Fatalf("error = %q\nwant prefix %q", err, c.want)
			}
		})
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	doc := "[[source]]\nname = \"a\"\ntype = \"http\"\nurl = \"https://h\"\nbearer_token_env = \"TOK\"\nfoo = 1\n"
	_, err := parseConfig("/d/doradash.toml", []byte(doc), fakeEnv(map[string]string{"TOK": "hunter2-secret"}))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("err = %v", err)
	}
}

func TestFindConfig(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	xdg := filepath.Join(dir, "xdg")
	if err := os.MkdirAll(filepath.Join(xdg, "doradash"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"XDG_CONFIG_HOME": xdg, "HOME": filepath.Join(dir, "home")}
	got, err := findConfig("", fakeEnv(env))
	if err != nil || got != "" {
		t.Fatalf("nothing present: %q, %v; want the demo", got, err)
	}
	xdgFile := filepath.Join(xdg, "doradash", "config.toml")
	os.WriteFile(xdgFile, []byte(""), 0o644)
	if got, _ := findConfig("", fakeEnv(env)); got != xdgFile {
		t.Fatalf("xdg: %q", got)
	}
	os.WriteFile("doradash.toml", []byte(""), 0o644)
	if got, _ := findConfig("", fakeEnv(env)); got != "doradash.toml" {
		t.Fatalf("local: %q", got)
	}
	env["DORADASH_CONFIG"] = "/from/env.toml"
	if got, _ := findConfig("", fakeEnv(env)); got != "/from/env.toml" {
		t.Fatalf("env: %q", got)
	}
	if got, _ := findConfig("/flag.toml", fakeEnv(env)); got != "/flag.toml" {
		t.Fatalf("flag: %q", got)
	}
	delete(env, "XDG_CONFIG_HOME")
	os.Remove("doradash.toml")
	delete(env, "DORADASH_CONFIG")
	home := filepath.Join(dir, "home", ".config", "doradash")
	os.MkdirAll(home, 0o755)
	os.WriteFile(filepath.Join(home, "config.toml"), []byte(""), 0o644)
	if got, _ := findConfig("", fakeEnv(env)); got != filepath.Join(home, "config.toml") {
		t.Fatalf("home default: %q", got)
	}
}

func TestParseSize(t *testing.T) {
	cases := map[string]int64{"32MiB": 32 << 20, "10MB": 10e6, "512KiB": 512 << 10, "2048": 2048, "1GiB": 1 << 30, "1.5KiB": 1536, "7b": 7}
	for in, want := range cases {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "MiB", "-1", "1 parsec", "1e9"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	for _, seed := range []string{
		"window = \"7d\"\n[[source]]\nname = \"a\"\ntype = \"file\"\npath = \"x\"\n",
		"[ssh]\nlisten = \"x\"\nmax_sessions = 3\n",
		"[[source]]\nname = \"a\"\ntype = \"http\"\nurl = \"https://h\"\nheaders = { A = \"b\" }\nmax_bytes = 5\n",
		"environments = [\n  \"a\",\n  \"b\",\n]\nservices = []\n",
		"x = '''\nmulti\n'''\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseConfig("/d/doradash.toml", data, fakeEnv(map[string]string{"T": "tok"}))
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a ConfigError", err)
			}
			if !strings.HasPrefix(err.Error(), "/d/doradash.toml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if c.Query.Days < 1 || c.Query.Days > 366 || c.Refresh < time.Second || len(c.Query.Environments) == 0 {
			t.Fatalf("invalid config accepted: %+v", c)
		}
		for _, s := range c.Sources {
			if s.Name == "" || s.Interval < time.Second {
				t.Fatalf("invalid source accepted: %+v", s)
			}
		}
	})
}

func TestShortIntervalsRaisedToOneSecond(t *testing.T) {
	c, err := parseConfig("/d/doradash.toml", []byte("refresh = \"200ms\"\n[[source]]\nname = \"a\"\ntype = \"demo\"\ninterval = \"500ms\"\n[[source]]\nname = \"b\"\ntype = \"demo\"\n"), fakeEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Refresh != time.Second || c.Sources[0].Interval != time.Second || c.Sources[1].Interval != time.Second {
		t.Fatalf("refresh %v, intervals %v %v; want 1s each", c.Refresh, c.Sources[0].Interval, c.Sources[1].Interval)
	}
}

func TestCAFileChecked(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o644)
	doc := "[[source]]\nname = \"a\"\ntype = \"http\"\nurl = \"https://h\"\nca_file = \"bad.pem\"\n"
	_, err := parseConfig(filepath.Join(dir, "doradash.toml"), []byte(doc), fakeEnv(nil))
	if err == nil || !strings.Contains(err.Error(), "doradash.toml:5: source \"a\": ca_file: "+bad+" holds no PEM certificate") {
		t.Fatalf("err = %v", err)
	}
}

func TestConfigFileMustBeSmallAndRegular(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.toml")
	os.WriteFile(big, make([]byte, maxConfigSize+1), 0o644)
	cases := map[string]string{
		dir:                             "cannot read configuration: not a regular file",
		big:                             "cannot read configuration: larger than 1024 KiB",
		filepath.Join(dir, "none.toml"): "cannot read configuration: no such file or directory",
	}
	for path, want := range cases {
		_, err := loadConfig(path, fakeEnv(nil))
		if err == nil || err.Error() != path+": "+want {
			t.Errorf("loadConfig(%s) = %v, want %q", path, err, want)
		}
	}
}

// writeTestCA writes a self-signed CA certificate as PEM and returns its path.
func writeTestCA(t *testing.T) string {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSourceOptionErrorsHaveLines: the options types' own Validate checks
// every source type's values, and the parser puts the file, the line of
// the key at fault and the key in front of the error.
func TestSourceOptionErrorsHaveLines(t *testing.T) {
	env := fakeEnv(map[string]string{"T": "tok", "NL": "a\nb"})
	src := func(typ, rest string) string {
		return "window = \"7d\"\n\n[[source]]\nname = \"s\"\ntype = \"" + typ + "\"\n" + rest
	}
	for _, c := range []struct{ name, doc, want string }{
		{"http url", src("http", "url = \"https:///x\"\n"), `doradash.toml:6: source "s": url: "https:///x" has no host`},
		{"http header", src("http", "url = \"https://h\"\nheaders = { \"A\" = \"1\", \"B C\" = \"2\" }\n"),
			`doradash.toml:7: source "s": headers: "B C" is not a valid header name`},
		{"http header table", src("http", "url = \"https://h\"\n[source.headers]\n\"B C\" = \"2\"\n"),
			`doradash.toml:7: source "s": headers: "B C" is not a valid header name`},
		{"http ca_file", src("http", "url = \"https://h\"\n\nca_file = \"none.pem\"\n"),
			`doradash.toml:8: source "s": ca_file: cannot read /d/none.pem: no such file or directory`},
		{"http missing url", src("http", "timeout = \"5s\"\n"), `doradash.toml:3: source "s": missing required key "url"`},
		{"transform header", src("http", "url = \"https://h\"\ntransform = \".\"\nheaders = { \"B C\" = \"2\" }\n"),
			`doradash.toml:8: source "s": headers: "B C" is not a valid header name`},
		{"transform ca_file", src("http", "url = \"https://h\"\ntransform = \".\"\nca_file = \"none.pem\"\n"),
			`doradash.toml:8: source "s": ca_file: cannot read /d/none.pem`},
		{"file format", src("file", "path = \"x\"\nformat = \"xml\"\n"), `doradash.toml:7: source "s": format: "xml" is not auto, json or ndjson`},
		{"file missing path", src("file", ""), `doradash.toml:3: source "s": missing required key "path"`},
		{"github header", src("github", "repo = \"o/r\"\ntoken_env = \"T\"\nheaders = { \"B C\" = \"2\" }\n"),
			`doradash.toml:8: source "s": headers: "B C" is not a valid header name`},
		{"github ca_file", src("github", "repo = \"o/r\"\ntoken_env = \"T\"\nca_file = \"none.pem\"\n"),
			`doradash.toml:8: source "s": ca_file: cannot read /d/none.pem`},
		{"gitlab api_url", src("gitlab", "project = \"g/a\"\ntoken_env = \"T\"\napi_url = \"gitlab.example.com\"\n"),
			`doradash.toml:8: source "s": api_url: "gitlab.example.com" is not an http:// or https:// URL`},
		{"pagerduty header value", src("pagerduty", "token_env = \"T\"\nheaders = { \"X\" = \"a\\u0000b\" }\n"),
			`doradash.toml:7: source "s": headers: header "X": the value must be one line without NUL`},
		{"incidentio api_url", src("incidentio", "token_env = \"T\"\napi_url = \"https:///v2\"\n"),
			`doradash.toml:7: source "s": api_url: "https:///v2" has no host`},
		{"token with a line break", src("http", "url = \"https://h\"\nbearer_token_env = \"NL\"\n"),
			`doradash.toml:7: source "s": bearer_token_env: the token must be one line without NUL`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseConfig("/d/doradash.toml", []byte(c.doc), env)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *ConfigError", err)
			}
			if got := strings.TrimPrefix(err.Error(), "/d/"); !strings.HasPrefix(got, c.want) {
				t.Fatalf("error = %q\nwant prefix %q", got, c.want)
			}
		})
	}
}

// TestHTTPSourceDefaultsFromItsOptions: the parser takes the http
// source's defaults from httpsrc (Options.Validate), not from copies.
func TestHTTPSourceDefaultsFromItsOptions(t *testing.T) {
	c, err := parseConfig("/d/doradash.toml", []byte("[[source]]\nname = \"a\"\ntype = \"http\"\nurl = \"https://h/x\"\n"), fakeEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if s := c.Sources[0]; s.Timeout != httpsrc.DefaultTimeout || s.MaxBytes != httpsrc.DefaultMaxBytes {
		t.Errorf("timeout %v, max_bytes %d", s.Timeout, s.MaxBytes)
	}
}
