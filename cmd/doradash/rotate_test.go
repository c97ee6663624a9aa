package main

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"doradash/cmd/doradash/internal/httpapi"
	"doradash/ui"
)

// TestParseRotate: the top-level rotate key, with errors that name the
// file, the line and the key.
func TestParseRotate(t *testing.T) {
	for _, c := range []struct {
		doc  string
		want time.Duration
		err  string
	}{
		{"", 0, ""},
		{"rotate = \"20s\"\n", 20 * time.Second, ""},
		{"rotate = \"1m30s\"\n", 90 * time.Second, ""},
		{"rotate = \"0s\"\n", 0, ""},
		{"window = \"7d\"\nrotate = \"500ms\"\n", 0, `doradash.toml:2: rotate: 500ms is shorter than 1s ("0s" turns rotation off)`},
		{"rotate = \"-5s\"\n", 0, `doradash.toml:1: rotate: "-5s" is negative`},
		{"rotate = \"soon\"\n", 0, `doradash.toml:1: rotate: "soon" is not a duration like "30s"`},
		{"rotate = 20\n", 0, `doradash.toml:1: rotate: the number 20 needs a unit, like "20s"`},
		{"rotate = true\n", 0, `doradash.toml:1: rotate: expected a duration string like "30s"`},
		{"rotat = \"20s\"\n", 0, `doradash.toml:1: unknown key "rotat"; did you mean "rotate"?`},
		{"[ssh]\nrotate = \"20s\"\n", 0, `doradash.toml:2: ssh: "rotate" is a top-level key: move it above [ssh]`},
	} {
		cfg, err := parseConfig("doradash.toml", []byte(c.doc), fakeEnv(nil))
		if c.err == "" {
			if err != nil || cfg.Rotate != c.want {
				t.Errorf("%q: rotate %v, error %v; want %v", c.doc, cfg.Rotate, err, c.want)
			}
			continue
		}
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%q: error %v, want one containing %q", c.doc, err, c.err)
		}
	}
}

// TestRotateFlag: --rotate on the dashboard and serve overrides the key;
// a bad value is a usage error; the other commands do not take it.
func TestRotateFlag(t *testing.T) {
	cfg := writeConfig(t, "rotate = \"1m\"\n"+goodConfig)
	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"--config", cfg, "--rotate", "500ms"}, exitUsage, `--rotate: 500ms is shorter than 1s`},
		{[]string{"--config", cfg, "--rotate", "often"}, exitUsage, `--rotate: "often" is not a duration`},
		{[]string{"serve", "--config", cfg, "--rotate", "-1s"}, exitUsage, `--rotate: "-1s" is not a duration`},
		{[]string{"--config", cfg, "--rotate", "20s"}, exitUsage, "the dashboard needs a terminal"},
		// Accepted: serve gets as far as the SSH server's keys.
		{[]string{"--rotate", "20s", "serve", "--config", cfg}, exitUsage, "serve: ssh server"},
		{[]string{"snapshot", "--config", cfg, "--rotate", "20s"}, exitUsage, "flag provided but not defined: -rotate"},
	} {
		code, _, stderr := runCmd(t, nil, c.args...)
		if code != c.code || !strings.Contains(stderr, c.err) {
			t.Errorf("%q: exit %d, %q; want %d with %q", c.args, code, stderr, c.code, c.err)
		}
	}
	quiet := &env{stdout: io.Discard, stderr: io.Discard, getenv: fakeEnv(nil)}
	var fl commonFlags
	fs := dashboardFlags(quiet, &fl)
	if err := fs.Parse([]string{"--config", cfg, "--rotate", "20s"}); err != nil {
		t.Fatal(err)
	}
	s, err := resolve(&fl, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.Rotate != 20*time.Second {
		t.Errorf("--rotate 20s over rotate = \"1m\": %v, %v", s.cfg.Rotate, err)
	}
}

// TestUIOptionsTeams: the dashboard (local and SSH) gets the teams, the
// team of --team and the rotation.
func TestUIOptionsTeams(t *testing.T) {
	if ui.Unassigned != httpapi.Unassigned {
		t.Fatalf("ui names the unassigned services %q, the HTTP API %q", ui.Unassigned, httpapi.Unassigned)
	}
	s := &settings{cfg: &Config{Rotate: 20 * time.Second, Teams: []TeamConfig{{Name: "payments", Services: []string{"payments", "ledger"}}}}}
	if err := s.selectTeam("payments"); err != nil {
		t.Fatal(err)
	}
	o := s.uiOptions(nil)
	if o.Rotate != 20*time.Second || o.Team != "payments" || len(o.Teams) != 1 ||
		o.Teams[0].Name != "payments" || strings.Join(o.Teams[0].Services, ",") != "payments,ledger" ||
		strings.Join(o.Query.Services, ",") != "payments,ledger" {
		t.Errorf("options %+v", o)
	}
	// The ui's copy is its own.
	o.Teams[0].Services[0] = "x"
	if s.cfg.Teams[0].Services[0] != "payments" {
		t.Error("the options share the configuration's slice")
	}
}
