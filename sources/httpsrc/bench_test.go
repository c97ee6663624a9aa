package httpsrc

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkFetch measures one poll of a 100,000-deployment document
// (about 20 MB, uncompressed) from a local server.
func BenchmarkFetch(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"deployments": [`)
	for i := range 100_000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"id": "d-%d", "service": "svc-%d", "environment": "production", "finished_at": "2026-11-20T14:03:00Z", "status": "success", "commits": [{"sha": "%07x", "committed_at": "2026-11-19T09:12:44Z"}]}`, i, i%20, i)
	}
	sb.WriteString(`]}`)
	doc := sb.String()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, doc)
	}))
	defer srv.Close()
	s, err := New(Options{Name: "bench", URL: srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	defer s.CloseIdleConnections()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := s.Fetch(context.Background())
		if err != nil || len(res.Batch.Deployments) != 100_000 {
			b.Fatalf("fetch: %v", err)
		}
	}
}
