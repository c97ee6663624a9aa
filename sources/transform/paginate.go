package transform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strconv"
	"strings"

	"github.com/itchyny/gojq"

	"doradash/sources/apisrc"
)

// The pagination styles of SPEC §8.6.
const (
	StyleNone    = "none"
	StyleLink    = "link"
	StyleNextURL = "next_url"
	StyleCursor  = "cursor"
	StyleOffset  = "offset"
	StylePage    = "page"
)

// MaxPageSize bounds paginate.page_size.
const MaxPageSize = 100_000

// Paginate is the `paginate` table of an http source with a transform.
// Unset keys are "" (0 for PageSize); each style takes only its own keys.
type Paginate struct {
	// Style is none (also ""), link, next_url, cursor, offset or page.
	Style string
	// Next (next_url, cursor) finds the next page's URL or cursor in the
	// body: a jq expression (".paging.next") or a top-level member's name.
	Next string
	// Param is the query parameter that carries the cursor (cursor) or
	// the page number (page).
	Param string
	// Start and Size are the query parameters of the offset and the page
	// size (offset; Size is optional); PageSize is the size asked for and
	// what the offset advances by.
	Start, Size string
	PageSize    int
	// Total (offset, optional) finds the number of items in all pages in
	// the body: a jq expression or a top-level member's name.
	Total string
}

// keysOf lists the keys a style takes, the required ones first.
var styleKeys = map[string]struct{ required, optional []string }{
	StyleNone:    {},
	StyleLink:    {},
	StyleNextURL: {required: []string{"next"}},
	StyleCursor:  {required: []string{"next", "param"}},
	StyleOffset:  {required: []string{"start", "page_size"}, optional: []string{"size", "total"}},
	StylePage:    {required: []string{"param"}},
}

// set returns the keys of p that are set, in the order of the table.
func (p Paginate) set() map[string]bool {
	return map[string]bool{
		"next": p.Next != "", "param": p.Param != "", "start": p.Start != "",
		"size": p.Size != "", "page_size": p.PageSize != 0, "total": p.Total != "",
	}
}

// Validate checks the table; its errors start with the key at fault
// ("paginate.next: ...").
func (p Paginate) Validate() error {
	style := p.Style
	if style == "" {
		style = StyleNone
	}
	keys, ok := styleKeys[style]
	if !ok {
		return fmt.Errorf("paginate.style: %q is not none, link, next_url, cursor, offset or page", p.Style)
	}
	set := p.set()
	for _, k := range keys.required {
		if !set[k] {
			return fmt.Errorf("paginate: style %s needs the key %q", style, k)
		}
	}
	for _, k := range []string{"next", "param", "start", "size", "page_size", "total"} {
		if set[k] && !contains(keys.required, k) && !contains(keys.optional, k) {
			return fmt.Errorf("paginate.%s: does not apply to style %s", k, style)
		}
	}
	if set["page_size"] && (p.PageSize < 1 || p.PageSize > MaxPageSize) {
		return fmt.Errorf("paginate.page_size: %d is not between 1 and %d", p.PageSize, MaxPageSize)
	}
	for _, q := range []struct{ key, v string }{{"param", p.Param}, {"start", p.Start}, {"size", p.Size}} {
		if strings.TrimSpace(q.v) != q.v || (set[q.key] && strings.ContainsAny(q.v, "&=#?")) {
			return fmt.Errorf("paginate.%s: %q is not a query parameter name", q.key, q.v)
		}
	}
	if p.Start != "" && p.Start == p.Size {
		return fmt.Errorf("paginate.size: %q is also start", p.Size)
	}
	for _, e := range []struct{ key, v string }{{"next", p.Next}, {"total", p.Total}} {
		if e.v == "" {
			continue
		}
		if _, err := compileExpr(e.v); err != nil {
			return fmt.Errorf("paginate.%s: %v", e.key, err)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// compileExpr compiles next or total: a jq expression when it starts with
// '.' (or '$', '(' …), else the name of a top-level member.
func compileExpr(src string) (*gojq.Code, error) {
	if src == "" {
		return nil, errors.New("empty")
	}
	if isName(src) {
		src = "." + strconv.Quote(src)
	}
	q, err := gojq.Parse(src)
	if err != nil {
		return nil, err
	}
	return gojq.Compile(q, helperOptions()...)
}

// isName reports whether s is a plain member name: letters, digits, '_'
// and '-', not starting with a digit.
func isName(s string) bool {
	for i, c := range s {
		switch {
		case c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

// pageView is what the pager knows of the page just read: its decoded
// body and how many values the program yielded from it. The source sets
// it before the walk asks the pager for the next page.
type pageView struct {
	body   any
	values int
}

// pager builds the apisrc pager of the style; its body callbacks read the
// page the source has already decoded (view), not the raw body again.
// first is the first request's URL with the offset style's page size set.
func (p Paginate) pager(ctx context.Context, rawURL string, view *pageView) (apisrc.Pager, string, error) {
	var next, total *gojq.Code
	var err error
	if p.Next != "" {
		if next, err = compileExpr(p.Next); err != nil {
			return nil, "", fmt.Errorf("paginate.next: %w", err)
		}
	}
	if p.Total != "" {
		if total, err = compileExpr(p.Total); err != nil {
			return nil, "", fmt.Errorf("paginate.total: %w", err)
		}
	}
	str := func(key string, c *gojq.Code) func([]byte) (string, error) {
		return func([]byte) (string, error) { return evalString(ctx, key, c, view.body) }
	}
	switch p.Style {
	case StyleLink:
		return apisrc.LinkPager{}, rawURL, nil
	case StyleNextURL:
		return apisrc.NextURLPager{NextURL: str("next", next)}, rawURL, nil
	case StyleCursor:
		return apisrc.CursorPager{Param: p.Param, Cursor: str("next", next)}, rawURL, nil
	case StyleOffset:
		first := rawURL
		if p.Size != "" {
			first = withParam(rawURL, p.Size, strconv.Itoa(p.PageSize))
		}
		return apisrc.OffsetPager{Start: p.Start, Size: p.Size, PageSize: p.PageSize,
			Total: func([]byte) (int, int, error) {
				n := -1
				if total != nil {
					var err error
					if n, err = evalInt(ctx, "total", total, view.body); err != nil {
						return 0, 0, err
					}
				}
				return n, view.values, nil
			}}, first, nil
	case StylePage:
		return apisrc.PagePager{Param: p.Param, Items: func([]byte) (int, error) { return view.values, nil }}, rawURL, nil
	}
	return noPager{}, rawURL, nil
}

// noPager reads one page.
type noPager struct{}

func (noPager) Next(apisrc.Request, *apisrc.Response) (string, bool, error) { return "", false, nil }

// eval returns the first value of c on body; nil when it yields nothing.
func eval(ctx context.Context, key string, c *gojq.Code, body any) (any, error) {
	iter := c.RunWithContext(ctx, body)
	v, ok := iter.Next()
	if !ok {
		return nil, nil
	}
	if err, isErr := v.(error); isErr {
		return nil, fmt.Errorf("paginate.%s: %v", key, err)
	}
	return v, nil
}

// evalString reads a next URL or cursor: a string, or a number written
// in decimal; null, false and "" end the walk.
func evalString(ctx context.Context, key string, c *gojq.Code, body any) (string, error) {
	v, err := eval(ctx, key, c, body)
	if err != nil {
		return "", err
	}
	switch x := v.(type) {
	case nil:
		return "", nil
	case bool:
		if !x {
			return "", nil
		}
	case string:
		return x, nil
	case int, json.Number, *big.Int: // as the API wrote it
		return string(mustMarshal(x)), nil
	case float64:
		if x == float64(int64(x)) {
			return strconv.FormatInt(int64(x), 10), nil
		}
	}
	return "", fmt.Errorf("paginate.%s: want a string or null, got %s", key, typeOf(v))
}

// evalInt reads the total: a whole number, or null (-1: not stated).
func evalInt(ctx context.Context, key string, c *gojq.Code, body any) (int, error) {
	v, err := eval(ctx, key, c, body)
	if err != nil || v == nil {
		return -1, err
	}
	switch x := v.(type) {
	case int:
		return x, nil
	case float64:
		if n, ok := gojq.ToInt(x); ok && float64(n) == x {
			return n, nil
		}
	case json.Number:
		if n, err := strconv.Atoi(x.String()); err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("paginate.%s: want a whole number or null, got %s", key, string(mustMarshal(v)))
}

// withParam sets one query parameter of a URL.
func withParam(ref, name, value string) string {
	u, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.String()
}
