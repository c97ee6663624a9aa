package httpapi

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"doradash/model"
)

var endpoints = []string{"/metrics", "/api/v1/snapshot", "/api/v1/events", "/readyz"}

func TestTokenRequiredOnEveryEndpointButHealthz(t *testing.T) {
	feed := &fakeFeed{}
	feed.set(model.Merge(sampleBatch()), model.SourceStatus{Name: "a", OK: true, LastSuccess: t0})
	h := newTestServer(t, feed, func(o *Options) { o.Token = "s3cret" }).Handler()

	if rec := get(h, "/healthz"); rec.Code != http.StatusOK {
		t.Errorf("/healthz without a token: %d, want 200", rec.Code)
	}
	for _, ep := range endpoints {
		for _, auth := range []string{"", "Bearer wrong", "Bearer s3cret2", "Bearer s3cre", "Basic s3cret", "s3cret", "Bearer"} {
			rec := get(h, ep, "Authorization", auth)
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("%s with Authorization %q: %d, want 401", ep, auth, rec.Code)
				continue
			}
			if rec.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s: 401 without WWW-Authenticate", ep)
			}
			if msg := errorOf(t, rec); contains(msg, "s3cret") {
				t.Errorf("%s: the error names the token: %s", ep, msg)
			}
		}
		for _, auth := range []string{"Bearer s3cret", "bearer s3cret", "BEARER  s3cret"} {
			if rec := get(h, ep, "Authorization", auth); rec.Code != http.StatusOK {
				t.Errorf("%s with Authorization %q: %d, want 200: %s", ep, auth, rec.Code, rec.Body.String())
			}
		}
	}
}

func TestNoTokenConfiguredMeansOpen(t *testing.T) {
	feed := &fakeFeed{}
	feed.set(model.Merge(sampleBatch()), model.SourceStatus{Name: "a", OK: true, LastSuccess: t0})
	h := newTestServer(t, feed, nil).Handler()
	for _, ep := range append(endpoints, "/healthz") {
		if rec := get(h, ep); rec.Code != http.StatusOK {
			t.Errorf("%s: %d, want 200", ep, rec.Code)
		}
	}
}

func TestUnknownPathIsJSON404(t *testing.T) {
	feed := &fakeFeed{}
	feed.set(model.Merge())
	rec := get(newTestServer(t, feed, nil).Handler(), "/api/v2/nothing")
	if rec.Code != http.StatusNotFound {
		t.Fatalf("status %d, want 404", rec.Code)
	}
	errorOf(t, rec)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/snapshot", nil)
	rr := httptest.NewRecorder()
	newTestServer(t, feed, nil).Handler().ServeHTTP(rr, req)
	if rr.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", rr.Code)
	}
}

func TestReadyOnceEverySourceSucceeded(t *testing.T) {
	feed := &fakeFeed{}
	h := newTestServer(t, feed, nil).Handler()
	feed.set(model.Merge(), model.SourceStatus{Name: "files", State: model.SourcePending},
		model.SourceStatus{Name: "api", State: model.SourcePending})
	if rec := get(h, "/readyz"); rec.Code != http.StatusServiceUnavailable || !contains(rec.Body.String(), `"files", "api"`) {
		t.Errorf("nothing polled: %d %q, want 503 naming both", rec.Code, rec.Body.String())
	}
	feed.set(model.Merge(), model.SourceStatus{Name: "files", OK: true, LastSuccess: t0},
		model.SourceStatus{Name: "api", State: model.SourceFailing, Error: "HTTP 500"})
	if rec := get(h, "/readyz"); rec.Code != http.StatusServiceUnavailable || contains(rec.Body.String(), "files") {
		t.Errorf("one polled: %d %q, want 503 naming only api", rec.Code, rec.Body.String())
	}
	// A source that succeeded once and fails now is still ready: its last
	// good data is served.
	feed.set(model.Merge(), model.SourceStatus{Name: "files", OK: true, LastSuccess: t0},
		model.SourceStatus{Name: "api", State: model.SourceFailing, LastSuccess: t0.Add(-time.Hour)})
	if rec := get(h, "/readyz"); rec.Code != http.StatusOK {
		t.Errorf("both succeeded once: %d %q, want 200", rec.Code, rec.Body.String())
	}
	// /healthz does not depend on the sources.
	feed.set(model.Merge(), model.SourceStatus{Name: "files", State: model.SourcePending})
	if rec := get(h, "/healthz"); rec.Code != http.StatusOK {
		t.Errorf("/healthz: %d", rec.Code)
	}
}

// TestConcurrencyCap runs more requests than the cap whose computations
// block: exactly the cap is served, the rest get 503 at once; /healthz
// still answers.
func TestConcurrencyCap(t *testing.T) {
	const limit = 4
	feed := &fakeFeed{}
	feed.set(model.Merge(sampleBatch()))
	release := make(chan struct{})
	started := make(chan struct{}, 100)
	h := newTestServer(t, feed, func(o *Options) {
		o.MaxConcurrent = limit
		o.Compute = func(ds *model.Dataset, q model.Query) *model.Report {
			started <- struct{}{}
			<-release
			return model.Compute(ds, q)
		}
	}).Handler()

	var wg sync.WaitGroup
	codes := make(chan int, limit)
	for i := range limit {
		// Different instants: no two requests share a computation.
		target := fmt.Sprintf("/api/v1/snapshot?now=2026-11-20T12:00:%02dZ", i)
		wg.Go(func() { codes <- get(h, target).Code })
	}
	for range limit {
		<-started // every slot is taken by a blocked computation
	}
	for i := range 3 * limit {
		rec := get(h, fmt.Sprintf("/api/v1/snapshot?now=2026-11-20T13:00:%02dZ", i))
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Fatalf("request %d beyond the cap: %d (Retry-After %q), want 503 with Retry-After", i, rec.Code, rec.Header().Get("Retry-After"))
		}
		errorOf(t, rec)
	}
	for _, ep := range []string{"/metrics", "/api/v1/events", "/readyz"} {
		if rec := get(h, ep); rec.Code != http.StatusServiceUnavailable {
			t.Errorf("%s beyond the cap: %d, want 503", ep, rec.Code)
		}
	}
	if rec := get(h, "/healthz"); rec.Code != http.StatusOK {
		t.Errorf("/healthz beyond the cap: %d, want 200", rec.Code)
	}
	close(release)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Errorf("a request within the cap got %d", c)
		}
	}
	if rec := get(h, "/api/v1/snapshot?now=2026-11-20T14:00:00Z"); rec.Code != http.StatusOK {
		t.Errorf("after the burst: %d, want 200", rec.Code)
	}
}

func TestServerTimeoutsAndShutdown(t *testing.T) {
	feed := &fakeFeed{}
	feed.set(model.Merge(sampleBatch()))
	s := newTestServer(t, feed, nil)
	if s.http.ReadHeaderTimeout <= 0 || s.http.ReadTimeout <= 0 || s.http.WriteTimeout <= 0 || s.http.IdleTimeout <= 0 || s.http.MaxHeaderBytes <= 0 {
		t.Errorf("a limit is not set: %+v", s.http)
	}
	ln, err := listenLocal()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve after Shutdown: %v, want nil", err)
	}
}

func TestNewChecksOptions(t *testing.T) {
	feed := &fakeFeed{}
	feed.set(model.Merge())
	for name, o := range map[string]Options{
		"no feed":       {WriteJSON: jsonWriter},
		"no writer":     {Feed: feed},
		"window 0":      {Feed: feed, WriteJSON: jsonWriter, Windows: []int{0}},
		"window 367":    {Feed: feed, WriteJSON: jsonWriter, Windows: []int{7, 367}},
		"cert, no key":  {Feed: feed, WriteJSON: jsonWriter, CertFile: "x.pem"},
		"missing files": {Feed: feed, WriteJSON: jsonWriter, CertFile: "/nonexistent/c.pem", KeyFile: "/nonexistent/k.pem"},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
}

func TestServesTLS(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, certPEM, 0o600)
	os.WriteFile(keyFile, keyPEM, 0o600)
	feed := &fakeFeed{}
	feed.set(model.Merge(sampleBatch()))
	s := newTestServer(t, feed, func(o *Options) { o.CertFile, o.KeyFile = certFile, keyFile })
	ln, err := listenLocal()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	defer func() {
		s.Shutdown(context.Background())
		<-done
	}()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer client.CloseIdleConnections()
	resp, err := client.Get("https://" + ln.Addr().String() + "/api/v1/snapshot")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Errorf("status %d, TLS %v", resp.StatusCode, resp.TLS != nil)
	}
	// Plain HTTP to the TLS port is refused.
	if resp, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP was served on the TLS listener")
		}
	}
}

// selfSigned returns a certificate for 127.0.0.1 and its key, as PEM.
func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "doradash test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}
