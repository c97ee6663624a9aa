package sources

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
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
	return FormatAuto, fmt.Errorf("unknown format %q (want auto, json or ndjson)", s)
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

// FormatFor resolves FormatAuto by file name: .ndjson/.jsonl -> NDJSON, else JSON.
// Any other f is returned as it is.
func FormatFor(f Format, name string) Format {
	if f != FormatAuto {
		return f
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".ndjson", ".jsonl":
		return FormatNDJSON
	}
	return FormatJSON
}

// Rejections counts records rejected one by one and keeps the first error
// with its place (`deployments[3].finished_at: not an RFC 3339 timestamp:
// "yesterday"`, `line 17: ...`). Count is 0 exactly when First is "".
type Rejections struct {
	Count int
	First string
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
// NDJSON: blank lines are skipped but counted for line numbers. A last line
// without a terminating newline that does not parse is taken to be still
// being written and is skipped without being counted as rejected.
func Decode(r io.Reader, f Format) (*model.Batch, Rejections, error) {
	out, err := decode(r, f)
	if err != nil {
		return nil, Rejections{}, err
	}
	return out.batch, out.rej, nil
}

// decoded is what decode returns: the batch, its rejections, and whether an
// unterminated, unparseable last NDJSON line was skipped (the file source
// then re-reads the file on its next poll).
type decoded struct {
	batch   *model.Batch
	rej     Rejections
	partial bool
}

// readBufSize is the size of the streaming read buffer; a single token or
// NDJSON line longer than that grows it, up to maxToken.
const readBufSize = 256 << 10

// maxToken bounds one string, number or NDJSON line, so garbage without a
// closing quote or newline cannot make the buffer grow without end.
const maxToken = 64 << 20

// maxDepth bounds the nesting of values, as encoding/json does.
const maxDepth = 10000

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
// Lexer: a streaming JSON tokenizer over a refillable buffer.

// lexer reads JSON tokens from src through buf. Byte slices it returns
// point into buf (or scratch) and are valid until its next call.
// With src nil it reads only what buf holds (one NDJSON line).
type lexer struct {
	src      io.Reader
	buf      []byte // buf[pos:] is unread input
	pos      int
	off      int64 // stream offset of buf[0]
	done     bool  // src is exhausted or failed
	rerr     error // read error other than io.EOF
	scratch  []byte
	key      []byte // the current object key, which a refill cannot move
	nonASCII bool   // the last string read holds bytes >= 0x80
	column   bool   // report offsets as 1-based columns (NDJSON lines)
}

// reset makes l read only b.
func (l *lexer) reset(b []byte) {
	l.buf, l.pos, l.off, l.done, l.src = b, 0, 0, true, nil
}

// fill reads more input, keeping buf[pos:]; it reports whether any arrived.
func (l *lexer) fill() bool {
	if l.done {
		return false
	}
	if l.pos > 0 {
		n := copy(l.buf, l.buf[l.pos:])
		l.off += int64(l.pos)
		l.buf = l.buf[:n]
		l.pos = 0
	}
	if len(l.buf) == cap(l.buf) {
		if len(l.buf) >= maxToken {
			l.done = true
			l.rerr = &syntaxError{off: l.off, msg: fmt.Sprintf("a single value or line is longer than %d MiB", maxToken>>20)}
			return false
		}
		nb := make([]byte, len(l.buf), 2*cap(l.buf))
		copy(nb, l.buf)
		l.buf = nb
	}
	for range 100 {
		n, err := l.src.Read(l.buf[len(l.buf):cap(l.buf)])
		l.buf = l.buf[:len(l.buf)+n]
		if err != nil {
			l.done = true
			if err != io.EOF {
				l.rerr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	l.done = true
	l.rerr = io.ErrNoProgress
	return false
}

// ensure makes buf hold at least n bytes from index i, which it returns
// adjusted for any compaction; ok is false when the input ends first.
func (l *lexer) ensure(i, n int) (int, bool) {
	for len(l.buf)-i < n {
		rel := i - l.pos
		if !l.fill() {
			return l.pos + rel, false
		}
		i = l.pos + rel
	}
	return i, true
}

// peek skips whitespace and returns the next byte without consuming it;
// ok is false at the end of input.
func (l *lexer) peek() (c byte, ok bool) {
	for {
		buf := l.buf
		for i := l.pos; i < len(buf); i++ {
			c := buf[i]
			if c > ' ' || (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
				l.pos = i
				return c, true
			}
		}
		l.pos = len(buf)
		if !l.fill() {
			return 0, false
		}
	}
}

// syntaxError is a JSON syntax error at a byte offset of the document (or
// a column of an NDJSON line).
type syntaxError struct {
	off    int64
	column bool
	msg    string
	where  string // the record being read, if any
}

func (e *syntaxError) Error() string {
	var b strings.Builder
	if e.column {
		fmt.Fprintf(&b, "column %d: %s", e.off+1, e.msg)
		return b.String()
	}
	fmt.Fprintf(&b, "syntax error at byte offset %d", e.off)
	if e.where != "" {
		b.WriteString(" (in " + e.where + ")")
	}
	b.WriteString(": " + e.msg)
	return b.String()
}

// errAt is a syntax error at index i of buf.
func (l *lexer) errAt(i int, format string, args ...any) error {
	return &syntaxError{off: l.off + int64(i), column: l.column, msg: fmt.Sprintf(format, args...)}
}

// endErr is the error for input that ends too early: the read error if
// there was one, else a syntax error.
func (l *lexer) endErr() error {
	if l.rerr != nil {
		var se *syntaxError
		if errors.As(l.rerr, &se) {
			return se
		}
		return fmt.Errorf("at byte offset %d: %w", l.off+int64(len(l.buf)), l.rerr)
	}
	return l.errAt(len(l.buf), "unexpected end of input")
}

// charErr reports an unexpected byte at pos.
func (l *lexer) charErr(c byte, context string) error {
	return l.errAt(l.pos, "invalid character %s %s", quoteChar(c), context)
}

func quoteChar(c byte) string {
	switch {
	case c == '\'':
		return `'\''`
	case c == '"':
		return `'"'`
	case c >= 0x20 && c < 0x7f:
		return "'" + string(rune(c)) + "'"
	}
	return fmt.Sprintf("%#02x", c)
}

// strStop marks the bytes that end the fast path of a string scan.
var strStop = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80
	}
	return t
}()

// SWAR constants: a byte's lowest and highest bit in every byte of a word.
const (
	lsbs = 0x0101010101010101
	msbs = 0x8080808080808080
)

// scanString returns the index of the first byte at or after i that ends
// the fast path of a string scan (see strStop), or len(buf). It tests eight
// bytes at a time: a subtraction borrows only out of a byte that matches,
// so the lowest flagged byte of a word is always a true match.
func scanString(buf []byte, i int) int {
	for i+8 <= len(buf) {
		x := binary.LittleEndian.Uint64(buf[i:])
		m := ((x - lsbs*0x20) | ((x ^ lsbs*'"') - lsbs) | ((x ^ lsbs*'\\') - lsbs) | x) & msbs
		if m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		i += 8
	}
	for i < len(buf) && !strStop[buf[i]] {
		i++
	}
	return i
}

// readString reads the string starting at pos (a '"') and returns its
// unescaped content.
func (l *lexer) readString() ([]byte, error) {
	l.nonASCII = false
	start := l.pos + 1
	i := start
	for {
		buf := l.buf
		for {
			if i = scanString(buf, i); i >= len(buf) {
				break
			}
			c := buf[i]
			switch {
			case c == '"':
				l.pos = i + 1
				return buf[start:i], nil
			case c == '\\':
				return l.readEscaped(start, i)
			case c < 0x20:
				return nil, l.errAt(i, "invalid control character %s in string", quoteChar(c))
			}
			l.nonASCII = true
			i++
		}
		rel, srel := i-l.pos, start-l.pos
		if !l.fill() {
			return nil, l.endErr()
		}
		i, start = l.pos+rel, l.pos+srel
	}
}

// readEscaped finishes a string whose first escape is at i, unescaping
// into scratch.
func (l *lexer) readEscaped(start, i int) ([]byte, error) {
	out := append(l.scratch[:0], l.buf[start:i]...)
	defer func() { l.scratch = out[:0] }()
	for {
		var ok bool
		if i, ok = l.ensure(i, 1); !ok {
			return nil, l.endErr()
		}
		c := l.buf[i]
		switch {
		case c == '"':
			l.pos = i + 1
			return out, nil
		case c < 0x20:
			return nil, l.errAt(i, "invalid control character %s in string", quoteChar(c))
		case c != '\\':
			if c >= 0x80 {
				l.nonASCII = true
			}
			out = append(out, c)
			i++
			continue
		}
		if i, ok = l.ensure(i, 2); !ok {
			return nil, l.endErr()
		}
		switch e := l.buf[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, err := l.hex4(&i)
			if err != nil {
				return nil, err
			}
			if r >= 0xD800 && r < 0xDC00 {
				// A high surrogate: take the low one if it follows.
				j := i + 2
				if j, ok = l.ensure(j, 2); ok && l.buf[j] == '\\' && l.buf[j+1] == 'u' {
					i = j
					r2, err := l.hex4(&i)
					if err != nil {
						return nil, err
					}
					if r2 >= 0xDC00 && r2 < 0xE000 {
						r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
					} else {
						out = utf8.AppendRune(out, utf8.RuneError)
						r = r2
					}
				} else {
					i = j - 2
				}
			}
			if r >= 0xD800 && r < 0xE000 {
				r = utf8.RuneError
			}
			if r >= 0x80 {
				l.nonASCII = true
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, l.errAt(i+1, "invalid escape %s in string", quoteChar(e))
		}
		i += 2
	}
}

// hex4 reads the four hex digits of the \u escape at *i, leaving *i on the
// last of them minus one, so that the caller's i += 2 steps past it.
func (l *lexer) hex4(i *int) (rune, error) {
	j, ok := l.ensure(*i, 6)
	if !ok {
		return 0, l.endErr()
	}
	var r rune
	for k := j + 2; k < j+6; k++ {
		c := l.buf[k]
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, l.errAt(k, "invalid character %s in \\u escape", quoteChar(c))
		}
	}
	*i = j + 4
	return r, nil
}

// numChar marks the bytes a number token may hold.
var numChar = func() (t [256]bool) {
	for _, c := range []byte("0123456789+-.eE") {
		t[c] = true
	}
	return t
}()

// readNumber reads the number at pos; integer reports that it has neither
// fraction nor exponent.
func (l *lexer) readNumber() (num []byte, integer bool, err error) {
	i := l.pos
	for {
		for i < len(l.buf) && numChar[l.buf[i]] {
			i++
		}
		if i < len(l.buf) {
			break
		}
		rel := i - l.pos
		if !l.fill() {
			if l.rerr != nil {
				return nil, false, l.endErr()
			}
			i = l.pos + rel
			break
		}
		i = l.pos + rel
	}
	num = l.buf[l.pos:i]
	integer, ok := validNumber(num)
	if !ok {
		return nil, false, l.errAt(l.pos, "invalid number %s", truncate(num))
	}
	l.pos = i
	return num, integer, nil
}

// validNumber checks the JSON number grammar.
func validNumber(b []byte) (integer, ok bool) {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false, false
	}
	integer = true
	if i < len(b) && b[i] == '.' {
		integer = false
		i++
		if i == len(b) || b[i] < '0' || b[i] > '9' {
			return false, false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		integer = false
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i == len(b) || b[i] < '0' || b[i] > '9' {
			return false, false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return integer, i == len(b)
}

// literal consumes the literal word (true, false, null) at pos.
func (l *lexer) literal(word string) error {
	i, ok := l.ensure(l.pos, len(word))
	if !ok {
		if l.rerr != nil {
			return l.endErr()
		}
		// Compare what there is, so the error names the bad byte if any.
		i = l.pos
	}
	for k := 0; k < len(word); k++ {
		if i+k >= len(l.buf) {
			return l.endErr()
		}
		if l.buf[i+k] != word[k] {
			return l.errAt(i+k, "invalid character %s in literal %s", quoteChar(l.buf[i+k]), word)
		}
	}
	l.pos = i + len(word)
	return nil
}

// skipValue validates and skips one value of any kind.
func (l *lexer) skipValue(depth int) error {
	c, ok := l.peek()
	if !ok {
		return l.endErr()
	}
	switch c {
	case '{', '[':
		if depth >= maxDepth {
			return l.errAt(l.pos, "nested deeper than %d levels", maxDepth)
		}
		l.pos++
		if c == '{' {
			return l.object(func([]byte) error { return l.skipValue(depth + 1) })
		}
		return l.array(func(int) error { return l.skipValue(depth + 1) })
	case '"':
		_, err := l.readString()
		return err
	case 't':
		return l.literal("true")
	case 'f':
		return l.literal("false")
	case 'n':
		return l.literal("null")
	}
	if c == '-' || (c >= '0' && c <= '9') {
		_, _, err := l.readNumber()
		return err
	}
	return l.charErr(c, "looking for beginning of value")
}

// object reads the members of an object whose '{' is consumed, calling
// member with each key (valid only until member reads further, since a
// nested object reuses its buffer) to read the value.
func (l *lexer) object(member func(key []byte) error) error {
	c, ok := l.peek()
	if !ok {
		return l.endErr()
	}
	if c == '}' {
		l.pos++
		return nil
	}
	for {
		if c != '"' {
			return l.charErr(c, "looking for beginning of object key string")
		}
		key, err := l.readString()
		if err != nil {
			return err
		}
		// The peek below may refill buf, so the key is copied out first.
		l.key = append(l.key[:0], key...)
		if c, ok = l.peek(); !ok {
			return l.endErr()
		}
		if c != ':' {
			return l.charErr(c, "after object key")
		}
		l.pos++
		if err := member(l.key); err != nil {
			return err
		}
		if c, ok = l.peek(); !ok {
			return l.endErr()
		}
		l.pos++
		switch c {
		case '}':
			return nil
		case ',':
		default:
			l.pos--
			return l.charErr(c, "after object key:value pair")
		}
		if c, ok = l.peek(); !ok {
			return l.endErr()
		}
	}
}

// array reads the elements of an array whose '[' is consumed, calling elem
// with each element's index to read it.
func (l *lexer) array(elem func(i int) error) error {
	c, ok := l.peek()
	if !ok {
		return l.endErr()
	}
	if c == ']' {
		l.pos++
		return nil
	}
	for i := 0; ; i++ {
		if err := elem(i); err != nil {
			return err
		}
		if c, ok = l.peek(); !ok {
			return l.endErr()
		}
		l.pos++
		switch c {
		case ']':
			return nil
		case ',':
		default:
			l.pos--
			return l.charErr(c, "after array element")
		}
	}
}

// typeName names the JSON type of a value starting with c.
func typeName(c byte) string {
	switch c {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
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
)

var fieldNames = [...]string{
	fNone: "", fKind: "kind", fID: "id", fService: "service", fEnvironment: "environment",
	fFinishedAt: "finished_at", fStatus: "status", fCommits: "commits", fTitle: "title",
	fSeverity: "severity", fStartedAt: "started_at", fDetectedAt: "detected_at",
	fAcknowledgedAt: "acknowledged_at", fResolvedAt: "resolved_at", fDeploymentID: "deployment_id",
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
}

func (r *record) reset() {
	*r = record{kindRaw: r.kindRaw[:0], commits: r.commits[:0], errs: r.errs[:0]}
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

// keep returns the string value of b, which lexer l just read, as a copy
// that outlives the buffer; invalid UTF-8 becomes U+FFFD.
func (d *decoder) keep(l *lexer, b []byte) string {
	if l.nonASCII && !utf8.Valid(b) {
		return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
	}
	return d.strs.str(b)
}

// internStr is keep for values that repeat a lot (service, environment).
func (d *decoder) internStr(l *lexer, b []byte) string {
	if len(b) == 0 {
		return ""
	}
	h := (uint(len(b))*31 + uint(b[0])*7 + uint(b[len(b)/2])*3 + uint(b[len(b)-1])) & 255
	if s := d.recent[h]; s == string(b) {
		return s
	}
	s, ok := d.intern[string(b)]
	if !ok {
		s = d.keep(l, b)
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
	errKind
)

// bad records a problem with field f of the current record. ci is the
// commit index for commit problems (else -1) and sub the commit's field;
// val is the offending value, got the first byte of a wrongly typed one.
func (d *decoder) bad(f field, ci int, sub string, code errCode, val []byte, got byte) {
	e := fieldErr{f: f}
	if d.rej.Count == 0 {
		var b strings.Builder
		b.WriteString(fieldNames[f])
		if ci >= 0 {
			b.WriteString("[" + strconv.Itoa(ci) + "]")
			if sub != "" {
				b.WriteString("." + sub)
			}
		}
		b.WriteString(": ")
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
			b.WriteString("timestamp outside the supported range (1678 to 2262, not the Unix epoch itself): " + truncate(val))
		case errStatus:
			b.WriteString("unknown status " + truncate(val))
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
	if d.rej.Count == 0 {
		switch {
		case d.ndjson || !isField:
			d.rej.First = d.place() + ": " + msg
		default:
			d.rej.First = d.place() + "." + msg
		}
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
				r.service = d.internStr(l, b)
			case fEnvironment:
				r.environment, r.hasEnv = d.internStr(l, b), true
			case fTitle:
				r.title = d.keep(l, b)
			case fStatus:
				st, ok := model.ParseStatus(d.internStr(l, b))
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
		id = d.keep(l, b)
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
		s, code := parseStamp(b, &d.dates)
		if code != errNone {
			d.bad(f, ci, sub, code, b, 0)
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
		err := l.object(func(key []byte) error {
			var sub string
			switch string(key) {
			case "sha":
				sub = "sha"
			case "committed_at":
				sub = "committed_at"
			default:
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
					cm.SHA, hasSHA = d.keep(l, b), true
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
		line, terminated, err := in.nextLine()
		if err != nil {
			return fmt.Errorf("line %d: %w", d.lineNo+1, err)
		}
		if line == nil {
			return nil
		}
		d.lineNo++
		if d.lineNo == 1 {
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		d.line.reset(line)
		if err := d.lineRecord(&d.line); err != nil {
			if !terminated {
				d.partial = true // being written: the next poll sees it whole
				return nil
			}
			d.reject("not JSON: "+err.Error(), false)
		}
	}
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

// nextLine returns the next line without its '\n' (and without a '\r'
// before it); terminated is false for a last line without '\n'. line is
// nil at the end of input.
func (l *lexer) nextLine() (line []byte, terminated bool, err error) {
	scanned := 0
	for {
		if j := bytes.IndexByte(l.buf[l.pos+scanned:], '\n'); j >= 0 {
			end := l.pos + scanned + j
			line = l.buf[l.pos:end:end]
			l.pos = end + 1
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			return line, true, nil
		}
		scanned = len(l.buf) - l.pos
		if !l.fill() {
			if l.rerr != nil {
				return nil, false, l.endErr()
			}
			if len(l.buf) == l.pos {
				return nil, false, nil
			}
			line = l.buf[l.pos:len(l.buf):len(l.buf)]
			l.pos = len(l.buf)
			return line, false, nil
		}
	}
}

// ---------------------------------------------------------------------------
// Timestamps.

// Bounds of a Stamp in whole Unix seconds (a little inside int64
// nanoseconds, so the arithmetic below cannot overflow).
const (
	minStampSec = math.MinInt64 / 1_000_000_000
	maxStampSec = math.MaxInt64 / 1_000_000_000
)

// parseStamp parses an RFC 3339 timestamp as time.Parse(time.RFC3339Nano)
// accepts it: YYYY-MM-DDTHH:MM:SS, an optional fraction (digits beyond
// nanoseconds are dropped), then Z or ±HH:MM. code is errTimestamp for
// anything else and errRange for instants a Stamp cannot hold.
// The optional cache remembers the last date, since consecutive records
// mostly share it.
func parseStamp(b []byte, cache *dateCache) (model.Stamp, errCode) {
	if len(b) < len("2006-01-02T15:04:05Z") || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return 0, errTimestamp
	}
	var days int64
	if cache != nil && cache.valid && string(b[:10]) == string(cache.date[:]) {
		days = cache.days
	} else {
		year, ok1 := digits(b[0:4])
		month, ok2 := digits(b[5:7])
		day, ok3 := digits(b[8:10])
		if !(ok1 && ok2 && ok3) || b[4] != '-' || b[7] != '-' ||
			month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
			return 0, errTimestamp
		}
		days = daysFromCivil(year, month, day)
		if cache != nil {
			copy(cache.date[:], b)
			cache.days, cache.valid = days, true
		}
	}
	hour, ok1 := digits(b[11:13])
	minute, ok2 := digits(b[14:16])
	sec, ok3 := digits(b[17:19])
	if !(ok1 && ok2 && ok3) || hour > 23 || minute > 59 || sec > 59 {
		return 0, errTimestamp
	}
	rest := b[19:]
	var nsec int64
	if len(rest) >= 2 && rest[0] == '.' && rest[1] >= '0' && rest[1] <= '9' {
		n := 1
		for ; n < len(rest) && rest[n] >= '0' && rest[n] <= '9'; n++ {
			if n <= 9 {
				nsec = nsec*10 + int64(rest[n]-'0')
			}
		}
		for k := n; k <= 9; k++ {
			nsec *= 10
		}
		rest = rest[n:]
	}
	var offset int64
	switch {
	case len(rest) == 1 && rest[0] == 'Z':
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(rest[1:3])
		om, ok2 := digits(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return 0, errTimestamp
		}
		offset = int64(oh*60+om) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return 0, errTimestamp
	}
	unix := days*86400 + int64(hour*3600+minute*60+sec) - offset
	if unix < minStampSec || unix > maxStampSec {
		return 0, errRange
	}
	ns := unix*1e9 + nsec
	if (unix == maxStampSec && ns < 0) || ns == 0 {
		return 0, errRange
	}
	return model.Stamp(ns), errNone
}

// dateCache holds the last date parseStamp converted.
type dateCache struct {
	date  [10]byte
	days  int64
	valid bool
}

// digits parses b as an unsigned decimal.
func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(month, year int) int {
	switch month {
	case 2:
		if isLeap(year) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days from 1970-01-01 to y-m-d (proleptic
// Gregorian calendar).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400 // floor division: y is -1 for January 0000
	if y < 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
