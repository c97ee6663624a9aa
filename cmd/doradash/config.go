package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"doradash/model"
	"doradash/sources"
	"doradash/sources/demo"
	"doradash/sources/httpsrc"
)

// Config is the validated configuration: the file's values with defaults
// filled in and relative paths resolved against the file's folder.
type Config struct {
	Path string // the file it came from, absolute; "" for the built-in demo
	Name string // the file as the user named it (or the lookup found it), for messages
	// Query is what every view computes by default, End zero: the keys
	// window (Days), environments, services, downtime_max_severity and
	// link_incidents_within (LinkWithin), then the command line's flags.
	Query    model.Query
	Refresh  time.Duration
	Theme    string // "dark", "light" or "" (ask the terminal)
	Sources  []SourceConfig
	CacheDir string // the API sources' cache; "": the default
	SSH      SSHConfig
	HTTP     HTTPConfig
	Teams    model.Teams // [[team]], in file order
	// Rotate is the dashboard's wall rotation through the teams (or
	// services); 0: off.
	Rotate time.Duration
}

// SourceConfig is one [[source]] table.
type SourceConfig struct {
	Name           string
	Type           string // file | http | demo
	Path           string // file: absolute after loading
	Format         sources.Format
	Interval       time.Duration
	URL            string
	Timeout        time.Duration // 0: the source's default
	MaxBytes       int64         // 0: the source's default
	Headers        map[string]string
	BearerTokenEnv string
	BearerToken    string // read from BearerTokenEnv; never printed
	CAFile         string
	HeadersEnv     map[string]string // http: header values read from variables; never printed
	Transform      TransformConfig   // http: transform and paginate (SPEC §8.6)
	API            APIConfig         // github: the keys of SPEC §8.1–8.2
}

// SSHConfig is the [ssh] table.
type SSHConfig struct {
	Listen         string
	HostKey        string
	AuthorizedKeys string
	MaxSessions    int
	IdleTimeout    time.Duration
	AllowAnonymous bool
}

// Defaults of SPEC §7.
const (
	defaultWindow  = model.DefaultDays
	defaultRefresh = 30 * time.Second
	minInterval    = time.Second
)

// defaultConfig is the configuration before any file is read: the built-in
// demo.
func defaultConfig() *Config {
	return &Config{
		Query: model.Query{Days: defaultWindow, Environments: slices.Clone(model.DefaultEnvironments),
			Services: []string{}, DowntimeMaxSeverity: model.DefaultDowntimeMaxSeverity},
		Refresh: defaultRefresh,
		SSH: SSHConfig{
			Listen:         "127.0.0.1:2222",
			HostKey:        "doradash_host_ed25519",
			AuthorizedKeys: "~/.ssh/authorized_keys",
			MaxSessions:    32,
			IdleTimeout:    30 * time.Minute,
		},
		HTTP: HTTPConfig{Windows: defaultHTTPWindows},
	}
}

// demoConfig is the configuration used with --demo or when no file is
// found: one demo source.
func demoConfig() *Config {
	c := defaultConfig()
	c.Sources = []SourceConfig{{Name: "demo", Type: "demo", Interval: 5 * time.Second}}
	return c
}

// ConfigError is a configuration problem with its place: file, line (0
// when unknown) and key.
type ConfigError struct {
	File string
	Line int
	Msg  string
}

func (e *ConfigError) Error() string {
	if e.File == "" {
		return "built-in configuration: " + e.Msg
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// findConfig applies the lookup order of SPEC §6; "" means the built-in demo.
func findConfig(flagPath string, getenv func(string) string) (string, error) {
	if flagPath != "" {
		return flagPath, nil
	}
	if p := getenv("DORADASH_CONFIG"); p != "" {
		return p, nil
	}
	candidates := []string{"doradash.toml"}
	if x := getenv("XDG_CONFIG_HOME"); x != "" {
		candidates = append(candidates, filepath.Join(x, "doradash", "config.toml"))
	} else if h := getenv("HOME"); h != "" {
		candidates = append(candidates, filepath.Join(h, ".config", "doradash", "config.toml"))
	}
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("look for configuration %s: %w", c, err)
		}
	}
	return "", nil
}

// maxConfigSize bounds the configuration file: a few KiB is typical, and
// --config pointing at /dev/zero must not exhaust memory.
const maxConfigSize = 1 << 20

// loadConfig reads and validates the file at path.
func loadConfig(path string, getenv func(string) string) (*Config, error) {
	data, err := readConfigFile(path)
	if err != nil {
		return nil, &ConfigError{File: path, Msg: "cannot read configuration: " + err.Error()}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &ConfigError{File: path, Msg: err.Error()}
	}
	c, err := parseConfig(abs, data, getenv)
	var ce *ConfigError
	if errors.As(err, &ce) {
		ce.File = path // as the user named it (or found by the lookup)
	}
	if c != nil {
		c.Name = path
	}
	return c, err
}

// readConfigFile reads a regular file of at most maxConfigSize bytes; a
// FIFO, a device or a huge file is refused instead of blocking or
// exhausting memory.
func readConfigFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, errors.Unwrap(err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	if fi.Size() > maxConfigSize {
		return nil, fmt.Errorf("larger than %d KiB", maxConfigSize>>10)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Unwrap(err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxConfigSize {
		return nil, fmt.Errorf("larger than %d KiB", maxConfigSize>>10)
	}
	return data, nil
}

// parseConfig validates the TOML document data that was read from file.
func parseConfig(file string, data []byte, getenv func(string) string) (*Config, error) {
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			msg := pe.Message
			if pe.LastKey != "" {
				msg = fmt.Sprintf("%q: %s", pe.LastKey, pe.Message)
			}
			return nil, &ConfigError{File: file, Line: pe.Position.Line, Msg: msg}
		}
		return nil, &ConfigError{File: file, Msg: err.Error()}
	}
	p := &configParser{file: file, dir: filepath.Dir(file), lines: indexKeyLines(data), data: data, getenv: getenv}
	c := defaultConfig()
	c.Path = file
	if err := p.top(raw, c); err != nil {
		return nil, err
	}
	return c, nil
}

// configParser walks the decoded TOML document, checking every key's type
// and value, and reports the first problem with its line.
type configParser struct {
	file   string
	dir    string
	lines  map[string]int
	data   []byte // the document, for where a value starts (valueLine)
	getenv func(string) string
}

func (p *configParser) errAt(path, format string, args ...any) error {
	return &ConfigError{File: p.file, Line: p.lines[path], Msg: fmt.Sprintf(format, args...)}
}

// sortedKeys gives a deterministic order, so the first error reported is
// always the same one (the one earliest in the file).
func (p *configParser) sortedKeys(prefix string, m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		la, lb := p.lines[prefix+a], p.lines[prefix+b]
		if la != lb {
			return la - lb
		}
		return strings.Compare(a, b)
	})
	return keys
}

// topLevelKeys are the keys and tables at the top of the file.
var topLevelKeys = []string{"window", "refresh", "environments", "services", "downtime_max_severity",
	"link_incidents_within", "cache_dir", "theme", "rotate", "source", "ssh", "http", "team"}

// sshKeys are the keys of the [ssh] table.
var sshKeys = []string{"listen", "host_key", "authorized_keys", "max_sessions", "idle_timeout", "allow_anonymous"}

// misplacedTopLevel reports whether k, found inside a table, is a
// top-level key: TOML puts every key after a table header into that table.
func misplacedTopLevel(k string) bool {
	return k != "source" && k != "ssh" && k != "http" && k != "team" && slices.Contains(topLevelKeys, k)
}

// unknownTableKey words an unknown key k of a table: a top-level key
// written below the table, or a typo of one of its keys.
func unknownTableKey(k, table string, keys []string) string {
	if misplacedTopLevel(k) {
		return fmt.Sprintf("%q is a top-level key: move it above %s", k, table)
	}
	return fmt.Sprintf("unknown key %q%s", k, suggestion(k, keys))
}

func (p *configParser) top(raw map[string]any, c *Config) error {
	for _, k := range p.sortedKeys("", raw) {
		v := raw[k]
		var err error
		switch k {
		case "window":
			c.Query.Days, err = p.days(k, "window", v)
		case "refresh":
			c.Refresh, err = p.interval(k, "refresh", v)
		case "environments":
			c.Query.Environments, err = p.strings(k, "environments", v)
			if err == nil && len(c.Query.Environments) == 0 {
				err = p.errAt(k, "environments: give at least one environment, or leave the key out for [\"production\"]")
			}
		case "services":
			c.Query.Services, err = p.strings(k, "services", v)
		case "downtime_max_severity":
			var n int64
			n, err = p.integer(k, "downtime_max_severity", v)
			if err == nil && (n < 1 || n > 5) {
				err = p.errAt(k, "downtime_max_severity: %d is not a severity from 1 to 5", n)
			}
			c.Query.DowntimeMaxSeverity = int(n)
		case "link_incidents_within":
			c.Query.LinkWithin, err = p.durationOrZero(k, "link_incidents_within", v)
		case "cache_dir":
			c.CacheDir, err = p.cacheDirKey(k, v)
		case "rotate":
			c.Rotate, err = p.rotateKey(k, v)
		case "theme":
			c.Theme, err = p.str(k, "theme", v)
			if err == nil && c.Theme != "dark" && c.Theme != "light" {
				err = p.errAt(k, "theme: %q is not dark or light (leave the key out to ask the terminal)", c.Theme)
			}
		case "source":
			err = p.sources(v, c)
		case "ssh":
			err = p.ssh(v, &c.SSH)
		case "http":
			err = p.http(v, &c.HTTP)
		case "team":
			err = p.teams(v, c)
		default:
			err = p.errAt(k, "unknown key %q%s", k, suggestion(k, topLevelKeys))
		}
		if err != nil {
			return err
		}
	}
	// Sources inherit the top-level refresh, wherever it stands in the file.
	for i := range c.Sources {
		if c.Sources[i].Interval == 0 {
			c.Sources[i].Interval = c.Refresh
		}
	}
	return nil
}

func (p *configParser) sources(v any, c *Config) error {
	tables, ok := v.([]map[string]any)
	if !ok {
		return p.errAt("source", "source: write each source as a [[source]] table")
	}
	seen := map[string]int{}
	for i, t := range tables {
		prefix := fmt.Sprintf("source[%d].", i)
		s, err := p.source(prefix, t)
		if err != nil {
			return err
		}
		if j, dup := seen[s.Name]; dup {
			return p.errAt(prefix+"name", "source %q: duplicate name (also source %d)", s.Name, j+1)
		}
		seen[s.Name] = i
		c.Sources = append(c.Sources, s)
	}
	return nil
}

var sourceKeys = map[string][]string{
	"file":       {"name", "type", "path", "format", "interval"},
	"http":       {"name", "type", "url", "format", "interval", "timeout", "max_bytes", "headers", "bearer_token_env", "ca_file", "headers_env", "transform", "paginate"},
	"demo":       {"name", "type", "interval"},
	"github":     githubKeys,
	"gitlab":     gitlabKeys,
	"pagerduty":  pagerdutyKeys,
	"incidentio": incidentioKeys,
}

func (p *configParser) source(prefix string, t map[string]any) (SourceConfig, error) {
	var s SourceConfig
	header := strings.TrimSuffix(prefix, ".") // the [[source]] line
	name, ok := t["name"]
	if !ok {
		return s, p.errAt(header, "source: missing required key \"name\"")
	}
	var err error
	if s.Name, err = p.str(prefix+"name", "source name", name); err != nil {
		return s, err
	}
	if s.Name == "" {
		return s, p.errAt(prefix+"name", "source: name must not be empty")
	}
	what := fmt.Sprintf("source %q", s.Name)
	typ, ok := t["type"]
	if !ok {
		return s, p.errAt(header, "%s: missing required key \"type\" (file, http, demo, github, gitlab, pagerduty or incidentio)", what)
	}
	if s.Type, err = p.str(prefix+"type", what+": type", typ); err != nil {
		return s, err
	}
	allowed, ok := sourceKeys[s.Type]
	if !ok {
		return s, p.errAt(prefix+"type", "%s: unknown type %q (file, http, demo, github, gitlab, pagerduty or incidentio)", what, s.Type)
	}
	for _, k := range p.sortedKeys(prefix, t) {
		if !slices.Contains(allowed, k) {
			if misplacedTopLevel(k) {
				return s, p.errAt(prefix+k, "%s: %q is a top-level key: move it above the first [[source]]", what, k)
			}
			return s, p.errAt(prefix+k, "%s: unknown key %q for a %s source%s", what, k, s.Type, suggestion(k, allowed))
		}
		v, key := t[k], prefix+k
		label := what + ": " + k
		switch k {
		case "path":
			s.Path, err = p.str(key, label, v)
			if err == nil {
				s.Path = p.resolve(s.Path)
			}
		case "format":
			var f string
			if f, err = p.str(key, label, v); err == nil {
				if s.Format, err = sources.ParseFormat(f); err != nil {
					err = p.errAt(key, "%s: %v", label, err)
				}
			}
		case "interval":
			s.Interval, err = p.interval(key, label, v)
		case "url":
			s.URL, err = p.str(key, label, v)
		case "timeout":
			s.Timeout, err = p.duration(key, label, v)
		case "max_bytes":
			s.MaxBytes, err = p.size(key, label, v)
		case "headers":
			s.Headers, err = p.headers(key, label, v)
		case "bearer_token_env":
			s.BearerTokenEnv, err = p.str(key, label, v)
			if err == nil {
				s.BearerToken = p.getenv(s.BearerTokenEnv)
				if s.BearerToken == "" {
					err = p.errAt(key, "%s: environment variable %s is not set", label, s.BearerTokenEnv)
				}
			}
		case "ca_file":
			s.CAFile, err = p.str(key, label, v)
			if err == nil && s.CAFile == "" {
				err = p.errAt(key, "%s: must not be empty (leave the key out for the system's CAs)", label)
			}
			s.CAFile = p.resolve(s.CAFile)
		case "transform", "paginate", "headers_env":
			err = p.transformKey(&s, k, key, label, v)
		default:
			err = p.apiKey(&s, k, key, label, v)
		}
		if err != nil {
			return s, err
		}
	}
	return s, p.checkSource(prefix, what, &s)
}

// checkSource checks a source's keys as a whole with its options type's
// own Validate, and places the error on the line of the key it names.
func (p *configParser) checkSource(prefix, what string, s *SourceConfig) error {
	var err error
	switch s.Type {
	case "file":
		o := fileOptions(*s)
		err = o.Validate()
	case "http":
		if s.URL != "" && (s.Transform.Program != "" || p.has(prefix+"transform") || p.has(prefix+"paginate")) {
			return p.checkTransform(prefix, what, s)
		}
		o := httpOptions(*s, "")
		if err = o.Validate(); err == nil {
			s.Timeout, s.MaxBytes = o.Timeout, o.MaxBytes // with the defaults filled in
		}
	case "demo":
		o := demoOptions(*s, nil)
		err = o.Validate()
	default:
		return p.checkAPISource(prefix, what, s)
	}
	return p.optionErr(prefix, what, err)
}

// fileOptions maps a file source's configuration to its options.
func fileOptions(sc SourceConfig) sources.FileOptions {
	return sources.FileOptions{Name: sc.Name, Path: sc.Path, Format: sc.Format}
}

// httpOptions maps an http source without a transform to its options.
func httpOptions(sc SourceConfig, userAgent string) httpsrc.Options {
	return httpsrc.Options{
		Name: sc.Name, URL: sc.URL, Format: sc.Format, Timeout: sc.Timeout, MaxBytes: sc.MaxBytes,
		Headers: httpHeaders(sc), BearerToken: sc.BearerToken, CAFile: sc.CAFile, UserAgent: userAgent,
	}
}

// demoOptions maps a demo source's configuration to its options.
func demoOptions(sc SourceConfig, clock func() time.Time) demo.Options {
	return demo.Options{Name: sc.Name, Clock: clock}
}

// has reports whether the file has the key (a path like "source[0].url").
func (p *configParser) has(key string) bool {
	_, ok := p.lines[key]
	return ok
}

// optionErr places err, from a source options type's Validate, on the line
// of the key it starts with ("url: ..."), else on the [[source]] line
// (`missing required key "url"`).
func (p *configParser) optionErr(prefix, what string, err error) error {
	if err == nil {
		return nil
	}
	key := strings.TrimSuffix(prefix, ".")
	if k, _, ok := strings.Cut(err.Error(), ":"); ok && p.has(prefix+k) {
		key = prefix + k
	}
	return p.errAt(key, "%s: %v", what, err)
}

// table reads the top-level table name ([ssh], [http]) in file order: key
// reads one of its keys (k, its path "ssh.k", its label "ssh: k" for
// messages) and says whether it knows it; the first error ends the table.
func (p *configParser) table(name string, v any, keys []string, key func(k, path, label string, v any) (bool, error)) error {
	t, ok := v.(map[string]any)
	if !ok {
		return p.errAt(name, "%s: write it as an [%s] table", name, name)
	}
	for _, k := range p.sortedKeys(name+".", t) {
		path := name + "." + k
		known, err := key(k, path, name+": "+k, t[k])
		if err == nil && !known {
			err = p.errAt(path, "%s: %s", name, unknownTableKey(k, "["+name+"]", keys))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// required is a required key of a source and its value; "": missing.
type required struct{ key, val string }

// requireKeys places the first of keys that is missing on the [[source]]
// line at prefix, in a message that names the key (rather than an empty
// value the source's Validate would reject).
func (p *configParser) requireKeys(prefix, what string, keys ...required) error {
	for _, k := range keys {
		if k.val == "" {
			return p.errAt(strings.TrimSuffix(prefix, "."), "%s: missing required key %q", what, k.key)
		}
	}
	return nil
}

func (p *configParser) ssh(v any, s *SSHConfig) error {
	return p.table("ssh", v, sshKeys, func(k, key, label string, v any) (bool, error) {
		var err error
		switch k {
		case "listen":
			s.Listen, err = p.str(key, label, v)
		case "host_key":
			s.HostKey, err = p.str(key, label, v)
			s.HostKey = p.resolve(s.HostKey)
		case "authorized_keys":
			s.AuthorizedKeys, err = p.str(key, label, v)
			s.AuthorizedKeys = p.resolve(s.AuthorizedKeys)
		case "max_sessions":
			var n int64
			n, err = p.integer(key, label, v)
			if err == nil && (n < 1 || n > 10000) {
				err = p.errAt(key, "%s: %d is not between 1 and 10000", label, n)
			}
			s.MaxSessions = int(n)
		case "idle_timeout":
			s.IdleTimeout, err = p.durationOrZero(key, label, v)
		case "allow_anonymous":
			s.AllowAnonymous, err = p.boolean(key, label, v)
		default:
			return false, nil
		}
		return true, err
	})
}

// resolve makes a configured path absolute: "~/" is the home folder, other
// relative paths are relative to the configuration file's folder.
func (p *configParser) resolve(path string) string {
	if path == "" {
		return path
	}
	return resolvePath(p.dir, path, p.getenv)
}

func resolvePath(dir, path string, getenv func(string) string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if h := getenv("HOME"); h != "" {
			return filepath.Join(h, rest)
		}
	}
	if filepath.IsAbs(path) || dir == "" {
		return path
	}
	return filepath.Join(dir, path)
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", x)
	case int64:
		return fmt.Sprintf("the number %d", x)
	case float64:
		return fmt.Sprintf("the number %v", x)
	case bool:
		return fmt.Sprintf("%v", x)
	case []any:
		return "an array"
	case map[string]any, []map[string]any:
		return "a table"
	case time.Time:
		return "a date"
	}
	return fmt.Sprintf("%T", v)
}

func (p *configParser) str(key, label string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", p.errAt(key, "%s: expected a string, got %s", label, describe(v))
	}
	return s, nil
}

// boolean reads true or false.
func (p *configParser) boolean(key, label string, v any) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, p.errAt(key, "%s: expected true or false, got %s", label, describe(v))
	}
	return b, nil
}

func (p *configParser) integer(key, label string, v any) (int64, error) {
	n, ok := v.(int64)
	if !ok {
		return 0, p.errAt(key, "%s: expected a whole number, got %s", label, describe(v))
	}
	return n, nil
}

func (p *configParser) strings(key, label string, v any) ([]string, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, p.errAt(key, "%s: expected an array of strings, got %s", label, describe(v))
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			return nil, p.errAt(key, "%s[%d]: expected a string, got %s", label, i, describe(e))
		}
		out = append(out, s)
	}
	return out, nil
}

func (p *configParser) headers(key, label string, v any) (map[string]string, error) {
	t, ok := v.(map[string]any)
	if !ok {
		return nil, p.errAt(key, "%s: expected a table like { \"Accept\" = \"application/json\" }, got %s", label, describe(v))
	}
	out := make(map[string]string, len(t))
	for k, hv := range t {
		s, ok := hv.(string)
		if !ok {
			return nil, p.errAt(key, "%s: header %q: expected a string, got %s", label, k, describe(hv))
		}
		out[k] = s
	}
	return out, nil
}

// duration parses a duration string with a unit; a bare number is an
// error because its unit would be a guess.
func (p *configParser) duration(key, label string, v any) (time.Duration, error) {
	d, err := p.durationOrZero(key, label, v)
	if err == nil && d <= 0 {
		err = p.errAt(key, "%s: must be longer than 0s", label)
	}
	return d, err
}

func (p *configParser) durationOrZero(key, label string, v any) (time.Duration, error) {
	switch x := v.(type) {
	case string:
		d, err := time.ParseDuration(x)
		if err != nil {
			return 0, p.errAt(key, "%s: %q is not a duration like \"30s\", \"5m\" or \"1h30m\"", label, x)
		}
		if d < 0 {
			return 0, p.errAt(key, "%s: %q is negative", label, x)
		}
		return d, nil
	case int64, float64:
		return 0, p.errAt(key, "%s: %s needs a unit, like \"%vs\"", label, describe(v), v)
	}
	return 0, p.errAt(key, "%s: expected a duration string like \"30s\", got %s", label, describe(v))
}

// interval is a polling interval. Shorter than a second is raised to a
// second: no source is asked more than once a second.
func (p *configParser) interval(key, label string, v any) (time.Duration, error) {
	d, err := p.duration(key, label, v)
	return max(d, minInterval), err
}

var daysRE = regexp.MustCompile(`^([0-9]+)d$`)

func (p *configParser) days(key, label string, v any) (int, error) {
	s, ok := v.(string)
	if !ok {
		return 0, p.errAt(key, "%s: expected whole days like \"30d\", got %s", label, describe(v))
	}
	n, err := parseDays(s)
	if err != nil {
		return 0, p.errAt(key, "%s: %v", label, err)
	}
	return n, nil
}

// parseDays parses a window of whole days, "1d" to "366d".
func parseDays(s string) (int, error) {
	m := daysRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not a whole number of days like \"30d\"", s)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 || n > model.MaxDays {
		return 0, fmt.Errorf("%q: a window is 1d to %dd", s, model.MaxDays)
	}
	return n, nil
}

var sizeRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$`)

var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
	"k": 1 << 10, "m": 1 << 20, "g": 1 << 30,
}

func (p *configParser) size(key, label string, v any) (int64, error) {
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case string:
		var err error
		if n, err = parseSize(x); err != nil {
			return 0, p.errAt(key, "%s: %v", label, err)
		}
	default:
		return 0, p.errAt(key, "%s: expected bytes or a size like \"32MiB\", got %s", label, describe(v))
	}
	if n < 1 || n > 1<<40 {
		return 0, p.errAt(key, "%s: %d bytes is out of range (1 B to 1 TiB)", label, n)
	}
	return n, nil
}

// parseSize parses "32MiB", "10MB", "512KiB", "2048".
func parseSize(s string) (int64, error) {
	m := sizeRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not a size like \"32MiB\"", s)
	}
	mult, ok := sizeUnits[strings.ToLower(m[2])]
	if !ok {
		return 0, fmt.Errorf("%q: unknown unit %q (B, KB, MB, GB, KiB, MiB, GiB)", s, m[2])
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil || f*mult > 1<<62 {
		return 0, fmt.Errorf("%q is not a size like \"32MiB\"", s)
	}
	return int64(f * mult), nil
}
