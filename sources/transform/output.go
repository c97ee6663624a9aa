package transform

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"

	"github.com/itchyny/gojq"

	"doradash/model"
	"doradash/sources"
)

// collector keeps what the program yields, numbered from 1 across the
// pages of one poll, as the native decoder will read it: a run of
// records (objects with "kind", or anything else, which the decoder
// rejects as an NDJSON line would be) as NDJSON, one value per line; a
// native document (an object with "deployments" or "incidents" and no
// "kind") on its own.
type collector struct {
	limit    int64 // most bytes of one page's values
	n        int   // values so far
	segs     []segment
	pageSize int64 // bytes of the current page's values
}

// segment is a native document, or a run of NDJSON records whose first
// value is number first.
type segment struct {
	doc   bool
	first int
	data  []byte
}

// newPage starts counting a page's bytes.
func (c *collector) newPage() { c.pageSize = 0 }

// add encodes one value the program yielded. gojq's encoding never
// writes a line break outside a string's escapes, so each value is one
// NDJSON line.
func (c *collector) add(v any) error {
	b, err := gojq.Marshal(v)
	if err != nil {
		return &RunError{Msg: "transform: " + err.Error(), err: err}
	}
	c.pageSize += int64(len(b)) + 1
	if c.pageSize > c.limit {
		return &RunError{Msg: fmt.Sprintf("transform: more than %s of values from one page (the limit)", sizeText(c.limit))}
	}
	c.n++
	doc := isDocument(v)
	if last := len(c.segs) - 1; !doc && last >= 0 && !c.segs[last].doc {
		c.segs[last].data = append(append(c.segs[last].data, b...), '\n')
		return nil
	}
	c.segs = append(c.segs, segment{doc: doc, first: c.n, data: append(b, '\n')})
	return nil
}

// isDocument reports whether v is a native document rather than a record.
func isDocument(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	if _, ok := m["kind"]; ok {
		return false
	}
	_, deps := m["deployments"]
	_, incs := m["incidents"]
	return deps || incs
}

// hash identifies everything collected, to tell an unchanged poll.
func (c *collector) hash() [sha256.Size]byte {
	h := sha256.New()
	for _, s := range c.segs {
		fmt.Fprintf(h, "%t %d %d\n", s.doc, s.first, len(s.data))
		h.Write(s.data)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// batch decodes everything collected with the native decoder, in the
// order the program yielded it, so a later record with the same kind and
// id wins as in a file. A rejection's place is the value's number:
// "transform output 3: finished_at: ..." or, inside a document,
// "transform output 3: deployments[0].finished_at: ...". A document the
// decoder refuses as a whole (its "deployments" is not an array) is one
// rejection, not a failed poll: the program's other values stand.
func (c *collector) batch() (*model.Batch, sources.Rejections) {
	out := &model.Batch{}
	var rej sources.Rejections
	note := func(count int, first string) {
		if count > 0 && rej.Count == 0 {
			rej.First = first
		}
		rej.Count += count
	}
	for _, s := range c.segs {
		if s.doc {
			b, r, err := sources.Decode(bytes.NewReader(s.data), sources.FormatJSON)
			if err != nil {
				note(1, place(s.first)+err.Error())
				continue
			}
			out.Deployments = append(out.Deployments, b.Deployments...)
			out.Incidents = append(out.Incidents, b.Incidents...)
			note(r.Count, place(s.first)+r.First)
			continue
		}
		b, r, err := sources.Decode(bytes.NewReader(s.data), sources.FormatNDJSON)
		if err != nil { // cannot happen: NDJSON lines are rejected one by one
			note(1, place(s.first)+err.Error())
			continue
		}
		out.Deployments = append(out.Deployments, b.Deployments...)
		out.Incidents = append(out.Incidents, b.Incidents...)
		note(r.Count, renumber(r.First, s.first))
	}
	return out, rej
}

// place is the prefix of a rejection of value n.
func place(n int) string { return "transform output " + strconv.Itoa(n) + ": " }

// renumber turns the NDJSON decoder's "line K: msg" of a run whose first
// value is number first into "transform output N: msg".
func renumber(msg string, first int) string {
	rest, ok := strings.CutPrefix(msg, "line ")
	if !ok {
		return place(first) + msg
	}
	num, tail, ok := strings.Cut(rest, ": ")
	k, err := strconv.Atoi(num)
	if !ok || err != nil {
		return place(first) + msg
	}
	return place(first+k-1) + tail
}

// sizeText words a byte count: "256 MiB", "1.5 KiB", "100 bytes".
func sizeText(n int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		if n >= u.size {
			v := strconv.FormatFloat(float64(n)/float64(u.size), 'f', 2, 64)
			return strings.TrimRight(strings.TrimRight(v, "0"), ".") + " " + u.name
		}
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
