package transform

import (
	"strings"
	"testing"
)

func TestPaginateValidate(t *testing.T) {
	for _, c := range []struct {
		p    Paginate
		want string // "" for valid, else the start of the error
	}{
		{Paginate{}, ""},
		{Paginate{Style: "none"}, ""},
		{Paginate{Style: "link"}, ""},
		{Paginate{Style: "next_url", Next: ".paging.next"}, ""},
		{Paginate{Style: "next_url", Next: "next"}, ""},
		{Paginate{Style: "cursor", Next: ".meta.after", Param: "after"}, ""},
		{Paginate{Style: "offset", Start: "startAt", Size: "maxResults", Total: "total", PageSize: 100}, ""},
		{Paginate{Style: "offset", Start: "offset", PageSize: 100}, ""},
		{Paginate{Style: "page", Param: "page"}, ""},
		{Paginate{Style: "pages"}, `paginate.style: "pages" is not none`},
		{Paginate{Style: "Link"}, `paginate.style: "Link" is not`},
		{Paginate{Style: "next_url"}, `paginate: style next_url needs the key "next"`},
		{Paginate{Style: "cursor", Next: ".after"}, `paginate: style cursor needs the key "param"`},
		{Paginate{Style: "offset", Start: "s"}, `paginate: style offset needs the key "page_size"`},
		{Paginate{Style: "offset", PageSize: 5}, `paginate: style offset needs the key "start"`},
		{Paginate{Style: "page"}, `paginate: style page needs the key "param"`},
		{Paginate{Param: "page"}, `paginate.param: does not apply to style none`},
		{Paginate{Style: "link", Next: ".next"}, `paginate.next: does not apply to style link`},
		{Paginate{Style: "next_url", Next: ".n", Param: "p"}, `paginate.param: does not apply to style next_url`},
		{Paginate{Style: "page", Param: "page", PageSize: 10}, `paginate.page_size: does not apply to style page`},
		{Paginate{Style: "cursor", Next: ".n", Param: "p", Total: "total"}, `paginate.total: does not apply to style cursor`},
		{Paginate{Style: "offset", Start: "s", PageSize: -1}, `paginate.page_size: -1 is not between`},
		{Paginate{Style: "offset", Start: "s", PageSize: MaxPageSize + 1}, `paginate.page_size: 100001 is not between`},
		{Paginate{Style: "offset", Start: "s", Size: "s", PageSize: 5}, `paginate.size: "s" is also start`},
		{Paginate{Style: "page", Param: "a&b"}, `paginate.param: "a&b" is not a query parameter name`},
		{Paginate{Style: "page", Param: " page"}, `paginate.param: " page" is not a query parameter name`},
		{Paginate{Style: "next_url", Next: ".paging.next |"}, `paginate.next: unexpected EOF`},
		{Paginate{Style: "next_url", Next: "paging.next"}, `paginate.next: `},
		{Paginate{Style: "offset", Start: "s", PageSize: 5, Total: ".total | nosuch"}, `paginate.total: function not defined: nosuch/0`},
	} {
		err := c.p.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v", c.p, err)
		case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want)):
			t.Errorf("%+v: got %v, want %q", c.p, err, c.want)
		}
	}
}

func TestEvalNextAndTotal(t *testing.T) {
	body, _ := decodeBody([]byte(`{"paging": {"next": "https://x/a?offset=20", "num": 42, "f": 1.5, "obj": {}}, "total": 250, "t2": 2.5, "t3": "250"}`))
	for expr, want := range map[string]string{
		".paging.next":  "https://x/a?offset=20",
		".paging.num":   "42",
		".paging.none":  "",
		"false":         "",
		".paging.f":     "1.5",
		".paging.f / 4": "error: paginate.next: want a string or null, got number",
		".paging.obj":   "error: paginate.next: want a string or null, got object",
		"empty":         "",
		"error(\"x\")":  "error: paginate.next: error: x",
	} {
		c, err := compileExpr(expr)
		if err != nil {
			t.Fatal(err)
		}
		got, err := evalString(t.Context(), "next", c, body)
		if err != nil {
			got = "error: " + err.Error()
		}
		if !strings.HasPrefix(got, want) || (want == "" && got != "") {
			t.Errorf("%s: got %q, want %q", expr, got, want)
		}
	}
	for expr, want := range map[string]int{"total": 250, ".total": 250, ".none": -1} {
		c, _ := compileExpr(expr)
		if n, err := evalInt(t.Context(), "total", c, body); err != nil || n != want {
			t.Errorf("%s: got %d, %v", expr, n, err)
		}
	}
	for _, expr := range []string{"t2", "t3"} {
		c, _ := compileExpr(expr)
		if _, err := evalInt(t.Context(), "total", c, body); err == nil {
			t.Errorf("%s: no error", expr)
		}
	}
}
