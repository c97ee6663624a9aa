package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"doradash/cmd/doradash/internal/httpapi"
	"doradash/cmd/doradash/internal/reports"
	"doradash/model"
	"doradash/sources/poller"
)

// httpServing is the HTTP side of `serve`: the server and its bound
// listener. A nil *httpServing is "HTTP off"; its methods do nothing.
type httpServing struct {
	srv *httpapi.Server
	ln  net.Listener
	log *slog.Logger
	err chan error // Serve's result
}

// listenHTTP builds the HTTP server of the configuration ([http], with
// --http overriding its listen) and binds its address. It returns nil
// when HTTP is off. cache is shared with the SSH sessions; nil: the
// server's own.
func listenHTTP(s *settings, p *poller.Poller, listen string, log *slog.Logger, cache *reports.Cache) (*httpServing, error) {
	h := s.cfg.HTTP
	if listen != "" {
		h.Listen = listen
	}
	if h.Listen == "" {
		return nil, nil
	}
	srv, err := httpapi.New(httpapi.Options{
		Feed:      p,
		Base:      s.query(time.Time{}),
		Reports:   cache,
		Windows:   h.Windows,
		Teams:     s.cfg.httpTeams(),
		WriteJSON: func(w io.Writer, r *model.Report) error { return writeReport(w, r, "json", false) },
		Clock:     s.clock(),
		Fixed:     s.fixed,
		Token:     h.Token,
		CertFile:  h.CertFile,
		KeyFile:   h.KeyFile,
		Version:   versionString(),
		Logger:    log,
	})
	if err != nil {
		return nil, &ConfigError{File: s.cfg.Name, Msg: err.Error()}
	}
	ln, err := net.Listen("tcp", h.Listen)
	if err != nil {
		return nil, usagef("serve: listen on %s for HTTP: %v", h.Listen, err)
	}
	return &httpServing{srv: srv, ln: ln, log: log, err: make(chan error, 1)}, nil
}

// start serves in a goroutine that wg waits for, and logs the address:
// with --http 127.0.0.1:0 the line's http_addr= is how a test or script
// learns the port.
func (h *httpServing) start(wg *sync.WaitGroup) {
	if h == nil {
		return
	}
	wg.Go(func() {
		err := h.srv.Serve(h.ln)
		if err != nil {
			h.log.Error("HTTP server stopped", "err", err)
		}
		h.err <- err
	})
	scheme := "http"
	if h.srv.TLS() {
		scheme = "https"
	}
	h.log.Info("serving HTTP", "http_addr", h.ln.Addr().String(), "url", scheme+"://"+h.ln.Addr().String()+"/metrics")
}

// shutdown stops the server, letting requests in flight finish until ctx
// ends.
func (h *httpServing) shutdown(ctx context.Context) {
	if h == nil {
		return
	}
	if err := h.srv.Shutdown(ctx); err != nil {
		h.log.Warn("HTTP shutdown", "err", err)
	}
}

// serveHeadless is `serve --no-ssh`: the poller and the HTTP endpoints
// only, until ctx ends (SIGINT, SIGTERM) or the server fails.
func serveHeadless(ctx context.Context, s *settings, p *poller.Poller, listen string, log *slog.Logger) error {
	h, err := listenHTTP(s, p, listen, log, nil)
	if err != nil {
		return err
	}
	if h == nil {
		return usagef("serve --no-ssh: nothing to serve: set [http] listen or --http ADDR")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { p.Run(ctx) })
	h.start(&wg)
	var result error
	select {
	case <-ctx.Done():
		log.Info("stopping")
	case err := <-h.err:
		if err != nil {
			result = fmt.Errorf("serve: %w", err)
		}
	}
	shCtx, shCancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer shCancel()
	h.shutdown(shCtx)
	cancel()
	wg.Wait()
	return result
}
