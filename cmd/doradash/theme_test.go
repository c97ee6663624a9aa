package main

import (
	"strings"
	"testing"
)

// TestTheme: the theme comes from --theme over the config key `theme`;
// other values are refused with the value quoted.
func TestTheme(t *testing.T) {
	path := writeConfig(t, "theme = \"light\"\n[[source]]\nname = \"demo\"\ntype = \"demo\"\n")
	cfg, err := loadConfig(path, fakeEnv(nil))
	if err != nil || cfg.Theme != "light" {
		t.Fatalf("theme %q, err %v", cfg.Theme, err)
	}
	s, err := resolve(&commonFlags{config: path, theme: "dark"}, &env{getenv: fakeEnv(nil)})
	if err != nil || s.cfg.Theme != "dark" {
		t.Fatalf("--theme dark over the file: %v, %v", s, err)
	}
	bad := writeConfig(t, "theme = \"blue\"\n[[source]]\nname = \"demo\"\ntype = \"demo\"\n")
	if _, err := loadConfig(bad, fakeEnv(nil)); err == nil || !strings.Contains(err.Error(), `"blue"`) {
		t.Errorf("theme = blue: %v", err)
	}
	code, _, errOut := runCmd(t, nil, "snapshot", "--demo", "--theme", "blue")
	if code != 2 || !strings.Contains(errOut, `--theme: "blue" is not dark or light`) {
		t.Errorf("--theme blue: exit %d, %q", code, errOut)
	}
}
