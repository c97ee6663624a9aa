package main

import (
	"strings"
	"testing"
)

func TestConfigTypoSuggestions(t *testing.T) {
	src := "[[source]]\nname = \"deploys\"\ntype = \"file\"\n"
	cases := []struct{ doc, want string }{
		{src + "pth = \"x\"\n", `doradash.toml:4: source "deploys": unknown key "pth" for a file source; did you mean "path"?`},
		{src + "path = \"x\"\nintervall = \"5s\"\n", `unknown key "intervall" for a file source; did you mean "interval"?`},
		{src + "path = \"x\"\nwholly_unknown = 1\n", `unknown key "wholly_unknown" for a file source` + "\n"},
		{"windw = \"7d\"\n", `doradash.toml:1: unknown key "windw"; did you mean "window"?`},
		{src + "path = \"x\"\nwindow = \"7d\"\n", `doradash.toml:5: source "deploys": "window" is a top-level key: move it above the first [[source]]`},
		{src + "path = \"x\"\nlink_incidents_within = \"2h\"\n", `"link_incidents_within" is a top-level key: move it above the first [[source]]`},
		{"[ssh]\nlisten = \"x\"\nlisen = \"y\"\n", `doradash.toml:3: ssh: unknown key "lisen"; did you mean "listen"?`},
		{"[ssh]\nlisten = \"x\"\nrefresh = \"5s\"\n", `ssh: "refresh" is a top-level key: move it above [ssh]`},
		{"[http]\nlisten = \"x\"\nwindow = \"7d\"\n", `http: "window" is a top-level key: move it above [http]`},
		{"[http]\nlisten = \"x\"\ntoken_en = \"T\"\n", `http: unknown key "token_en"; did you mean "token_env"?`},
	}
	for _, c := range cases {
		p := writeConfig(t, c.doc)
		code, _, errOut := runCmd(t, nil, "check", "--config", p)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%q: exit %d, %q\nwant %q", c.doc, code, errOut, c.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"pth", "path", 1}, {"path", "pth", 1}, {"kitten", "sitting", 3}, {"straße", "strasse", 2}, {"abc", "", 3}} {
		if got := editDistance(c.a, c.b); got != c.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
	if s := suggestion("frobnicate", []string{"path", "format"}); s != "" {
		t.Errorf("far words suggest %q", s)
	}
}
