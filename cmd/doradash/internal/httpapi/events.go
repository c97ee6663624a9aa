package httpapi

import (
	"bufio"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"doradash/model"
)

// serveEvents answers GET /api/v1/events: the merged, deduplicated
// dataset as native NDJSON (SPEC §1), streamed, gzip-compressed when the
// client accepts it, with an ETag of its content so that a poller asking
// again with If-None-Match gets a 304 until the data changes.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		writeError(w, http.StatusBadRequest, "/api/v1/events takes no parameters: it serves every record")
		return
	}
	v := s.o.Feed.Latest()
	etag := s.etags.of(v.Data)
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Vary", "Accept-Encoding, Authorization")
	h.Set("Cache-Control", "no-cache")
	if noneMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/x-ndjson; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	var out io.Writer = w
	var gz *gzip.Writer
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		gz, _ = gzip.NewWriterLevel(w, gzip.BestSpeed)
		out = gz
	}
	if r.Method == http.MethodHead {
		return
	}
	// A large dataset takes a while to send: the deadline moves on as
	// long as the client keeps reading.
	rc := http.NewResponseController(w)
	dw := &deadlineWriter{w: out, rc: rc}
	bw := bufio.NewWriterSize(dw, 64<<10)
	if err := WriteNDJSON(bw, v.Data); err != nil {
		return // the client went away or stalled; nothing to tell it
	}
	if bw.Flush() != nil {
		return
	}
	if gz != nil {
		gz.Close()
	}
}

// deadlineWriter extends the response's write deadline before each
// write, so only a stalled client is cut off, not a long download.
type deadlineWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	d.rc.SetWriteDeadline(time.Now().Add(writeTimeout))
	return d.w.Write(p)
}

// noneMatch reports whether the If-None-Match header value names etag
// ("*" names any), by the weak comparison RFC 9110 §13.1.2 prescribes.
func noneMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding value allows gzip: listed
// (or "*") with a q-value above 0.
func acceptsGzip(header string) bool {
	star := false
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "x-gzip" && name != "*" {
			continue
		}
		ok := true
		for p := range strings.SplitSeq(params, ";") {
			k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
				ok = err == nil && f > 0
			}
		}
		if name == "*" {
			star = ok
			continue
		}
		return ok
	}
	return star
}

// WriteNDJSON writes every record of ds as native NDJSON (SPEC §1):
// deployments, then incidents, each in the dataset's order, one object a
// line with every field written, so that decoding the output gives back
// exactly the dataset's records:
//   - timestamps in UTC with every nanosecond (the instants a Stamp stands
//     for beyond 1678–2262 are written as those bounds, which read back as
//     the same bounds);
//   - absent timestamps and an empty deployment_id as null, the
//     environment always (an absent one would read as "production");
//   - severity as the normalised number 1–5, null for unknown;
//   - status by its native name, commits with their times;
//   - strings byte for byte (see appendString).
func WriteNDJSON(w io.Writer, ds *model.Dataset) error {
	if ds == nil {
		return nil
	}
	buf := make([]byte, 0, 512)
	for i := range ds.Deployments {
		buf = appendDeployment(buf[:0], &ds.Deployments[i])
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	for i := range ds.Incidents {
		buf = appendIncident(buf[:0], &ds.Incidents[i])
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

func appendDeployment(b []byte, d *model.Deployment) []byte {
	b = append(b, `{"kind":"deployment","id":`...)
	b = appendString(b, d.ID)
	b = append(b, `,"service":`...)
	b = appendString(b, d.Service)
	b = append(b, `,"environment":`...)
	b = appendString(b, d.Environment)
	b = append(b, `,"finished_at":`...)
	b = appendStamp(b, d.FinishedAt)
	b = append(b, `,"status":"`...)
	b = append(b, d.Status.String()...)
	b = append(b, `","commits":[`...)
	for i, c := range d.Commits {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"sha":`...)
		b = appendString(b, c.SHA)
		b = append(b, `,"committed_at":`...)
		b = appendStamp(b, c.CommittedAt)
		b = append(b, '}')
	}
	return append(b, "]}\n"...)
}

func appendIncident(b []byte, in *model.Incident) []byte {
	b = append(b, `{"kind":"incident","id":`...)
	b = appendString(b, in.ID)
	b = append(b, `,"service":`...)
	b = appendString(b, in.Service)
	b = append(b, `,"title":`...)
	b = appendString(b, in.Title)
	b = append(b, `,"severity":`...)
	if in.Severity >= 1 && in.Severity <= 5 {
		b = strconv.AppendInt(b, int64(in.Severity), 10)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"started_at":`...)
	b = appendStamp(b, in.StartedAt)
	b = append(b, `,"detected_at":`...)
	b = appendStamp(b, in.DetectedAt)
	b = append(b, `,"acknowledged_at":`...)
	b = appendStamp(b, in.AcknowledgedAt)
	b = append(b, `,"resolved_at":`...)
	b = appendStamp(b, in.ResolvedAt)
	b = append(b, `,"deployment_id":`...)
	if in.DeploymentID == "" {
		b = append(b, "null"...)
	} else {
		b = appendString(b, in.DeploymentID)
	}
	return append(b, "}\n"...)
}

// appendStamp appends s as a quoted RFC 3339 UTC time with all its
// nanoseconds, or null when absent.
func appendStamp(b []byte, s model.Stamp) []byte {
	if !s.IsSet() {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = s.Time().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, control characters escaped.
// Bytes that are not UTF-8 are written as they are: a source's ids may
// hold them (the decoder keeps ids byte for byte, so that two never
// merge), and replacing them would merge ids downstream that are distinct
// here. The decoder reads such bytes back unchanged.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
