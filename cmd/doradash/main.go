// Command doradash is a terminal dashboard for DORA delivery and incident
// metrics: `doradash` opens the live dashboard, `snapshot` prints the
// metrics once, `check` validates the configuration and polls every source,
// `serve` serves the dashboard over SSH.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"doradash/sources/poller"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise
// the module version from the build info is used.
var version = ""

// Exit codes of SPEC §6.
const (
	exitOK     = 0
	exitFailed = 1 // the work ran but a source failed
	exitUsage  = 2 // usage or configuration error
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}

// env is the outside world of one invocation, so tests run commands
// in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// usageError is a command-line mistake: exit 2 with a one-line message.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

const usageText = `doradash — DORA and incident metrics in your terminal

Usage:
  doradash [flags]                    the live dashboard
  doradash snapshot [--format text|json] [--populations] [flags]
                                      poll every source once, print the metrics, exit
  doradash explain METRIC [flags]     list the records behind one metric, one a line
  doradash check [--rejections N] [flags]
                                      validate the configuration, poll every source, report each
  doradash serve [flags]              serve the dashboard over SSH
  doradash version                    print the version and VCS revision (also --version, -v)
  doradash completion bash|zsh|fish   print a shell completion script
  doradash help [COMMAND]             this help, or a command's own flags

METRIC is named as in the snapshot JSON: deployment_frequency, lead_time,
change_failure_rate, time_to_restore, failed_deployment_recovery_time, incidents.

Flags (every command, before or after it):
  --config PATH         configuration file (else $DORADASH_CONFIG, ./doradash.toml,
                        $XDG_CONFIG_HOME/doradash/config.toml, else the built-in demo)
  --demo                use the built-in demo data, ignore any configuration
  --window 30d          window in whole days (1d–366d)
  --service NAME        only this service (repeatable)
  --team NAME           only the services of this [[team]] ("unassigned": of none)
  --environment NAME    deployments of this environment (repeatable; default production)
  --now RFC3339         compute as of this instant (replays the past exactly)
  --theme dark|light    colours for a dark or light background (default: ask the terminal)
  --no-cache            ignore the API sources' on-disk cache for this run
  --help                this help

dashboard and serve:
  --rotate 20s          rotate through the teams (or services) every 20 s; 0s: off

serve only:
  --listen ADDR  --host-key PATH  --authorized-keys PATH
  --http ADDR           serve the HTTP endpoints too (overrides [http] listen)
  --no-ssh              serve only the HTTP endpoints (headless)

Exit status: 0 ok, 1 a source failed, 2 usage or configuration error.
`

// run executes one command line and returns the exit code.
func run(ctx context.Context, args []string, e *env) int {
	args = hoistCommand(args)
	cmd := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if cmd == "" && len(args) == 1 && (args[0] == "--version" || args[0] == "-version" || args[0] == "-v") {
		cmd, args = "version", nil
	}
	var err error
	switch cmd {
	case "":
		err = runDashboard(ctx, args, e)
	case "snapshot":
		err = runSnapshot(ctx, args, e)
	case "explain":
		err = runExplain(ctx, args, e)
	case "check":
		err = runCheck(ctx, args, e)
	case "serve":
		err = runServe(ctx, args, e)
	case "version":
		if len(args) > 0 && args[0] != "--help" && args[0] != "-h" {
			err = usagef("version takes no arguments")
			break
		}
		fmt.Fprintln(e.stdout, versionLine(readBuildInfo()))
	case "completion":
		err = runCompletion(args, e)
	case "help":
		err = runHelp(args, e)
	default:
		err = usagef("unknown command %q (try doradash --help)%s", cmd, suggestion(cmd, commandNames()))
	}
	return exitCode(err, e.stderr)
}

// errSourceFailed marks a run whose output is complete but a source failed.
var errSourceFailed = errors.New("a source failed")

// errInterrupted is a one-shot command stopped by SIGINT or SIGTERM.
var errInterrupted = errors.New("interrupted")

// exitInterrupted is the shell's convention for a command ended by SIGINT.
const exitInterrupted = 130

func exitCode(err error, stderr io.Writer) int {
	var ue *usageError
	var ce *ConfigError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errInterrupted):
		fmt.Fprintln(stderr, "doradash: interrupted")
		return exitInterrupted
	case errors.Is(err, errSourceFailed):
		fmt.Fprintf(stderr, "doradash: %s\n", strings.TrimPrefix(err.Error(), errSourceFailed.Error()+": "))
		return exitFailed
	case errors.As(err, &ue), errors.As(err, &ce):
		fmt.Fprintf(stderr, "doradash: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stderr, "doradash: %v\n", err)
	return exitFailed
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// readBuildInfo is the binary's build info, nil when it has none.
func readBuildInfo() *debug.BuildInfo {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi
	}
	return nil
}

// versionLine is what `doradash version` prints: the version and, when
// the build recorded them, the VCS revision, its time and whether the
// tree had local changes ("doradash v1.2.0 (revision 1a2b3c4d5e6f,
// 2026-11-30T12:00:00Z, modified)").
func versionLine(bi *debug.BuildInfo) string {
	v := version
	if v == "" && bi != nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	if v == "" {
		v = "dev"
	}
	var facts []string
	if bi != nil {
		var rev, at, modified string
		for _, kv := range bi.Settings {
			switch kv.Key {
			case "vcs.revision":
				rev = kv.Value
			case "vcs.time":
				at = kv.Value
			case "vcs.modified":
				modified = kv.Value
			}
		}
		if rev != "" {
			facts = append(facts, "revision "+rev)
		}
		if at != "" {
			facts = append(facts, at)
		}
		if modified == "true" {
			facts = append(facts, "modified")
		}
	}
	if len(facts) == 0 {
		return "doradash " + v
	}
	return "doradash " + v + " (" + strings.Join(facts, ", ") + ")"
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// commonFlags are the flags of every command (SPEC §6).
type commonFlags struct {
	config       string
	demo         bool
	window       string
	services     multiFlag
	environments multiFlag
	now          string
	noCache      bool
	theme        string
	team         string
	rotate       string // the dashboard and serve only (rotateFlag)
}

func newFlagSet(name string, e *env, c *commonFlags) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.config, "config", "", "configuration `file`")
	fs.BoolVar(&c.demo, "demo", false, "use the built-in demo data")
	fs.StringVar(&c.window, "window", "", "window in whole `days`, like 30d")
	fs.Var(&c.services, "service", "only this service `name` (repeatable)")
	fs.Var(&c.environments, "environment", "deployments of this environment `name` (repeatable; default production)")
	fs.StringVar(&c.now, "now", "", "compute as of this `RFC3339` instant")
	fs.BoolVar(&c.noCache, "no-cache", false, "ignore the API sources' on-disk cache for this run")
	fs.StringVar(&c.theme, "theme", "", "colours for a `dark|light` background (default: ask the terminal)")
	fs.StringVar(&c.team, "team", "", "only the services of this team `name` (\"unassigned\": of no team)")
	return fs
}

// parseFlags parses args, which may mix flags and arguments; a command
// that takes no arguments rejects any. --help prints the command's usage
// and returns flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string, e *env) error {
	pos, err := parseArgs(fs, args, e)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("%sunexpected argument %q (try %s)", commandPrefix(fs), pos[0], helpHint(fs))
	}
	return nil
}

// helpHint is the command line that shows fs's usage.
func helpHint(fs *flag.FlagSet) string {
	if fs.Name() == "" {
		return "doradash --help"
	}
	return "doradash " + fs.Name() + " --help"
}

// parseArgs parses the flags in args wherever they stand and returns the
// other arguments in order; everything after "--" is an argument.
func parseArgs(fs *flag.FlagSet, args []string, e *env) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				writeCommandUsage(e.stdout, fs)
				return nil, err
			}
			return nil, usagef("%s%v", commandPrefix(fs), err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// commandPrefix is "snapshot: " for a subcommand's messages, "" for the
// dashboard (every message already starts with "doradash: ").
func commandPrefix(fs *flag.FlagSet) string {
	if fs.Name() == "" {
		return ""
	}
	return fs.Name() + ": "
}

// settings is everything a command needs after flags and configuration
// are resolved.
type settings struct {
	cfg      *Config
	demo     bool // running on the built-in demo data
	noConfig bool // … because no configuration file was found
	now      time.Time
	fixed    bool // --now was given: the clock stands still
	// team is --team; its services are already in cfg.Query.Services, except
	// for "unassigned", which resolveTeam fills in from the data.
	team         string
	teamResolved bool
	// API sources: --no-cache, the default cache_dir, and where the
	// cache's warnings go (nil: nowhere).
	noCache         bool
	defaultCacheDir string
	warnLog         *slog.Logger
}

func (s *settings) clock() func() time.Time {
	if s.fixed {
		t := s.now
		return func() time.Time { return t }
	}
	return time.Now
}

// resolve loads the configuration and applies the flags over it.
func resolve(c *commonFlags, e *env) (*settings, error) {
	s := &settings{}
	if c.now != "" {
		t, err := parseNow(c.now)
		if err != nil {
			return nil, err
		}
		s.now, s.fixed = t, true
	}
	if c.demo {
		s.cfg, s.demo = demoConfig(), true
	} else {
		path, err := findConfig(c.config, e.getenv)
		if err != nil {
			return nil, err
		}
		if path == "" {
			s.cfg, s.demo, s.noConfig = demoConfig(), true, true
		} else if s.cfg, err = loadConfig(path, e.getenv); err != nil {
			return nil, err
		}
	}
	if c.window != "" {
		n, err := parseDays(c.window)
		if err != nil {
			return nil, usagef("--window: %v", err)
		}
		s.cfg.Query.Days = n
	}
	if len(c.services) > 0 {
		s.cfg.Query.Services = c.services
	}
	switch c.theme {
	case "":
	case "dark", "light":
		s.cfg.Theme = c.theme
	default:
		return nil, usagef("--theme: %q is not dark or light", c.theme)
	}
	if len(c.environments) > 0 {
		s.cfg.Query.Environments = c.environments
	}
	if c.rotate != "" {
		d, err := parseRotate(c.rotate)
		if err != nil {
			return nil, err
		}
		s.cfg.Rotate = d
	}
	if c.team != "" {
		if err := s.selectTeam(c.team); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// parseNow parses --now: RFC 3339, and a year whose window (up to 366
// days back) the model can represent.
func parseNow(v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.Replace(strings.Replace(v, "t", "T", 1), "z", "Z", 1))
	if err != nil {
		return time.Time{}, usagef("--now: %q is not an RFC 3339 time like 2026-11-20T14:03:00Z", v)
	}
	if y := t.UTC().Year(); y < 1679 || y > 2261 {
		return time.Time{}, usagef("--now: %q is outside the years 1679 to 2261", v)
	}
	return t.UTC(), nil
}

// prepare parses a command's flags, resolves the configuration and builds
// the poller: the start every command shares.
func prepare(fs *flag.FlagSet, c *commonFlags, args []string, e *env, log *slog.Logger) (*settings, *poller.Poller, error) {
	if err := parseFlags(fs, args, e); err != nil {
		return nil, nil, err
	}
	return setup(fs, c, e, log)
}

// setup is prepare after the flags are parsed.
func setup(fs *flag.FlagSet, c *commonFlags, e *env, log *slog.Logger) (*settings, *poller.Poller, error) {
	s, err := resolve(c, e)
	if err != nil {
		return nil, nil, err
	}
	s.noCache, s.defaultCacheDir = c.noCache, defaultCacheDir(e.getenv)
	switch fs.Name() {
	case "snapshot", "check", "explain":
		s.warnLog = newWarningLogger(e.stderr)
	default:
		s.warnLog = log
	}
	p, err := buildPoller(s, log)
	if err != nil {
		return nil, nil, err
	}
	return s, p, nil
}
