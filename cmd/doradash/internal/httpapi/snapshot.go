package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"doradash/model"
)

// serveSnapshot answers GET /api/v1/snapshot with the SPEC §5 JSON of the
// query in the URL, or a 400 naming the parameter at fault.
func (s *Server) serveSnapshot(w http.ResponseWriter, r *http.Request) {
	v := s.o.Feed.Latest()
	q, err := s.parseQuery(r.URL.Query(), v.Data)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	rep := s.report(r.Context(), v, q)
	if rep == nil {
		writeError(w, http.StatusServiceUnavailable, "the report could not be computed")
		return
	}
	var buf bytes.Buffer
	if err := s.o.WriteJSON(&buf, rep); err != nil {
		writeError(w, http.StatusInternalServerError, "encode the report: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(buf.Bytes())
}

// snapshotParams are the parameters /api/v1/snapshot knows; any other is
// a mistake worth a 400, not a silently ignored filter.
var snapshotParams = []string{"window", "service", "environment", "team", "now"}

// parseQuery turns the URL's parameters into a model query over the
// configuration's defaults. ds is the dataset the query will run on (the
// "unassigned" team is every service of it that no team lists).
func (s *Server) parseQuery(p url.Values, ds *model.Dataset) (model.Query, error) {
	q := s.o.Base
	q.End = s.end()
	for k, vals := range p {
		if !slices.Contains(snapshotParams, k) {
			return q, fmt.Errorf("unknown parameter %q (known: %s)", k, strings.Join(snapshotParams, ", "))
		}
		if len(vals) > maxQueryValues {
			return q, fmt.Errorf("%s: at most %d values", k, maxQueryValues)
		}
		if (k == "window" || k == "now" || k == "team") && len(vals) > 1 {
			return q, fmt.Errorf("%s: given %d times, once at most", k, len(vals))
		}
	}
	if p.Has("window") {
		d, err := ParseDays(p.Get("window"))
		if err != nil {
			return q, fmt.Errorf("window: %v", err)
		}
		q.Days = d
	}
	if p.Has("now") {
		t, err := parseNow(p.Get("now"))
		if err != nil {
			return q, fmt.Errorf("now: %v", err)
		}
		q.End = t
	}
	if envs := p["environment"]; len(envs) > 0 {
		q.Environments = envs
	}
	if svcs := p["service"]; len(svcs) > 0 {
		q.Services = svcs
	}
	if p.Has("team") {
		svcs, err := s.teamServices(p.Get("team"), ds)
		if err != nil {
			return q, err
		}
		if len(p["service"]) > 0 {
			svcs = slices.DeleteFunc(svcs, func(x string) bool { return !slices.Contains(p["service"], x) })
		}
		if len(svcs) == 0 {
			// An empty service filter means all services: a team without
			// services must match nothing instead, which "" does (SPEC §2).
			svcs = []string{""}
		}
		q.Services = svcs
	}
	return q, nil
}

// teamServices lists the services of team over ds (model.Teams.Services).
func (s *Server) teamServices(team string, ds *model.Dataset) ([]string, error) {
	svcs, err := model.Teams(s.o.Teams).Services(team, ds.Services())
	if err != nil {
		return nil, fmt.Errorf("team: %w", err)
	}
	return svcs, nil
}

// teamOfService is the team label of a service.
func (s *Server) teamOfService(svc string) string {
	if t, ok := s.teamOf[svc]; ok {
		return t
	}
	return Unassigned
}

var daysRE = regexp.MustCompile(`^([0-9]{1,4})d$`)

// ParseDays parses a window of whole days, "1d" to "366d", as the
// configuration writes it.
func ParseDays(s string) (int, error) {
	m := daysRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q is not a whole number of days like \"30d\"", s)
	}
	n, _ := strconv.Atoi(m[1])
	if n < 1 || n > model.MaxDays {
		return 0, fmt.Errorf("%q: a window is 1d to %dd", s, model.MaxDays)
	}
	return n, nil
}

// parseNow parses an RFC 3339 instant whose window, up to 366 days back,
// the model can represent (the rule of --now).
func parseNow(v string) (time.Time, error) {
	// RFC 3339 allows a lower-case "t" and "z"; Go's layout does not.
	t, err := time.Parse(time.RFC3339Nano, strings.Replace(strings.Replace(v, "t", "T", 1), "z", "Z", 1))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time like 2026-11-20T14:03:00Z", v)
	}
	if y := t.UTC().Year(); y < 1679 || y > 2261 {
		return time.Time{}, fmt.Errorf("%q is outside the years 1679 to 2261", v)
	}
	return t.UTC(), nil
}

// writeError answers with status and {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	h := w.Header()
	h.Del("ETag")
	h.Del("Content-Encoding")
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
