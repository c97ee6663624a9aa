// Package httpapi is the HTTP side of `doradash serve`: Prometheus metrics,
// the SPEC §5 snapshot as JSON, the merged dataset as native NDJSON (so that
// another doradash can chain from this one with an `http` source), and
// health checks. It reads the poller's newest version and computes reports
// through a cache shared by every request, so a flood of requests costs at
// most one computation per distinct (data version, query, minute).
package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"doradash/cmd/doradash/internal/reports"
	"doradash/model"
)

// Feed is where the server reads the newest data. The poller satisfies it.
//
// Latest is called from many goroutines at once and must never return nil;
// the version it returns, its Dataset and its Sources are treated as
// immutable.
type Feed interface {
	Latest() *model.Version
}

// Team is a named group of services (the `[[team]]` tables).
type Team = model.Team

// Unassigned is the team of a service that no team lists.
const Unassigned = model.Unassigned

// Defaults of the limits.
const (
	DefaultMaxConcurrent = 64
	DefaultCacheEntries  = 512
	// MaxTeams bounds how many teams one query may name.
	maxQueryValues = 64
)

// DefaultWindows are the windows /metrics reports when none are configured.
var DefaultWindows = []int{7, 30}

// Options configures a Server. Feed and WriteJSON are required.
type Options struct {
	Feed Feed
	// Base is the query of the configuration: window, environments,
	// services and downtime severity. Its End is ignored.
	Base model.Query
	// Windows are the windows, in days, that /metrics reports (label
	// window="7d"). Empty: DefaultWindows.
	Windows []int
	// Teams names the services of each team; a service in no team is
	// Unassigned. nil: no teams.
	Teams []Team
	// Compute computes a report; nil: model.Compute. The server fills in
	// the report's sources itself and never modifies what Compute returns.
	Compute func(*model.Dataset, model.Query) *model.Report
	// WriteJSON writes a report as SPEC §5 JSON: the same encoder as
	// `snapshot --format json`.
	WriteJSON func(io.Writer, *model.Report) error
	// Clock is the server's now; nil: time.Now. Without Fixed, reports are
	// computed as of the start of the current minute, which is what lets
	// every request within a minute share one computation.
	Clock func() time.Time
	// Fixed says the clock stands still (`--now`): reports are computed as
	// of exactly its time.
	Fixed bool
	// Token, when not empty, is the bearer token required on every
	// endpoint but /healthz.
	Token string
	// MaxConcurrent caps the requests served at once (beyond it: 503).
	// 0: DefaultMaxConcurrent.
	MaxConcurrent int
	// CacheEntries bounds the cached reports. 0: DefaultCacheEntries.
	// Ignored when Reports is set.
	CacheEntries int
	// Reports is the cache of computations shared with the process's
	// other viewers (the SSH sessions); nil: the server's own.
	Reports *reports.Cache
	// Headroom returns the rate-limit headroom of a source, as the ratio
	// of requests left to its limit; ok false when the source has none
	// (files, plain http). nil: no source has one.
	Headroom func(model.SourceStatus) (ratio float64, ok bool)
	// Version is the build's version for doradash_build_info.
	Version string
	// CertFile and KeyFile serve HTTPS when both are set.
	CertFile, KeyFile string
	// Logger receives server errors (bad TLS handshakes and the like).
	// nil: discarded.
	Logger *slog.Logger
}

// Server serves the endpoints. Create it with New.
//
// Concurrency contract: Handler's handlers run concurrently; Serve is
// called at most once; Shutdown stops accepting, waits for the requests in
// flight until its ctx ends, then closes what is left. Every goroutine the
// server starts has ended when Serve has returned and Shutdown has.
type Server struct {
	o       Options
	windows []int
	teamOf  map[string]string // service → team
	sem     chan struct{}
	cache   *reports.Cache
	etags   etags
	token   [sha256.Size]byte
	handler http.Handler
	http    *http.Server
	tls     bool // serving HTTPS; http.Server changes its TLSConfig once serving
}

// New checks o and builds the server. Errors name the option at fault.
func New(o Options) (*Server, error) {
	if o.Feed == nil || o.WriteJSON == nil {
		return nil, errors.New("httpapi: Feed and WriteJSON are required")
	}
	if o.Compute == nil {
		o.Compute = model.Compute
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = DefaultMaxConcurrent
	}
	if o.CacheEntries <= 0 {
		o.CacheEntries = DefaultCacheEntries
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		o:       o,
		windows: slices.Clone(o.Windows),
		teamOf:  map[string]string{},
		sem:     make(chan struct{}, o.MaxConcurrent),
		cache:   o.Reports,
	}
	if s.cache == nil {
		s.cache = reports.New(o.CacheEntries)
	}
	if len(s.windows) == 0 {
		s.windows = slices.Clone(DefaultWindows)
	}
	for _, d := range s.windows {
		if d < 1 || d > model.MaxDays {
			return nil, fmt.Errorf("httpapi: window %dd is not between 1d and %dd", d, model.MaxDays)
		}
	}
	for _, t := range o.Teams {
		for _, svc := range t.Services {
			s.teamOf[svc] = model.Teams(o.Teams).Of(svc) // looked up once, not per series
		}
	}
	if o.Token != "" {
		s.token = sha256.Sum256([]byte(o.Token))
	}
	var tlsConf *tls.Config
	if (o.CertFile == "") != (o.KeyFile == "") {
		return nil, errors.New("httpapi: cert_file and key_file go together")
	}
	if o.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("httpapi: load cert_file and key_file: %w", err)
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	s.tls = tlsConf != nil
	s.handler = s.routes()
	s.http = &http.Server{
		Handler:           s.handler,
		TLSConfig:         tlsConf,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Long enough for any report; /api/v1/events, which can stream a
		// large dataset, moves its own deadline on as it writes.
		WriteTimeout:   writeTimeout,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(o.Logger.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// writeTimeout is how long a response may take to write, and for the
// event stream how long it may stall.
const writeTimeout = time.Minute

// Handler returns the server's handler: every endpoint with its limits
// and authentication.
func (s *Server) Handler() http.Handler { return s.handler }

// TLS reports whether the server serves HTTPS.
func (s *Server) TLS() bool { return s.tls }

// Serve accepts connections on ln until Shutdown; HTTPS when the options
// name a certificate. It returns nil after Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	var err error
	if s.tls {
		err = s.http.ServeTLS(ln, "", "")
	} else {
		err = s.http.Serve(ln)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops the server: no new connections, requests in flight may
// finish until ctx ends, then every connection is closed.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	if err != nil {
		s.http.Close()
	}
	return err
}

// paths are the endpoints, for the messages of 404 and 405.
var paths = []string{"/metrics", "/api/v1/snapshot", "/api/v1/events", "/healthz", "/readyz"}

func (s *Server) routes() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(&collector{s: s})
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		EnableOpenMetrics: true,
		ErrorHandling:     promhttp.ContinueOnError,
		ErrorLog:          slog.NewLogLogger(s.o.Logger.Handler(), slog.LevelWarn),
	})
	api := http.NewServeMux()
	api.Handle("GET /metrics", metrics)
	api.HandleFunc("GET /api/v1/snapshot", s.serveSnapshot)
	api.HandleFunc("GET /api/v1/events", s.serveEvents)
	api.HandleFunc("GET /readyz", s.serveReady)
	api.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if slices.Contains(paths, r.URL.Path) {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, r.Method+" "+r.URL.Path+": only GET")
			return
		}
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path+" (try "+strings.Join(paths, ", ")+")")
	})

	root := http.NewServeMux()
	// Liveness is answered even when the server is saturated or the caller
	// has no token: it says the process is alive, nothing more.
	root.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	root.Handle("/", s.limit(s.authenticate(api)))
	return root
}

// limit serves at most MaxConcurrent requests at once; the rest get 503
// at once instead of queueing behind computations.
func (s *Server) limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case s.sem <- struct{}{}:
			defer func() { <-s.sem }()
			next.ServeHTTP(w, r)
		default:
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("busy: %d requests in progress, try again shortly", cap(s.sem)))
		}
	})
}

// authenticate requires the bearer token when one is configured. The
// comparison takes the same time whatever the presented token is: both
// sides are hashed to equal length first.
func (s *Server) authenticate(next http.Handler) http.Handler {
	if s.o.Token == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		got := sha256.Sum256([]byte(strings.TrimSpace(tok)))
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(got[:], s.token[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="doradash"`)
			writeError(w, http.StatusUnauthorized, "a bearer token is required (Authorization: Bearer …)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// serveReady answers 200 once every source has succeeded at least once.
func (s *Server) serveReady(w http.ResponseWriter, _ *http.Request) {
	v := s.o.Feed.Latest()
	var waiting []string
	for _, st := range v.Sources {
		if st.LastSuccess.IsZero() {
			waiting = append(waiting, fmt.Sprintf("%q", st.Name))
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if len(waiting) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "not ready: no success yet from source %s\n", strings.Join(waiting, ", "))
		return
	}
	io.WriteString(w, "ready\n")
}
