package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"doradash/sources/apisrc"
)

// apiEnv is what the API sources of one process share: the window (for
// history's default) and one cache, opened when the first API source is
// built.
type apiEnv struct {
	windowDays int
	dir        string // "": no disk cache
	log        *slog.Logger
	once       sync.Once
	c          *apisrc.Cache
}

// apiEnv returns the API sources' environment of the settings.
func (s *settings) apiEnv() *apiEnv {
	a := &apiEnv{windowDays: s.cfg.Query.Days, log: s.warnLog}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if !s.noCache {
		a.dir = s.cfg.CacheDir
		if a.dir == "" {
			a.dir = s.defaultCacheDir
		}
	}
	return a
}

// cache returns the process's cache (memory only with --no-cache).
func (a *apiEnv) cache() *apisrc.Cache {
	a.once.Do(func() { a.c = apisrc.OpenCache(a.dir, a.log) })
	return a.c
}

// warningHandler writes warnings as "doradash: warning: msg (k=v, …)"
// lines, for one-shot commands whose stderr a person reads.
type warningHandler struct {
	mu    *sync.Mutex
	w     io.Writer
	attrs []slog.Attr
}

func newWarningLogger(w io.Writer) *slog.Logger {
	return slog.New(&warningHandler{mu: &sync.Mutex{}, w: w})
}

func (h *warningHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h *warningHandler) Handle(_ context.Context, r slog.Record) error {
	line := "doradash: warning: " + r.Message
	var kv []string
	for _, a := range h.attrs {
		kv = append(kv, a.Key+"="+a.Value.String())
	}
	r.Attrs(func(a slog.Attr) bool {
		kv = append(kv, a.Key+"="+a.Value.String())
		return true
	})
	if len(kv) > 0 {
		line += " (" + joinComma(kv) + ")"
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := fmt.Fprintln(h.w, line)
	return err
}

func (h *warningHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &warningHandler{mu: h.mu, w: h.w, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *warningHandler) WithGroup(string) slog.Handler { return h }

func joinComma(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ", "
		}
		out += v
	}
	return out
}
