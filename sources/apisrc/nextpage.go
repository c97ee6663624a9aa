package apisrc

import (
	"net/http"
	"strconv"
	"strings"
)

// NextPagePager reads the next page's number from a response header
// (GitLab's x-next-page) and sends it as the query parameter Param of the
// current request. A header that is present but empty ends the walk; a
// response without the header falls back to the Link header's
// rel="next", which GitLab sends as well (and alone on some endpoints).
type NextPagePager struct {
	// Header is the header naming the next page, e.g. "X-Next-Page".
	Header string
	// Param is the query parameter of the page number, e.g. "page".
	Param string
}

// GitLabPager is the offset pagination of GitLab's REST API.
var GitLabPager = NextPagePager{Header: "X-Next-Page", Param: "page"}

// Next implements Pager.
func (p NextPagePager) Next(cur Request, resp *Response) (string, bool, error) {
	vals, present := resp.Header[http.CanonicalHeaderKey(p.Header)]
	if !present {
		return LinkPager{}.Next(cur, resp)
	}
	v := ""
	if len(vals) > 0 {
		v = strings.TrimSpace(vals[0])
	}
	n, err := strconv.Atoi(v)
	if v == "" || err != nil || n < 1 {
		return "", false, nil
	}
	// A server that names the current page (or an earlier one) as the
	// next would make the walk go round for ever.
	if n <= max(queryInt(cur.URL, p.Param), 1) {
		return "", false, nil
	}
	return withParam(cur.URL, p.Param, strconv.Itoa(n)), true, nil
}
