package apitest

import (
	"net/http/httptest"
	"testing"
)

func TestPageOf(t *testing.T) {
	for _, c := range []struct {
		query string
		n     int
		want  Page
	}{
		{"", 0, Page{Page: 1, Per: 30, Last: 1}},
		{"", 45, Page{Page: 1, Per: 30, Last: 2, From: 0, To: 30}},
		{"page=2", 45, Page{Page: 2, Per: 30, Last: 2, From: 30, To: 45}},
		{"page=3", 45, Page{Page: 3, Per: 30, Last: 2, From: 45, To: 45}},
		{"per_page=500&page=0", 250, Page{Page: 1, Per: 100, Last: 3, From: 0, To: 100}},
		{"per_page=-1&page=x", 10, Page{Page: 1, Per: 30, Last: 1, From: 0, To: 10}},
	} {
		r := httptest.NewRequest("GET", "/l?"+c.query, nil)
		if got := PageOf(r, c.n, 30, 100); got != c.want {
			t.Errorf("%q of %d: %+v, want %+v", c.query, c.n, got, c.want)
		}
	}
	r := httptest.NewRequest("GET", "/l?per_page=5&page=1", nil)
	if got, want := PageURL("http://h", r, "/p%2Fq", 3), "http://h/p%2Fq?page=3&per_page=5"; got != want {
		t.Errorf("PageURL: %q, want %q", got, want)
	}
}
