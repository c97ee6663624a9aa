package main

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"doradash/sources"
	"doradash/sources/httpsrc"
	"doradash/sources/transform"
)

// TransformConfig holds an http source's keys of SPEC §8.6: the jq
// program run on every page and how to find the next page.
type TransformConfig struct {
	Program string
	// Line is the line of the file the program's first line is on.
	Line     int
	Paginate transform.Paginate
}

// paginateKeys are the keys of a paginate table.
var paginateKeys = []string{"style", "next", "param", "start", "size", "total", "page_size"}

// transformKey reads transform, paginate and headers_env of an http source.
func (p *configParser) transformKey(s *SourceConfig, k, key, label string, v any) error {
	var err error
	switch k {
	case "transform":
		s.Transform.Program, err = p.str(key, label, v)
		s.Transform.Line = p.valueLine(key)
	case "paginate":
		err = p.paginate(key, label, v, &s.Transform.Paginate)
	case "headers_env":
		s.HeadersEnv, err = p.headersEnv(key, label, v)
	}
	return err
}

// valueLine is the line a string value's text starts on: the key's line,
// or the next one for a multi-line string whose opening quotes end their
// line (TOML drops that first line break).
func (p *configParser) valueLine(key string) int {
	n := p.lines[key]
	lines := strings.Split(string(p.data), "\n")
	if n < 1 || n > len(lines) {
		return n
	}
	_, value, _ := strings.Cut(lines[n-1], "=")
	value = strings.TrimSpace(value)
	for _, q := range []string{`'''`, `"""`} {
		if rest, ok := strings.CutPrefix(value, q); ok && strings.TrimSpace(rest) == "" {
			return n + 1
		}
	}
	return n
}

func (p *configParser) paginate(key, label string, v any, pg *transform.Paginate) error {
	t, ok := v.(map[string]any)
	if !ok {
		return p.errAt(key, "%s: expected a table like { style = \"link\" }, got %s", label, describe(v))
	}
	for _, k := range p.sortedKeys(key+".", t) {
		sub, subLabel := p.paginateLine(key, k), label+"."+k
		var err error
		switch k {
		case "style":
			pg.Style, err = p.str(sub, subLabel, t[k])
		case "next":
			pg.Next, err = p.str(sub, subLabel, t[k])
		case "param":
			pg.Param, err = p.str(sub, subLabel, t[k])
		case "start":
			pg.Start, err = p.str(sub, subLabel, t[k])
		case "size":
			pg.Size, err = p.str(sub, subLabel, t[k])
		case "total":
			pg.Total, err = p.str(sub, subLabel, t[k])
		case "page_size":
			var n int64
			n, err = p.integer(sub, subLabel, t[k])
			if err == nil && (n < 1 || n > transform.MaxPageSize) {
				err = p.errAt(sub, "%s: %d is not between 1 and %d", subLabel, n, transform.MaxPageSize)
			}
			pg.PageSize = int(n)
		default:
			err = p.errAt(sub, "%s: unknown key %q (%s)", label, k, strings.Join(paginateKeys, ", "))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// paginateLine is the key whose line names a paginate key: its own line
// in a [source.paginate] table, else the paginate key's.
func (p *configParser) paginateLine(key, k string) string {
	if _, ok := p.lines[key+"."+k]; ok {
		return key + "." + k
	}
	return key
}

// headersEnv reads headers_env = { "Authorization" = "OPSGENIE_AUTH" }:
// each value is read from the named variable. Only headers whose names say
// they hold a credential may be read so, because only those are kept out
// of messages.
func (p *configParser) headersEnv(key, label string, v any) (map[string]string, error) {
	t, ok := v.(map[string]any)
	if !ok {
		return nil, p.errAt(key, "%s: expected a table like { \"Authorization\" = \"API_AUTH\" }, got %s", label, describe(v))
	}
	out := make(map[string]string, len(t))
	for _, name := range slices.Sorted(maps.Keys(t)) {
		envName, ok := t[name].(string)
		switch {
		case !ok:
			return nil, p.errAt(key, "%s: header %q: expected the name of an environment variable, got %s", label, name, describe(t[name]))
		case !httpsrc.ValidHeaderName(name):
			return nil, p.errAt(key, "%s: %q is not a valid header name", label, name)
		case !httpsrc.SecretHeader(name):
			return nil, p.errAt(key, "%s: %q does not name a credential header (Authorization, X-Api-Key, …): write its value under headers", label, name)
		}
		val := p.getenv(envName)
		switch {
		case val == "":
			return nil, p.errAt(key, "%s: header %q: environment variable %s is not set or empty", label, name, envName)
		case strings.ContainsAny(val, "\r\n\x00"):
			return nil, p.errAt(key, "%s: header %q: the value of %s must be one line without NUL", label, name, envName)
		}
		out[name] = val
	}
	return out, nil
}

// checkTransform checks an http source's transform keys as a whole, with
// the line at fault: a program that does not compile names the line of
// the file it is on.
func (p *configParser) checkTransform(prefix, what string, s *SourceConfig) error {
	if s.Type != "http" {
		return nil
	}
	tc := &s.Transform
	if _, given := p.lines[prefix+"transform"]; tc.Program == "" && !given {
		if _, ok := p.lines[prefix+"paginate"]; ok || tc.Paginate != (transform.Paginate{}) {
			return p.errAt(prefix+"paginate", "%s: paginate needs a transform (the pages of the native format are not paginated)", what)
		}
		return nil
	}
	if s.Format == sources.FormatNDJSON {
		return p.errAt(prefix+"format", "%s: format: a transform reads JSON pages; leave format out", what)
	}
	if _, err := transform.Compile(tc.Program); err != nil {
		var ce *transform.CompileError
		line := p.lines[prefix+"transform"]
		msg := err.Error()
		if errors.As(err, &ce) && ce.Line > 0 {
			line = tc.Line + ce.Line - 1
			msg = fmt.Sprintf("%s (line %d of the program, column %d)", ce.Msg, ce.Line, ce.Column)
		}
		return &ConfigError{File: p.file, Line: line, Msg: fmt.Sprintf("%s: transform does not compile: %s", what, msg)}
	}
	o := transformOptions(*s, "")
	err := o.Validate()
	if err == nil {
		return nil
	}
	if k, _, _ := strings.Cut(err.Error(), ":"); strings.HasPrefix(k, "paginate") {
		key := prefix + "paginate" // a key of the [source.paginate] table
		if pk, ok := strings.CutPrefix(k, "paginate."); ok {
			key = p.paginateLine(key, pk)
		}
		return p.errAt(key, "%s: %v", what, err)
	}
	return p.optionErr(prefix, what, err)
}

// transformOptions maps an http source with a transform to its options.
func transformOptions(sc SourceConfig, userAgent string) transform.Options {
	return transform.Options{
		Name: sc.Name, URL: sc.URL, Transform: sc.Transform.Program, Paginate: sc.Transform.Paginate,
		Timeout: sc.Timeout, MaxBytes: sc.MaxBytes, Headers: httpHeaders(sc), BearerToken: sc.BearerToken,
		CAFile: sc.CAFile, UserAgent: userAgent,
	}
}

// httpHeaders are an http source's headers: those of the file and those
// read from variables (headers_env).
func httpHeaders(sc SourceConfig) map[string]string {
	if len(sc.HeadersEnv) == 0 {
		return sc.Headers
	}
	headers := make(map[string]string, len(sc.Headers)+len(sc.HeadersEnv))
	maps.Copy(headers, sc.Headers)
	maps.Copy(headers, sc.HeadersEnv)
	return headers
}
