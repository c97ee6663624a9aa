package transform

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"doradash/sources/apisrc"
)

// FuzzCompile: any text compiles or fails with a CompileError whose place
// lies inside the text.
func FuzzCompile(f *testing.F) {
	f.Add(incidentProgram)
	f.Add(".a |")
	f.Add("def ts: sub(\"(?<h>[+-][0-9]{2})(?<m>[0-9]{2})$\"; \"\\(.h):\\(.m)\");\n.issues[] | {id: .key}")
	f.Fuzz(func(t *testing.T, src string) {
		_, err := Compile(src)
		if err == nil {
			return
		}
		ce, ok := err.(*CompileError)
		if !ok {
			t.Fatalf("%T %v", err, err)
		}
		lines := strings.Count(src, "\n") + 1
		if ce.Line < 0 || ce.Line > lines || (ce.Line > 0 && ce.Column < 1) {
			t.Fatalf("place %d:%d outside %d lines: %v", ce.Line, ce.Column, lines, err)
		}
	})
}

// FuzzPaginate: any paginate table is refused by Validate or builds a
// pager that finds a next page (or none) for a page without panicking.
func FuzzPaginate(f *testing.F) {
	f.Add("offset", "", "", "startAt", "maxResults", "total", 100, `{"total": 250}`, 100)
	f.Add("cursor", ".meta.after", "after", "", "", "", 0, `{"meta": {"after": "x y"}}`, 3)
	f.Add("next_url", ".paging.next", "", "", "", "", 0, `{"paging": {"next": "/b?c=d"}}`, 1)
	f.Add("page", "", "page", "", "", "", 0, `[]`, 0)
	f.Add("link", "", "", "", "", "", 0, `{}`, 2)
	f.Fuzz(func(t *testing.T, style, next, param, start, size, total string, pageSize int, body string, values int) {
		p := Paginate{Style: style, Next: next, Param: param, Start: start, Size: size, Total: total, PageSize: pageSize}
		if p.Validate() != nil {
			return
		}
		v, err := decodeBody([]byte(body))
		if err != nil {
			return
		}
		view := &pageView{body: v, values: values}
		pager, first, err := p.pager(t.Context(), "https://api.example.com/x?q=1", view)
		if err != nil {
			t.Fatalf("valid table %+v: %v", p, err)
		}
		if !strings.HasPrefix(first, "https://api.example.com/x?") {
			t.Fatalf("first page %q", first)
		}
		pager.Next(apiRequest(first), apiResponse())
	})
}

// FuzzTransform: any program on any page yields values that the decoder
// takes or rejects one by one, each rejection with its place.
func FuzzTransform(f *testing.F) {
	f.Add(incidentProgram, `{"items": [{"id": 1, "created": "2026-11-01T10:00:00.000+0000"}]}`)
	f.Add(`.[] | .doc // .`, `[{"doc": {"deployments": [{"id": 1, "finished_at": "2026-11-20T10:00:00Z"}]}}, {"kind": "deployment"}]`)
	f.Add(`.x | millis_to_rfc3339`, `{"x": 1700000000123}`)
	f.Fuzz(func(t *testing.T, src, body string) {
		p, err := Compile(src)
		if err != nil {
			return
		}
		v, err := decodeBody([]byte(body))
		if err != nil {
			return
		}
		c := &collector{limit: 1 << 16}
		c.newPage()
		if p.Run(t.Context(), v, Limits{Outputs: 100, Time: 50 * time.Millisecond}, c.add) != nil {
			return
		}
		_, rej := c.batch()
		if rej.Count > 0 && !strings.HasPrefix(rej.First, "transform output ") {
			t.Fatalf("place %q", rej.First)
		}
	})
}

func apiRequest(u string) apisrc.Request { return apisrc.Request{URL: u} }

func apiResponse() *apisrc.Response {
	return &apisrc.Response{Header: http.Header{"Link": {`</x?p=2>; rel="next"`}}}
}
