package sources

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strings"
	"unicode/utf8"
)

// This file holds the lexer: a streaming JSON tokenizer over a refillable
// buffer, which the decoder (decode.go) drives.

// readBufSize is the size of the streaming read buffer; a single token or
// NDJSON line longer than that grows it, up to maxToken.
const readBufSize = 256 << 10

// maxToken bounds one string, number or NDJSON line, so garbage without a
// closing quote or newline cannot make the buffer grow without end. An
// NDJSON line longer than that is rejected on its own and skipped without
// being held (see nextLine); a JSON token that long fails the document.
const maxToken = 64 << 20

// maxBuf is the most the buffer grows to: a line of maxToken bytes and
// its "\r\n".
const maxBuf = maxToken + 2

// maxDepth bounds the nesting of values, as encoding/json does.
const maxDepth = 10000

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
	ctrl     bool   // the last string read holds bytes < 0x20 (escaped) or 0x7f
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
		if len(l.buf) >= maxBuf {
			l.done = true
			l.rerr = &syntaxError{off: l.off, msg: fmt.Sprintf("a single value is longer than %d MiB", maxToken>>20)}
			return false
		}
		n := max(2*cap(l.buf), readBufSize)
		if n >= maxToken {
			n = maxBuf // in one step: a copy of 64 MiB is enough
		}
		nb := make([]byte, len(l.buf), n)
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

// strStop marks the bytes that end the fast path of a string scan: the
// end of the string, an escape, a control character (an error), DEL and
// any byte of a non-ASCII character, which the decoder may have to replace.
var strStop = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x7f
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
// and x+lsbs carries only out of 0xff, which x itself flags, so the lowest
// flagged byte of a word is always a true match. x | x+lsbs flags >= 0x7f.
func scanString(buf []byte, i int) int {
	for i+8 <= len(buf) {
		x := binary.LittleEndian.Uint64(buf[i:])
		m := ((x - lsbs*0x20) | ((x ^ lsbs*'"') - lsbs) | ((x ^ lsbs*'\\') - lsbs) | x | (x + lsbs)) & msbs
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
// unescaped content. It sets nonASCII and ctrl for what the content holds.
func (l *lexer) readString() ([]byte, error) {
	l.nonASCII, l.ctrl = false, false
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
			case c == 0x7f:
				l.ctrl = true
			default:
				l.nonASCII = true
			}
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
			} else if c == 0x7f {
				l.ctrl = true
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
			out, l.ctrl = append(out, '\b'), true
		case 'f':
			out, l.ctrl = append(out, '\f'), true
		case 'n':
			out, l.ctrl = append(out, '\n'), true
		case 'r':
			out, l.ctrl = append(out, '\r'), true
		case 't':
			out, l.ctrl = append(out, '\t'), true
		case 'u':
			r, err := l.hex4(&i)
			if err != nil {
				return nil, err
			}
			if r >= 0xD800 && r < 0xDC00 {
				// A high surrogate: take the low one if it follows; any
				// other escape is left for the next round.
				j := i + 2
				if j, ok = l.ensure(j, 6); ok && l.buf[j] == '\\' && l.buf[j+1] == 'u' {
					k := j
					r2, err := l.hex4(&k)
					if err != nil {
						return nil, err
					}
					if r2 >= 0xDC00 && r2 < 0xE000 {
						r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
						j = k + 2
					}
				}
				i = j - 2
			}
			switch {
			case r >= 0xD800 && r < 0xE000:
				// A lone surrogate is no character, and UTF-8 has no
				// encoding for it. It is kept in the three bytes UTF-8's
				// scheme would give it (WTF-8), which are invalid UTF-8:
				// "\ud800" and "\udc00" stay different ids (SPEC §1,
				// compared exactly), and a display shows U+FFFD.
				out = append(out, 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
				l.nonASCII = true
			case r >= 0x80:
				out = utf8.AppendRune(out, r)
				l.nonASCII = true
			default:
				out = append(out, byte(r))
				if r < 0x20 || r == 0x7f {
					l.ctrl = true
				}
			}
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

// nextLine returns the next line without its '\n' (and without a '\r'
// before it); terminated is false for a last line without '\n'. line is
// nil at the end of input.
//
// A line longer than maxToken is not returned but skipped as it streams
// past, so it never has to fit in memory: line is nil and long is its
// length in bytes (without "\r\n"). Each line stands alone (SPEC §1), so
// the caller rejects that one and reads on.
func (l *lexer) nextLine() (line []byte, long int64, terminated bool, err error) {
	scanned := 0
	for {
		if j := bytes.IndexByte(l.buf[l.pos+scanned:], '\n'); j >= 0 {
			end := l.pos + scanned + j
			line = l.buf[l.pos:end:end]
			l.pos = end + 1
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			if len(line) > maxToken {
				return nil, int64(len(line)), true, nil
			}
			return line, 0, true, nil
		}
		scanned = len(l.buf) - l.pos
		if scanned >= maxBuf {
			return l.skipLine()
		}
		if !l.fill() {
			if l.rerr != nil {
				return nil, 0, false, l.endErr()
			}
			if len(l.buf) == l.pos {
				return nil, 0, false, nil
			}
			line = l.buf[l.pos:len(l.buf):len(l.buf)]
			l.pos = len(l.buf)
			if len(line) > maxToken {
				return nil, int64(len(line)), false, nil
			}
			return line, 0, false, nil
		}
	}
}

// skipLine reads past the rest of a line that fills the whole buffer,
// a chunk at a time, and returns its length as nextLine does.
func (l *lexer) skipLine() (line []byte, long int64, terminated bool, err error) {
	var last byte // the line's last byte so far, to leave out a '\r'
	for {
		if j := bytes.IndexByte(l.buf[l.pos:], '\n'); j >= 0 {
			long += int64(j)
			if j > 0 {
				last = l.buf[l.pos+j-1]
			}
			l.pos += j + 1
			if last == '\r' {
				long--
			}
			return nil, long, true, nil
		}
		if n := len(l.buf) - l.pos; n > 0 {
			long += int64(n)
			last = l.buf[len(l.buf)-1]
		}
		l.pos = len(l.buf) // fill keeps nothing, so the buffer does not grow
		if !l.fill() {
			if l.rerr != nil {
				return nil, 0, false, l.endErr()
			}
			return nil, long, false, nil
		}
	}
}
