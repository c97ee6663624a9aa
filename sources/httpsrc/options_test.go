package httpsrc

import (
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"doradash/sources"
)

// TestValidate: every invalid option is refused with an error that starts
// with its configuration key (or names the missing one), and never shows a
// secret.
func TestValidate(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	ok := Options{Name: "x", URL: "https://e.com/x"}
	for _, tt := range []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"no url", func(o *Options) { o.URL = "" }, `missing required key "url"`},
		{"bad url", func(o *Options) { o.URL = "https://u:hunter2secret@e .com/%zz" }, "url: not a valid URL"},
		{"ftp url", func(o *Options) { o.URL = "ftp://e.com/x" }, "url: "},
		{"bad format", func(o *Options) { o.Format = sources.Format(9) }, "format: Format(9) is not auto, json or ndjson"},
		{"negative timeout", func(o *Options) { o.Timeout = -time.Second }, "timeout: -1s is negative"},
		{"negative max_bytes", func(o *Options) { o.MaxBytes = -1 }, "max_bytes: -1 is negative"},
		{"header name", func(o *Options) { o.Headers = map[string]string{"A": "1", "X Y": "1"} }, `headers: "X Y" is not a valid header name`},
		{"header value", func(o *Options) { o.Headers = map[string]string{"X-Token": "hunter2secret\r\nEvil: 1"} }, `headers: header "X-Token": the value must be one line without NUL`},
		{"token", func(o *Options) { o.BearerToken = "hunter2secret\n" }, "bearer_token_env: the token must be one line without NUL"},
		{"missing ca_file", func(o *Options) { o.CAFile = filepath.Join(dir, "none.pem") }, "ca_file: cannot read " + filepath.Join(dir, "none.pem") + ": no such file or directory"},
		{"ca_file a folder", func(o *Options) { o.CAFile = dir }, "ca_file: cannot read " + dir + ": not a regular file"},
		{"ca_file without PEM", func(o *Options) { o.CAFile = notPEM }, "ca_file: " + notPEM + " holds no PEM certificate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.edit(&o)
			err := o.Validate()
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want prefix %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q shows a secret", err)
			}
		})
	}
}

// TestValidateFillsDefaults: zero timeout, size and user agent become the
// defaults of SPEC §7; set values stay.
func TestValidateFillsDefaults(t *testing.T) {
	o := Options{Name: "x", URL: "https://e.com/x"}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if o.Timeout != DefaultTimeout || o.MaxBytes != DefaultMaxBytes || o.UserAgent != DefaultUserAgent {
		t.Errorf("defaults: %+v", o)
	}
	srv := httptest.NewTLSServer(nil)
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	o = Options{Name: "x", URL: "https://e.com/x", Timeout: time.Second, MaxBytes: 5, UserAgent: "ua", CAFile: ca,
		Headers: map[string]string{"Accept": "application/json"}}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if o.Timeout != time.Second || o.MaxBytes != 5 || o.UserAgent != "ua" {
		t.Errorf("set values changed: %+v", o)
	}
}
