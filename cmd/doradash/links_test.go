package main

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestConfigLinkIncidentsWithin covers the top-level key of SPEC §3's links
// by time: its default, accepted values, errors with file, line and key,
// and that it reaches the model's query.
func TestConfigLinkIncidentsWithin(t *testing.T) {
	valid := []struct {
		doc  string
		want time.Duration
	}{
		{"window = \"7d\"\n", 0},
		{"link_incidents_within = \"0s\"\n", 0},
		{"link_incidents_within = \"2h\"\n", 2 * time.Hour},
		{"link_incidents_within = \"1h30m\"\n[[source]]\nname = \"d\"\ntype = \"demo\"\n", 90 * time.Minute},
	}
	for _, c := range valid {
		cfg, err := parseConfig("/d/doradash.toml", []byte(c.doc), fakeEnv(nil))
		if err != nil {
			t.Fatalf("%q: %v", c.doc, err)
		}
		if cfg.Query.LinkWithin != c.want {
			t.Errorf("%q: link_incidents_within = %v, want %v", c.doc, cfg.Query.LinkWithin, c.want)
		}
		s := &settings{cfg: cfg}
		if got := s.query(time.Now()).LinkWithin; got != c.want {
			t.Errorf("%q: query LinkWithin = %v, want %v", c.doc, got, c.want)
		}
		if got := s.uiOptions(nil).Query.LinkWithin; got != c.want {
			t.Errorf("%q: dashboard LinkWithin = %v, want %v", c.doc, got, c.want)
		}
	}
	invalid := []struct{ doc, want string }{
		{"window = \"7d\"\n\nlink_incidents_within = 7200\n",
			`/d/doradash.toml:3: link_incidents_within: the number 7200 needs a unit, like "7200s"`},
		{"link_incidents_within = \"2d\"\n",
			`/d/doradash.toml:1: link_incidents_within: "2d" is not a duration like "30s", "5m" or "1h30m"`},
		{"link_incidents_within = \"-1h\"\n", `/d/doradash.toml:1: link_incidents_within: "-1h" is negative`},
		{"link_incidents_within = true\n", `/d/doradash.toml:1: link_incidents_within: expected a duration string like "30s", got true`},
		{"link_incidents_within = \"\"\n", `/d/doradash.toml:1: link_incidents_within: "" is not a duration`},
	}
	for _, c := range invalid {
		_, err := parseConfig("/d/doradash.toml", []byte(c.doc), fakeEnv(nil))
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Fatalf("%q: error %v is not a *ConfigError", c.doc, err)
		}
		if !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q: error = %q\nwant prefix %q", c.doc, err, c.want)
		}
	}
}
