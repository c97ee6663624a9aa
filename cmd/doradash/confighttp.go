package main

import (
	"slices"
	"strings"
)

// HTTPConfig is the [http] table: the HTTP endpoints of `serve`.
type HTTPConfig struct {
	Listen   string // "": off
	TokenEnv string
	Token    string // read from TokenEnv; never printed
	CertFile string
	KeyFile  string
	Windows  []int // days, for /metrics
}

// httpKeys are the keys of the [http] table.
var httpKeys = []string{"listen", "token_env", "cert_file", "key_file", "windows"}

// defaultHTTPWindows are the windows /metrics reports by default.
var defaultHTTPWindows = []int{7, 30}

func (p *configParser) http(v any, h *HTTPConfig) error {
	err := p.table("http", v, httpKeys, func(k, key, label string, v any) (bool, error) {
		var err error
		switch k {
		case "listen":
			h.Listen, err = p.str(key, label, v)
		case "token_env":
			h.TokenEnv, err = p.str(key, label, v)
			if err == nil {
				h.Token = p.getenv(h.TokenEnv)
				if h.Token == "" {
					err = p.errAt(key, "%s: environment variable %s is not set", label, h.TokenEnv)
				}
			}
		case "cert_file":
			h.CertFile, err = p.str(key, label, v)
			h.CertFile = p.resolve(h.CertFile)
		case "key_file":
			h.KeyFile, err = p.str(key, label, v)
			h.KeyFile = p.resolve(h.KeyFile)
		case "windows":
			h.Windows, err = p.windows(key, label, v)
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return err
	}
	if (h.CertFile == "") != (h.KeyFile == "") {
		return p.errAt("http", "http: cert_file and key_file go together (or leave TLS to a reverse proxy)")
	}
	return nil
}

// windows parses a list of distinct windows like ["7d", "30d"].
func (p *configParser) windows(key, label string, v any) ([]int, error) {
	list, err := p.strings(key, label, v)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, p.errAt(key, "%s: give at least one window, or leave the key out for [\"7d\", \"30d\"]", label)
	}
	out := make([]int, 0, len(list))
	for i, s := range list {
		n, err := parseDays(s)
		if err != nil {
			return nil, p.errAt(key, "%s[%d]: %v", label, i, err)
		}
		if slices.Contains(out, n) {
			return nil, p.errAt(key, "%s[%d]: %q is listed twice", label, i, strings.TrimSpace(s))
		}
		out = append(out, n)
	}
	return out, nil
}
