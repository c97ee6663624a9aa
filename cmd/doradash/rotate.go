package main

import (
	"flag"
	"fmt"
	"time"

	"doradash/ui"
)

// minRotate is the shortest wall rotation: a view must stay long enough
// to be read.
const minRotate = time.Second

// dashboardFlags is the flag set of the dashboard: the common flags and
// --rotate.
func dashboardFlags(e *env, c *commonFlags) *flag.FlagSet {
	fs := newFlagSet("", e, c)
	rotateFlag(fs, c)
	return fs
}

// rotateFlag adds --rotate to the flag set of a command that shows the
// dashboard (the dashboard and serve).
func rotateFlag(fs *flag.FlagSet, c *commonFlags) {
	fs.StringVar(&c.rotate, "rotate", "", "rotate the dashboard through the teams (or services) every `duration`, like 20s (0s: off)")
}

// checkRotate checks a rotation period: 0 (off) or at least minRotate.
func checkRotate(d time.Duration) error {
	if d != 0 && d < minRotate {
		return fmt.Errorf("%v is shorter than %v (\"0s\" turns rotation off)", d, minRotate)
	}
	return nil
}

// parseRotate parses --rotate.
func parseRotate(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, usagef("--rotate: %q is not a duration like \"20s\" or \"1m\" (\"0s\": off)", v)
	}
	if err := checkRotate(d); err != nil {
		return 0, usagef("--rotate: %v", err)
	}
	return d, nil
}

// rotateKey parses the top-level rotate key.
func (p *configParser) rotateKey(key string, v any) (time.Duration, error) {
	d, err := p.durationOrZero(key, "rotate", v)
	if err != nil {
		return 0, err
	}
	if err := checkRotate(d); err != nil {
		return 0, p.errAt(key, "rotate: %v", err)
	}
	return d, nil
}

// uiTeams are the configured teams for the dashboard.
func (s *settings) uiTeams() []ui.Team { return cloneTeams(s.cfg.Teams) }
