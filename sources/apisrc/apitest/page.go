package apitest

import (
	"fmt"
	"net/http"
	"strconv"
)

// Page is one page of an offset-paginated list that takes page (from 1)
// and per_page parameters, as GitHub's and GitLab's do.
type Page struct {
	Page, Per, Last int
	// From and To cut the list's items to the page.
	From, To int
}

// PageOf reads page and per_page for a list of n items: per_page def
// when missing, at most most.
func PageOf(r *http.Request, n, def, most int) Page {
	q := r.URL.Query()
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 {
		per = def
	}
	per = min(per, most)
	p, _ := strconv.Atoi(q.Get("page"))
	p = max(p, 1)
	return Page{Page: p, Per: per, Last: max(1, (n+per-1)/per), From: min((p-1)*per, n), To: min(p*per, n)}
}

// PageURL is the URL of another page of the list r asked for: base and
// path, r's query with page set.
func PageURL(base string, r *http.Request, path string, page int) string {
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(page))
	return fmt.Sprintf("%s%s?%s", base, path, q.Encode())
}
