package sources

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"doradash/model"
)

// Format selects the decoder of a source's documents.
type Format int

// The formats of SPEC §1.
const (
	FormatAuto   Format = iota // chosen by file name, see FormatFor
	FormatJSON                 // one native JSON document
	FormatNDJSON               // one record per line, each with a "kind"
)

// ParseFormat maps "auto" | "json" | "ndjson" to a Format.
func ParseFormat(s string) (Format, error) {
	switch s {
	case "auto":
		return FormatAuto, nil
	case "json":
		return FormatJSON, nil
	case "ndjson":
		return FormatNDJSON, nil
	}
	return FormatAuto, fmt.Errorf("%q is not auto, json or ndjson", s)
}

// CheckFormat checks that f is one of the formats; its error starts with
// the key, "format: ".
func CheckFormat(f Format) error {
	switch f {
	case FormatAuto, FormatJSON, FormatNDJSON:
		return nil
	}
	return fmt.Errorf("format: %v is not auto, json or ndjson", f)
}

// String returns the configuration name of f.
func (f Format) String() string {
	switch f {
	case FormatAuto:
		return "auto"
	case FormatJSON:
		return "json"
	case FormatNDJSON:
		return "ndjson"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// FormatFor resolves FormatAuto by file name: .ndjson/.jsonl in any letter
// case (Unicode simple case folding, as SPEC §2 matches environments) ->
// NDJSON, else JSON. Any other f is returned as it is.
func FormatFor(f Format, name string) Format {
	if f != FormatAuto {
		return f
	}
	if ext := path.Ext(name); strings.EqualFold(ext, ".ndjson") || strings.EqualFold(ext, ".jsonl") {
		return FormatNDJSON
	}
	return FormatJSON
}

// Rejections counts records rejected one by one and keeps the first error
// with its place (`deployments[3].finished_at: not an RFC 3339 timestamp:
// "yesterday"`, `line 17: ...`). Count is 0 exactly when First is "".
// List holds the first model.MaxRejections errors, First among them.
type Rejections struct {
	Count int
	First string
	List  model.Rejections
}

// Decode reads one whole document in format f (not Auto) from r.
//
// The document is decoded as it streams in; r is read to its end and never
// held in memory as a whole. Records rejected one by one (SPEC §1) are
// counted in Rejections and left out of the batch; the batch keeps every
// other record in document order, duplicates included. A document that is
// not JSON, whose top level is not an object, or whose "deployments" or
// "incidents" is neither an array nor null, is an error and no batch is
// returned; so is a read error from r (wrapped, so errors.Is sees it).
//
// A record is also rejected for a timestamp outside the supported range
// 1678-01-01T00:00:00Z … 2262-04-11T23:47:16Z (see parseStamp), and for a
// member name that appears twice in its object, compared after unescaping
// ("id" and "i\u0064"); a commit object is part of its record, so a name
// repeated there rejects the record too, while objects nested in unknown
// members are not looked into. A top level that repeats "deployments" or
// "incidents" has each one read, in document order. Ids, shas, services and
// environments are kept byte for byte (they are identity, compared
// exactly); only titles are made safe for a terminal (model.Printable).
//
// NDJSON: each line stands alone. Blank lines are skipped but counted for
// line numbers; every other line is one record or one rejection ("line 17:
// ..."), a line that is not JSON included, and so is a line longer than
// 64 MiB, which is skipped as it streams past without being held. A last
// line without a terminating newline is no exception: caught half-written,
// it is rejected as not JSON like any other (SPEC §1). A UTF-8 byte order
// mark is skipped at the start of a JSON document or an NDJSON stream.
func Decode(r io.Reader, f Format) (*model.Batch, Rejections, error) {
	out, err := decode(r, f)
	if err != nil {
		return nil, Rejections{}, err
	}
	return out.batch, out.rej, nil
}

// decoded is what decode returns: the batch, its rejections, and whether
// the last NDJSON line was unterminated and not JSON, so most likely still
// being written. Such a line is rejected like any other; the file source
// just does not remember the file as read, so that its next poll reads it
// again even if its size and modification time look unchanged.
type decoded struct {
	batch   *model.Batch
	rej     Rejections
	partial bool
}

func decode(r io.Reader, f Format) (decoded, error) {
	d := newDecoder()
	d.in = lexer{src: r, buf: make([]byte, 0, readBufSize)}
	var err error
	switch f {
	case FormatJSON:
		err = d.document()
	case FormatNDJSON:
		err = d.lines()
	default:
		return decoded{}, fmt.Errorf("decode: format %v must be resolved to json or ndjson first", f)
	}
	if err != nil {
		return decoded{}, err
	}
	batch := &model.Batch{Deployments: d.deps.slice(), Incidents: d.incs.slice()}
	return decoded{batch: batch, rej: d.rej, partial: d.partial}, nil
}

// chunked collects records in chunks and joins them once at the end, so a
// million records are copied once instead of at every growth of a slice.
type chunked[T any] struct {
	full [][]T
	cur  []T
	n    int
}

const maxChunk = 16 << 10

func (c *chunked[T]) add(v T) {
	if len(c.cur) == cap(c.cur) {
		if c.cur != nil {
			c.full = append(c.full, c.cur)
		}
		c.cur = make([]T, 0, min(max(2*cap(c.cur), 16), maxChunk))
	}
	c.cur = append(c.cur, v)
	c.n++
}

// slice returns every record added, in order.
func (c *chunked[T]) slice() []T {
	if len(c.full) == 0 {
		return c.cur
	}
	out := make([]T, 0, c.n)
	for _, ch := range c.full {
		out = append(out, ch...)
	}
	return append(out, c.cur...)
}

// ---------------------------------------------------------------------------
// Records.

// kind is a record's kind.
type kind uint8

const (
	kindUnknown kind = iota
	kindDeployment
	kindIncident
	kindBad // an NDJSON "kind" that is neither
)

// field is a known field of a record.
type field uint8

const (
	fNone field = iota
	fKind
	fID
	fService
	fEnvironment
	fFinishedAt
	fStatus
	fCommits
	fTitle
	fSeverity
	fStartedAt
	fDetectedAt
	fAcknowledgedAt
	fResolvedAt
	fDeploymentID
	fRecord // the record as a whole (a repeated member name)
)

var fieldNames = [...]string{
	fNone: "", fKind: "kind", fID: "id", fService: "service", fEnvironment: "environment",
	fFinishedAt: "finished_at", fStatus: "status", fCommits: "commits", fTitle: "title",
	fSeverity: "severity", fStartedAt: "started_at", fDetectedAt: "detected_at",
	fAcknowledgedAt: "acknowledged_at", fResolvedAt: "resolved_at", fDeploymentID: "deployment_id",
	fRecord: "",
}

func lookupField(key []byte) field {
	switch string(key) {
	case "kind":
		return fKind
	case "id":
		return fID
	case "service":
		return fService
	case "environment":
		return fEnvironment
	case "finished_at":
		return fFinishedAt
	case "status":
		return fStatus
	case "commits":
		return fCommits
	case "title":
		return fTitle
	case "severity":
		return fSeverity
	case "started_at":
		return fStartedAt
	case "detected_at":
		return fDetectedAt
	case "acknowledged_at":
		return fAcknowledgedAt
	case "resolved_at":
		return fResolvedAt
	case "deployment_id":
		return fDeploymentID
	}
	return fNone
}

// fieldsOf holds, per kind, a bit per field that belongs to it.
var fieldsOf = [...]uint32{
	kindUnknown:    math.MaxUint32,
	kindDeployment: 1<<fKind | 1<<fID | 1<<fService | 1<<fEnvironment | 1<<fFinishedAt | 1<<fStatus | 1<<fCommits,
	kindIncident: 1<<fKind | 1<<fID | 1<<fService | 1<<fTitle | 1<<fSeverity | 1<<fStartedAt |
		1<<fDetectedAt | 1<<fAcknowledgedAt | 1<<fResolvedAt | 1<<fDeploymentID,
	kindBad: 1 << fKind,
}

// fieldErr is one field's problem; msg ("finished_at: not an RFC 3339
// timestamp: ...") is only built while the document has no rejection yet.
type fieldErr struct {
	f   field
	msg string
}

// record collects one record's fields while it is read.
type record struct {
	kind         kind
	kindRaw      []byte
	hasID        bool
	id           string
	service      string
	environment  string
	hasEnv       bool
	title        string
	status       model.Status
	severity     model.Severity
	finishedAt   model.Stamp
	startedAt    model.Stamp
	detectedAt   model.Stamp
	ackAt        model.Stamp
	resolvedAt   model.Stamp
	deploymentID string
	commits      []model.Commit
	errs         []fieldErr
	seen         uint32  // a bit per known field met, for repeated names
	others       nameSet // the other member names met
}

func (r *record) reset() {
	others := r.others
	others.reset()
	*r = record{kindRaw: r.kindRaw[:0], commits: r.commits[:0], errs: r.errs[:0], others: others}
}

// repeated reports whether the member name key (known as field f, or
// fNone) was met before in the record's object, and remembers it.
func (r *record) repeated(f field, key []byte) bool {
	if f == fNone {
		return r.others.add(key)
	}
	bit := uint32(1) << f
	if r.seen&bit != 0 {
		return true
	}
	r.seen |= bit
	return false
}

// nameSet is a set of member names of one object, to find a repeated one
// (SPEC §1: a record repeating a member name is rejected). Names are
// compared after unescaping, so "id" and "i\u0064" are the same name.
// A handful of names is searched in a list; beyond that, in a map.
type nameSet struct {
	buf  []byte // the names, one after the other
	ends []int  // where each name in buf ends
	big  map[string]struct{}
}

// smallNames is how many names nameSet holds before it moves to a map.
const smallNames = 16

func (n *nameSet) reset() {
	n.buf, n.ends = n.buf[:0], n.ends[:0]
	switch {
	case len(n.big) > maxKeptNames:
		// Clearing costs what the map once held: after an object with a
		// huge number of names, start afresh instead.
		n.big = nil
	case len(n.big) > 0:
		clear(n.big)
	}
}

// maxKeptNames is the most names a nameSet's map may have held and still
// be reused for the next object.
const maxKeptNames = 1024

// add adds name and reports whether it was in the set already.
func (n *nameSet) add(name []byte) bool {
	if len(n.ends) == smallNames {
		if _, ok := n.big[string(name)]; ok {
			return true
		}
		n.big[string(name)] = struct{}{}
		return false
	}
	start := 0
	for _, end := range n.ends {
		if string(n.buf[start:end]) == string(name) {
			return true
		}
		start = end
	}
	n.buf = append(n.buf, name...)
	n.ends = append(n.ends, len(n.buf))
	if len(n.ends) == smallNames {
		if n.big == nil {
			n.big = make(map[string]struct{}, 2*smallNames)
		}
		start = 0
		for _, end := range n.ends {
			n.big[string(n.buf[start:end])] = struct{}{}
			start = end
		}
	}
	return false
}

// decoder turns a stream into a Batch.
type decoder struct {
	in      lexer
	line    lexer // the current NDJSON line
	deps    chunked[model.Deployment]
	incs    chunked[model.Incident]
	rej     Rejections
	rec     record
	ndjson  bool
	partial bool

	// where the current record sits, for messages
	arr    string // "deployments" or "incidents"
	idx    int
	lineNo int

	strs    stringArena
	commits []model.Commit // slab the batch's Commits slices are cut from
	cnames  nameSet        // the other member names of the commit being read
	intern  map[string]string
	recent  [256]string // direct-mapped cache in front of intern
	sevs    map[string]model.Severity
	dates   dateCache
}

func newDecoder() *decoder {
	return &decoder{intern: make(map[string]string), sevs: make(map[string]model.Severity)}
}

// stringArena copies strings into shared chunks, so a million short ids
// and shas cost a few hundred allocations instead of a million.
type stringArena struct{ chunk []byte }

const arenaChunk = 64 << 10

// str returns a string with b's content that does not alias b.
func (a *stringArena) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > arenaChunk/8 {
		return string(b)
	}
	if len(b) > cap(a.chunk)-len(a.chunk) {
		a.chunk = make([]byte, 0, arenaChunk)
	}
	start := len(a.chunk)
	a.chunk = append(a.chunk, b...)
	// Bytes of a chunk are written once, before they are handed out, and
	// never again: appends only use capacity beyond every string made so far.
	return unsafe.String(&a.chunk[start], len(b))
}

// maxInterned bounds the interning tables, so a document with millions of
// distinct services or severities does not turn them into a second copy.
const maxInterned = 4096

// raw returns the string value of b, which the lexer just read, as a copy
// that outlives the buffer, byte for byte. Ids, shas, services and
// environments are identity: they are compared exactly (SPEC §1), so
// nothing is replaced in them; whoever shows one on a terminal passes it
// through model.Printable first.
func (d *decoder) raw(b []byte) string { return d.strs.str(b) }

// text returns the string value of b, which lexer l just read, for a field
// that is only ever shown (a title): invalid UTF-8 and every character a
// terminal could act on become U+FFFD (model.Printable). Most strings are
// plain printable ASCII without escapes, and the lexer says so (nonASCII
// and ctrl unset): those are taken as they are.
func (d *decoder) text(l *lexer, b []byte) string {
	s := d.strs.str(b)
	if l.nonASCII || l.ctrl {
		s = model.Printable(s)
	}
	return s
}

// internStr is raw for values that repeat a lot (service, environment).
func (d *decoder) internStr(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	h := (uint(len(b))*31 + uint(b[0])*7 + uint(b[len(b)/2])*3 + uint(b[len(b)-1])) & 255
	if s := d.recent[h]; s == string(b) {
		return s
	}
	s, ok := d.intern[string(b)]
	if !ok {
		s = d.raw(b)
		if len(d.intern) < maxInterned {
			d.intern[s] = s
		}
	}
	d.recent[h] = s
	return s
}

// severityOf normalises a severity string, caching the answers.
func (d *decoder) severityOf(b []byte) model.Severity {
	if s, ok := d.sevs[string(b)]; ok {
		return s
	}
	s := model.SeverityFromString(string(b))
	if len(d.sevs) < maxInterned {
		d.sevs[string(b)] = s
	}
	return s
}

// keepCommits copies cs into the slab and returns the copy.
func (d *decoder) keepCommits(cs []model.Commit) []model.Commit {
	if len(cs) == 0 {
		return nil
	}
	if len(cs) > cap(d.commits)-len(d.commits) {
		d.commits = make([]model.Commit, 0, max(4096, len(cs)))
	}
	start := len(d.commits)
	d.commits = append(d.commits, cs...)
	return d.commits[start:len(d.commits):len(d.commits)]
}

// errCode says what is wrong with a field.
type errCode uint8

const (
	errNone errCode = iota
	errMissing
	errEmpty
	errType
	errTimestamp
	errRange
	errStatus
	errDup
	errKind
)

// bad records a problem with field f of the current record. ci is the
// commit index for commit problems (else -1) and sub the commit's field;
// val is the offending value, got the first byte of a wrongly typed one.
func (d *decoder) bad(f field, ci int, sub string, code errCode, val []byte, got byte) {
	e := fieldErr{f: f}
	if d.rej.Count < model.MaxRejections { // messages only for the records kept
		var b strings.Builder
		if f != fRecord {
			b.WriteString(fieldNames[f])
			if ci >= 0 {
				b.WriteString("[" + strconv.Itoa(ci) + "]")
				if sub != "" {
					b.WriteString("." + sub)
				}
			}
			b.WriteString(": ")
		}
		switch code {
		case errMissing:
			b.WriteString("missing required field")
		case errEmpty:
			b.WriteString("empty string")
		case errType:
			b.WriteString("wrong type: want " + wantType(f, ci, sub) + ", got " + typeName(got))
		case errTimestamp:
			b.WriteString("not an RFC 3339 timestamp: " + truncate(val))
		case errRange:
			b.WriteString("outside the supported range 1678–2262: " + truncate(val))
		case errStatus:
			b.WriteString("unknown status " + truncate(val))
		case errDup:
			b.WriteString("duplicate member " + truncate(val))
		}
		e.msg = b.String()
	}
	d.rec.errs = append(d.rec.errs, e)
}

func wantType(f field, ci int, sub string) string {
	switch {
	case ci >= 0 && sub == "":
		return "object"
	case ci >= 0 && sub == "committed_at":
		return "RFC 3339 string"
	case ci >= 0:
		return "string"
	}
	switch f {
	case fID, fDeploymentID:
		return "string or integer"
	case fFinishedAt, fStartedAt, fDetectedAt, fAcknowledgedAt, fResolvedAt:
		return "RFC 3339 string"
	case fCommits:
		return "array"
	}
	return "string"
}

// truncate quotes b for a message, cut to about 40 bytes.
func truncate(b []byte) string {
	const limit = 40
	if len(b) <= limit {
		return strconv.Quote(string(b))
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return strconv.Quote(string(b[:cut])) + "..."
}

// place describes the current record for a message: "deployments[3]" or
// "line 17".
func (d *decoder) place() string {
	if d.ndjson {
		return "line " + strconv.Itoa(d.lineNo)
	}
	return d.arr + "[" + strconv.Itoa(d.idx) + "]"
}

// reject counts the current record as rejected. msg is either a field's
// message ("finished_at: ...") or, with field false, the record's own.
func (d *decoder) reject(msg string, isField bool) {
	if d.rej.Count < model.MaxRejections {
		var e string
		switch {
		case d.ndjson || !isField:
			e = d.place() + ": " + msg
		default:
			e = d.place() + "." + msg
		}
		if d.rej.Count == 0 {
			d.rej.First = e
		}
		d.rej.List.Add(e)
	}
	d.rej.Count++
}

// record reads one record object (its '{' not yet consumed) of kind k;
// kindUnknown (NDJSON) reads every field and takes the kind from "kind".
func (d *decoder) record(l *lexer, k kind) error {
	l.pos++ // '{'
	r := &d.rec
	r.reset()
	return l.object(func(key []byte) error {
		f := lookupField(key)
		if r.repeated(f, key) {
			d.bad(fRecord, -1, "", errDup, key, 0)
			return l.skipValue(2)
		}
		if f == fKind && !d.ndjson {
			f = fNone
		}
		if fieldsOf[k]&(1<<f) == 0 || f == fNone {
			return l.skipValue(2)
		}
		c, ok := l.peek()
		if !ok {
			return l.endErr()
		}
		switch f {
		case fKind:
			b, ok, err := d.str(l, c, f)
			if !ok {
				return err
			}
			switch string(b) {
			case "deployment":
				r.kind = kindDeployment
			case "incident":
				r.kind = kindIncident
			default:
				r.kind = kindBad
				r.kindRaw = append(r.kindRaw[:0], b...)
			}
			if k == kindUnknown && r.kind != kindBad {
				k = r.kind // later fields of the other kind are skipped
			}
		case fID, fDeploymentID:
			return d.idValue(l, c, f)
		case fService, fEnvironment, fTitle, fStatus:
			b, ok, err := d.str(l, c, f)
			if !ok {
				return err
			}
			switch f {
			case fService:
				r.service = d.internStr(b)
			case fEnvironment:
				r.environment, r.hasEnv = d.internStr(b), true
			case fTitle:
				r.title = d.text(l, b)
			case fStatus:
				st, ok := model.ParseStatus(d.internStr(b))
				if !ok {
					d.bad(f, -1, "", errStatus, b, 0)
				}
				r.status = st
			}
		case fSeverity:
			return d.severity(l, c)
		case fFinishedAt, fStartedAt, fDetectedAt, fAcknowledgedAt, fResolvedAt:
			s, err := d.stamp(l, c, f, -1, "")
			if err != nil {
				return err
			}
			switch f {
			case fFinishedAt:
				r.finishedAt = s
			case fStartedAt:
				r.startedAt = s
			case fDetectedAt:
				r.detectedAt = s
			case fAcknowledgedAt:
				r.ackAt = s
			case fResolvedAt:
				r.resolvedAt = s
			}
		case fCommits:
			return d.commitList(l, c)
		}
		return nil
	})
}

// str reads a string or null for field f; ok is false for null and for a
// wrong type, which is recorded and skipped.
func (d *decoder) str(l *lexer, c byte, f field) (b []byte, ok bool, err error) {
	switch c {
	case '"':
		b, err = l.readString()
		return b, err == nil, err
	case 'n':
		return nil, false, l.literal("null")
	}
	d.bad(f, -1, "", errType, nil, c)
	return nil, false, l.skipValue(2)
}

// idValue reads id or deployment_id: a string, or an integer taken as its
// decimal string.
func (d *decoder) idValue(l *lexer, c byte, f field) error {
	var id string
	switch {
	case c == '"':
		b, err := l.readString()
		if err != nil {
			return err
		}
		if len(b) == 0 {
			if f == fID {
				d.bad(f, -1, "", errEmpty, nil, 0)
			}
			return nil
		}
		id = d.raw(b)
	case c == '-' || (c >= '0' && c <= '9'):
		num, integer, err := l.readNumber()
		if err != nil {
			return err
		}
		if !integer {
			d.bad(f, -1, "", errType, nil, c)
			return nil
		}
		if string(num) == "-0" {
			num = num[1:]
		}
		id = d.strs.str(num)
	case c == 'n':
		return l.literal("null") // absent
	default:
		d.bad(f, -1, "", errType, nil, c)
		return l.skipValue(2)
	}
	if f == fID {
		d.rec.id, d.rec.hasID = id, true
	} else {
		d.rec.deploymentID = id
	}
	return nil
}

// severity reads a severity: an integer 1–5 or a name; anything else is
// unknown, never an error.
func (d *decoder) severity(l *lexer, c byte) error {
	switch {
	case c == '"':
		b, err := l.readString()
		if err != nil {
			return err
		}
		d.rec.severity = d.severityOf(b)
		return nil
	case c == '-' || (c >= '0' && c <= '9'):
		num, integer, err := l.readNumber()
		if err != nil {
			return err
		}
		d.rec.severity = model.SeverityUnknown
		if integer && len(num) == 1 {
			d.rec.severity = model.SeverityFromInt(int64(num[0] - '0'))
		}
		return nil
	}
	d.rec.severity = model.SeverityUnknown
	return l.skipValue(2)
}

// stamp reads a timestamp or null (NoStamp) for field f (commit ci's sub
// field when ci >= 0); problems are recorded and give NoStamp.
func (d *decoder) stamp(l *lexer, c byte, f field, ci int, sub string) (model.Stamp, error) {
	switch c {
	case '"':
		b, err := l.readString()
		if err != nil {
			return 0, err
		}
		s, e := parseStamp(b, &d.dates)
		switch e {
		case stampSyntax:
			d.bad(f, ci, sub, errTimestamp, b, 0)
		case stampOutRange:
			d.bad(f, ci, sub, errRange, b, 0)
		}
		return s, nil
	case 'n':
		return 0, l.literal("null")
	}
	d.bad(f, ci, sub, errType, nil, c)
	return 0, l.skipValue(2)
}

// commitList reads the commits array (or null) into rec.commits.
func (d *decoder) commitList(l *lexer, c byte) error {
	r := &d.rec
	r.commits = r.commits[:0]
	switch c {
	case '[':
	case 'n':
		return l.literal("null")
	default:
		d.bad(fCommits, -1, "", errType, nil, c)
		return l.skipValue(2)
	}
	l.pos++
	return l.array(func(i int) error {
		c, ok := l.peek()
		if !ok {
			return l.endErr()
		}
		if c != '{' {
			d.bad(fCommits, i, "", errType, nil, c)
			return l.skipValue(3)
		}
		l.pos++
		var cm model.Commit
		hasSHA := false
		var seen uint8 // 1: sha met, 2: committed_at met
		d.cnames.reset()
		err := l.object(func(key []byte) error {
			var sub string
			var bit uint8
			switch string(key) {
			case "sha":
				sub, bit = "sha", 1
			case "committed_at":
				sub, bit = "committed_at", 2
			}
			// A commit object is part of its record: a repeated name in it
			// rejects the record as well.
			if (bit != 0 && seen&bit != 0) || (bit == 0 && d.cnames.add(key)) {
				d.bad(fCommits, i, "", errDup, key, 0)
				return l.skipValue(4)
			}
			seen |= bit
			if sub == "" {
				return l.skipValue(4)
			}
			c, ok := l.peek()
			if !ok {
				return l.endErr()
			}
			switch sub {
			case "sha":
				switch c {
				case '"':
					b, err := l.readString()
					if err != nil {
						return err
					}
					if len(b) == 0 {
						d.bad(fCommits, i, "sha", errEmpty, nil, 0)
						return nil
					}
					cm.SHA, hasSHA = d.raw(b), true
				case 'n':
					return l.literal("null")
				default:
					d.bad(fCommits, i, "sha", errType, nil, c)
					return l.skipValue(4)
				}
			default:
				s, err := d.stamp(l, c, fCommits, i, "committed_at")
				cm.CommittedAt = s
				return err
			}
			return nil
		})
		if err != nil {
			return err
		}
		switch {
		case !hasSHA:
			d.bad(fCommits, i, "sha", errMissing, nil, 0)
		case !cm.CommittedAt.IsSet():
			d.bad(fCommits, i, "committed_at", errMissing, nil, 0)
		default:
			r.commits = append(r.commits, cm)
		}
		return nil
	})
}

// finish validates the record read last as kind k (kindUnknown: its own
// "kind") and appends it to the batch or rejects it.
func (d *decoder) finish(k kind) {
	r := &d.rec
	// A repeated member name comes first: it makes every field doubtful,
	// the kind included.
	for _, e := range r.errs {
		if e.f == fRecord {
			d.reject(e.msg, false)
			return
		}
	}
	if k == kindUnknown {
		k = r.kind
	}
	if d.ndjson {
		switch k {
		case kindUnknown:
			// A wrongly typed kind is reported as such, else it is missing.
			for _, e := range r.errs {
				if e.f == fKind {
					d.reject(e.msg, true)
					return
				}
			}
			d.reject("kind: missing required field", true)
			return
		case kindBad:
			d.reject("unknown kind "+truncate(r.kindRaw), false)
			return
		}
	}
	mask := fieldsOf[k]
	for _, e := range r.errs {
		if mask&(1<<e.f) != 0 {
			d.reject(e.msg, true)
			return
		}
	}
	if !r.hasID {
		d.reject("id: missing required field", true)
		return
	}
	if k == kindDeployment {
		if !r.finishedAt.IsSet() {
			d.reject("finished_at: missing required field", true)
			return
		}
		env := r.environment
		if !r.hasEnv {
			env = "production"
		}
		d.deps.add(model.Deployment{
			ID: r.id, Service: r.service, Environment: env,
			FinishedAt: r.finishedAt, Status: r.status, Commits: d.keepCommits(r.commits),
		})
		return
	}
	if !r.startedAt.IsSet() {
		d.reject("started_at: missing required field", true)
		return
	}
	d.incs.add(model.Incident{
		ID: r.id, Service: r.service, Title: r.title, Severity: r.severity,
		StartedAt: r.startedAt, DetectedAt: r.detectedAt, AcknowledgedAt: r.ackAt,
		ResolvedAt: r.resolvedAt, DeploymentID: r.deploymentID,
	})
}

// ---------------------------------------------------------------------------
// Documents.

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// document decodes one native JSON document.
func (d *decoder) document() error {
	l := &d.in
	if i, ok := l.ensure(0, 3); ok && bytes.Equal(l.buf[i:i+3], utf8BOM) {
		l.pos += 3
	}
	c, ok := l.peek()
	if !ok {
		if l.rerr != nil {
			return l.endErr()
		}
		return errors.New("empty document (want a JSON object)")
	}
	if c != '{' {
		if err := l.skipValue(0); err != nil {
			return err
		}
		return fmt.Errorf("top level is %s %s, not an object", article(c), typeName(c))
	}
	l.pos++
	err := l.object(func(key []byte) error {
		var k kind
		switch string(key) {
		case "deployments":
			k, d.arr = kindDeployment, "deployments"
		case "incidents":
			k, d.arr = kindIncident, "incidents"
		default:
			return l.skipValue(1)
		}
		if err := d.records(l, k); err != nil {
			return err // d.arr and d.idx still say where
		}
		d.arr = ""
		return nil
	})
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) && d.arr != "" {
			se.where = d.place()
		}
		return err
	}
	if c, ok := l.peek(); ok {
		return l.charErr(c, "after the top-level object")
	}
	if l.rerr != nil {
		return l.endErr()
	}
	return nil
}

func article(c byte) string {
	if c == '[' || c == '{' {
		return "an"
	}
	return "a"
}

// records reads the array of records of kind k (or null).
func (d *decoder) records(l *lexer, k kind) error {
	c, ok := l.peek()
	if !ok {
		return l.endErr()
	}
	switch c {
	case 'n':
		return l.literal("null")
	case '[':
	default:
		if err := l.skipValue(1); err != nil {
			return err
		}
		return fmt.Errorf("%s: not an array but %s %s", d.arr, article(c), typeName(c))
	}
	l.pos++
	return l.array(func(i int) error {
		d.idx = i
		c, ok := l.peek()
		if !ok {
			return l.endErr()
		}
		if c != '{' {
			if err := l.skipValue(2); err != nil {
				return err
			}
			d.reject("wrong type: want object, got "+typeName(c), false)
			return nil
		}
		if err := d.record(l, k); err != nil {
			return err
		}
		d.finish(k)
		return nil
	})
}

// lines decodes an NDJSON stream.
func (d *decoder) lines() error {
	d.ndjson = true
	d.line.column = true
	in := &d.in
	for {
		line, long, terminated, err := in.nextLine()
		if err != nil {
			return fmt.Errorf("line %d: %w", d.lineNo+1, err)
		}
		if long > 0 {
			d.lineNo++
			d.reject(fmt.Sprintf("too long: %d bytes (a line may hold %d MiB)", long, maxToken>>20), false)
			if !terminated {
				d.partial = true // likely being written: see decoded
			}
			continue
		}
		if line == nil {
			return nil
		}
		d.lineNo++
		if d.lineNo == 1 {
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		if blank(line) {
			continue
		}
		d.line.reset(line)
		if err := d.lineRecord(&d.line); err != nil {
			d.reject("not JSON: "+err.Error(), false)
			if !terminated {
				d.partial = true // likely being written: see decoded
			}
		}
	}
}

// blank reports whether line holds nothing but JSON white space (space,
// tab, carriage return). Other white space, a form feed or U+00A0 say, is
// not JSON: a line holding it is a rejected record, not a blank line.
func blank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// lineRecord decodes the record on one NDJSON line; an error means the
// line is not JSON.
func (d *decoder) lineRecord(l *lexer) error {
	c, _ := l.peek()
	if c != '{' {
		if err := l.skipValue(0); err != nil {
			return err
		}
		if c, ok := l.peek(); ok {
			return l.charErr(c, "after the value")
		}
		d.reject("wrong type: want object, got "+typeName(c), false)
		return nil
	}
	if err := d.record(l, kindUnknown); err != nil {
		return err
	}
	if c, ok := l.peek(); ok {
		return l.charErr(c, "after the object")
	}
	d.finish(kindUnknown)
	return nil
}
