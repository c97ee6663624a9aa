package apisrc

import (
	"context"
	"net/url"
	"strconv"
	"strings"
)

// Pager finds the request of the next page from the current one and its
// answer. The styles of SPEC §8.6 are LinkPager, NextURLPager,
// CursorPager, OffsetPager and PagePager; a vendor source picks one.
type Pager interface {
	// Next returns the URL of the next page, or ok false at the end.
	Next(cur Request, resp *Response) (next string, ok bool, err error)
}

// Walk reads the pages from first on, calling fn with each one (page
// numbers from 1), until fn returns false, the pager finds no next page,
// or an error. It checks ctx between pages. Every request is made with
// first's Conditional and Compact.
func (c *Client) Walk(ctx context.Context, first Request, p Pager, fn func(page int, resp *Response) (more bool, err error)) error {
	req := first
	for page := 1; ; page++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		resp, err := c.Get(ctx, req)
		if err != nil {
			return err
		}
		more, err := fn(page, resp)
		if err != nil || !more {
			return err
		}
		next, ok, err := p.Next(req, resp)
		if err != nil || !ok {
			return err
		}
		req.URL = next
	}
}

// LinkPager follows the Link header's rel="next" (RFC 8288), as GitHub
// and GitLab send it.
type LinkPager struct{}

// Next implements Pager.
func (LinkPager) Next(_ Request, resp *Response) (string, bool, error) {
	next := LinkNext(resp.Header.Values("Link"))
	return next, next != "", nil
}

// LinkNext returns the target of rel="next" among Link header values, "".
func LinkNext(values []string) string {
	for _, v := range values {
		for _, part := range splitLinks(v) {
			part = strings.TrimSpace(part)
			if !strings.HasPrefix(part, "<") {
				continue
			}
			end := strings.Index(part, ">")
			if end < 0 {
				continue
			}
			target, params := part[1:end], part[end+1:]
			for _, p := range strings.Split(params, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
					continue
				}
				for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(v), `"`)) {
					if strings.EqualFold(rel, "next") {
						return target
					}
				}
			}
		}
	}
	return ""
}

// splitLinks splits a Link header at the commas between links (not those
// inside <...> or quotes).
func splitLinks(v string) []string {
	var out []string
	start, inURL, inQuote := 0, false, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '<' && !inQuote:
			inURL = true
		case c == '>' && !inQuote:
			inURL = false
		case c == '"' && !inURL:
			inQuote = !inQuote
		case c == ',' && !inURL && !inQuote:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}

// NextURLPager reads the next page's URL from the body; "" or null ends.
type NextURLPager struct {
	NextURL func(body []byte) (string, error)
}

// Next implements Pager.
func (p NextURLPager) Next(_ Request, resp *Response) (string, bool, error) {
	next, err := p.NextURL(resp.Body)
	return next, err == nil && next != "", err
}

// CursorPager reads a cursor from the body and sends it as the query
// parameter Param of the first request; an empty cursor ends.
type CursorPager struct {
	Param  string
	Cursor func(body []byte) (string, error)
}

// Next implements Pager.
func (p CursorPager) Next(cur Request, resp *Response) (string, bool, error) {
	cursor, err := p.Cursor(resp.Body)
	if err != nil || cursor == "" {
		return "", false, err
	}
	return withParam(cur.URL, p.Param, cursor), true, nil
}

// OffsetPager advances the query parameter Start by PageSize (also sent
// as Size) until Start reaches the total the body states, or a page has
// no items.
type OffsetPager struct {
	Start, Size string
	PageSize    int
	// Total returns the body's total (-1: not stated) and how many items
	// the page held.
	Total func(body []byte) (total, items int, err error)
}

// Next implements Pager.
func (p OffsetPager) Next(cur Request, resp *Response) (string, bool, error) {
	total, items, err := p.Total(resp.Body)
	if err != nil || items == 0 {
		return "", false, err
	}
	start := queryInt(cur.URL, p.Start) + p.PageSize
	if total >= 0 && start >= total {
		return "", false, nil
	}
	next := withParam(cur.URL, p.Start, strconv.Itoa(start))
	if p.Size != "" {
		next = withParam(next, p.Size, strconv.Itoa(p.PageSize))
	}
	return next, true, nil
}

// PagePager counts the query parameter Param up by one from the first
// request's value (absent: page 1, so the next is 2; an API that counts
// from 0 is asked for page=0 first) and stops at a page without items.
type PagePager struct {
	Param string
	Items func(body []byte) (int, error)
}

// Next implements Pager.
func (p PagePager) Next(cur Request, resp *Response) (string, bool, error) {
	n, err := p.Items(resp.Body)
	if err != nil || n == 0 {
		return "", false, err
	}
	page := 2
	if u, err := url.Parse(cur.URL); err == nil && u.Query().Has(p.Param) {
		page = queryInt(cur.URL, p.Param) + 1
	}
	return withParam(cur.URL, p.Param, strconv.Itoa(page)), true, nil
}

// withParam sets one query parameter of a URL or path.
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

func queryInt(ref, name string) int {
	u, err := url.Parse(ref)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(u.Query().Get(name))
	return n
}
