// Package synth writes large, realistic and deterministic event documents in
// doradash's native formats (SPEC §1), for benchmarks and load tests.
//
// Every value is a pure function of the seed and the record's index, so the
// JSON and NDJSON writers produce the same records, and the same options
// always produce the same bytes.
package synth

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Options sizes and seeds a generated document.
type Options struct {
	Deployments int       // number of deployment records
	Incidents   int       // number of incident records
	Services    int       // distinct services; 0 means 40
	Seed        int64     // same seed, same document
	End         time.Time // latest finished_at; zero means DefaultEnd
}

// DefaultEnd is the end of the generated history when Options.End is zero.
var DefaultEnd = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// Defaults returns the benchmark's standard size: 1,000,000 deployments
// and 100,000 incidents over 40 services, about 350 MB of JSON.
func Defaults() Options {
	return Options{Deployments: 1_000_000, Incidents: 100_000, Services: 40, Seed: 1, End: DefaultEnd}
}

// span is how far back the history reaches from End.
const span = 730 * 24 * time.Hour

// WriteNative writes o's records to w as one native JSON document.
func WriteNative(w io.Writer, o Options) error {
	g, err := newGen(o)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	b := make([]byte, 0, 4096)
	b = append(b, "{\"deployments\": [\n"...)
	for j := range o.Deployments {
		if j > 0 {
			b = append(b, ",\n"...)
		}
		b = g.deployment(b, j, false)
		if b, err = flushIfFull(bw, b); err != nil {
			return err
		}
	}
	b = append(b, "\n],\n\"incidents\": [\n"...)
	for i := range o.Incidents {
		if i > 0 {
			b = append(b, ",\n"...)
		}
		b = g.incident(b, i, false)
		if b, err = flushIfFull(bw, b); err != nil {
			return err
		}
	}
	b = append(b, "\n]}\n"...)
	return finish(bw, b)
}

// WriteNDJSON writes the same records as WriteNative, one per line, each
// with its "kind".
func WriteNDJSON(w io.Writer, o Options) error {
	g, err := newGen(o)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	b := make([]byte, 0, 4096)
	for j := range o.Deployments {
		b = g.deployment(b, j, true)
		b = append(b, '\n')
		if b, err = flushIfFull(bw, b); err != nil {
			return err
		}
	}
	for i := range o.Incidents {
		b = g.incident(b, i, true)
		b = append(b, '\n')
		if b, err = flushIfFull(bw, b); err != nil {
			return err
		}
	}
	return finish(bw, b)
}

// flushIfFull hands b to bw once it holds a few records' worth.
func flushIfFull(bw *bufio.Writer, b []byte) ([]byte, error) {
	if len(b) < 2048 {
		return b, nil
	}
	if _, err := bw.Write(b); err != nil {
		return b, fmt.Errorf("write synthetic events: %w", err)
	}
	return b[:0], nil
}

func finish(bw *bufio.Writer, b []byte) error {
	if _, err := bw.Write(b); err != nil {
		return fmt.Errorf("write synthetic events: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write synthetic events: %w", err)
	}
	return nil
}

// gen derives every record from the seed and its index.
type gen struct {
	o        Options
	start    int64 // Unix seconds of the oldest instant
	spanSec  int64
	services []string
	plus2    *time.Location
	minus5   *time.Location
}

func newGen(o Options) (*gen, error) {
	if o.Deployments < 0 || o.Incidents < 0 || o.Services < 0 {
		return nil, errors.New("synth: negative record or service count")
	}
	if o.Services == 0 {
		o.Services = 40
	}
	if o.End.IsZero() {
		o.End = DefaultEnd
	}
	g := &gen{
		o:       o,
		spanSec: int64(span / time.Second),
		plus2:   time.FixedZone("", 2*3600),
		minus5:  time.FixedZone("", -5*3600),
	}
	g.start = o.End.Unix() - g.spanSec
	for s := range o.Services {
		g.services = append(g.services, serviceName(s))
	}
	return g, nil
}

var serviceWords = []string{
	"checkout", "payments", "catalog", "gateway", "search", "accounts", "billing", "inventory",
	"shipping", "notifications", "auth", "ledger", "pricing", "reviews", "media", "reports",
}

func serviceName(i int) string {
	w := serviceWords[i%len(serviceWords)]
	if i < len(serviceWords) {
		return w
	}
	return w + "-" + strconv.Itoa(i/len(serviceWords)+1)
}

// mix is the SplitMix64 finaliser: a well-spread hash of x.
func mix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ x>>30) * 0xBF58476D1CE4E5B9
	x = (x ^ x>>27) * 0x94D049BB133111EB
	return x ^ x>>31
}

// rnd is a tiny deterministic stream for one record.
type rnd struct{ s uint64 }

func (g *gen) rnd(kind uint64, i int) rnd {
	return rnd{mix(uint64(g.o.Seed)*0x2545F4914F6CDD1D ^ kind<<56 ^ uint64(i))}
}

func (r *rnd) next() uint64 { r.s = mix(r.s); return r.s }

// intn returns a number in [0, n).
func (r *rnd) intn(n int) int { return int(r.next() % uint64(n)) }

// finishedAt is deployment j's finish time: evenly spread, oldest first.
func (g *gen) finishedAt(j int) int64 {
	n := int64(max(g.o.Deployments, 1))
	step := max(g.spanSec/n, 1)
	r := g.rnd(1, j)
	return g.start + int64(j)*g.spanSec/n + int64(r.next()%uint64(step))
}

// intID reports whether deployment j's id is written as an integer.
func (g *gen) intID(j int) bool {
	r := g.rnd(2, j)
	return r.intn(50) == 0
}

func (g *gen) appendDeploymentID(b []byte, j int) []byte {
	if g.intID(j) {
		return strconv.AppendInt(b, int64(j)+1, 10)
	}
	b = append(b, "\"d-"...)
	b = strconv.AppendInt(b, int64(j)+1, 10)
	return append(b, '"')
}

func (g *gen) deployment(b []byte, j int, kind bool) []byte {
	r := g.rnd(3, j)
	fin := g.finishedAt(j)
	b = append(b, '{')
	if kind {
		b = append(b, "\"kind\": \"deployment\", "...)
	}
	b = append(b, "\"id\": "...)
	b = g.appendDeploymentID(b, j)
	b = append(b, ", \"service\": \""...)
	b = append(b, g.services[r.intn(len(g.services))]...)
	b = append(b, '"')
	switch e := r.intn(100); {
	case e < 40: // default: production
	case e < 80:
		b = append(b, ", \"environment\": \"production\""...)
	case e < 92:
		b = append(b, ", \"environment\": \"staging\""...)
	case e < 96:
		b = append(b, ", \"environment\": \"Production\""...)
	default:
		b = append(b, ", \"environment\": \"dev\""...)
	}
	b = append(b, ", \"finished_at\": "...)
	b = g.appendStamp(b, fin, &r)
	switch s := r.intn(100); {
	case s < 45: // default: success
	case s < 85:
		b = append(b, ", \"status\": \"success\""...)
	case s < 95:
		b = append(b, ", \"status\": \"failed\""...)
	default:
		b = append(b, ", \"status\": \"rolled_back\""...)
	}
	b = append(b, ", \"commits\": ["...)
	n := commitCounts[r.intn(len(commitCounts))]
	for k := range n {
		if k > 0 {
			b = append(b, ", "...)
		}
		b = append(b, "{\"sha\": \""...)
		b = appendSHA(b, r.next(), r.next(), r.next())
		b = append(b, "\", \"committed_at\": "...)
		b = g.appendStamp(b, fin-60-int64(r.intn(3*86400)), &r)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// commitCounts gives 1–5 commits per deployment, fewer more often
// (mean 2.1).
var commitCounts = [...]int{1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 4, 4, 5}

const hexDigits = "0123456789abcdef"

// appendSHA appends 40 hex digits made of three random words.
func appendSHA(b []byte, w ...uint64) []byte {
	n := 0
	for _, x := range w {
		for k := 0; k < 16 && n < 40; k++ {
			b = append(b, hexDigits[x&15])
			x >>= 4
			n++
		}
	}
	return b
}

// appendStamp appends a quoted RFC 3339 time in one of the shapes real
// exporters write: mostly whole seconds in UTC, some with milliseconds, some
// with an offset and microseconds.
func (g *gen) appendStamp(b []byte, unix int64, r *rnd) []byte {
	b = append(b, '"')
	switch v := r.intn(10); {
	case v < 7:
		b = time.Unix(unix, 0).UTC().AppendFormat(b, time.RFC3339)
	case v < 9:
		b = time.Unix(unix, int64(r.intn(1000))*1e6).UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	default:
		loc := g.plus2
		if v&1 == 0 {
			loc = g.minus5
		}
		b = time.Unix(unix, int64(r.intn(1e6))*1e3).In(loc).AppendFormat(b, "2006-01-02T15:04:05.000000Z07:00")
	}
	return append(b, '"')
}

var severities = []string{`1`, `1`, `2`, `2`, `3`, `3`, `4`, `5`, `"SEV1"`, `"sev2"`, `"SEV3"`, `"P1"`, `"p2"`,
	`"critical"`, `"high"`, `"Major"`, `"low"`, `"info"`, `"unknown"`, `"weird"`}

var titles = []string{"5xx on /pay", "latency above SLO", "queue backlog", "error rate \\\"spike\\\"",
	"pods crash-looping", "TLS handshake failures", "stale cache", "disk full on primary"}

func (g *gen) incident(b []byte, i int, kind bool) []byte {
	r := g.rnd(4, i)
	n := int64(max(g.o.Incidents, 1))
	step := max(g.spanSec/n, 1)
	started := g.start + int64(i)*g.spanSec/n + int64(r.next()%uint64(step))
	b = append(b, '{')
	if kind {
		b = append(b, "\"kind\": \"incident\", "...)
	}
	b = append(b, "\"id\": \"INC-"...)
	b = strconv.AppendInt(b, int64(i)+1, 10)
	b = append(b, "\", \"service\": \""...)
	svc := g.services[r.intn(len(g.services))]
	b = append(b, svc...)
	b = append(b, "\", \"title\": \""...)
	b = append(b, titles[r.intn(len(titles))]...)
	b = append(b, " in "...)
	b = append(b, svc...)
	b = append(b, "\", \"severity\": "...)
	b = append(b, severities[r.intn(len(severities))]...)
	b = append(b, ", \"started_at\": "...)
	b = g.appendStamp(b, started, &r)
	detected := started + 30 + int64(r.intn(1800))
	if r.intn(10) < 8 {
		b = append(b, ", \"detected_at\": "...)
		b = g.appendStamp(b, detected, &r)
		if r.intn(10) < 8 {
			b = append(b, ", \"acknowledged_at\": "...)
			b = g.appendStamp(b, detected+10+int64(r.intn(900)), &r)
		}
	}
	switch {
	case i >= g.o.Incidents-3 || r.intn(200) == 0: // still open
		if r.intn(2) == 0 {
			b = append(b, ", \"resolved_at\": null"...)
		}
	default:
		b = append(b, ", \"resolved_at\": "...)
		b = g.appendStamp(b, detected+60+int64(r.intn(6*3600)), &r)
	}
	if g.o.Deployments > 0 && r.intn(10) < 3 {
		// Caused by a deployment that finished shortly before.
		j := int((started - g.start) * int64(g.o.Deployments) / g.spanSec)
		j = min(max(j-r.intn(3)-1, 0), g.o.Deployments-1)
		b = append(b, ", \"deployment_id\": "...)
		b = g.appendDeploymentID(b, j)
	}
	return append(b, '}')
}
