package httpapi

import (
	"bytes"
	"net/http"
	"os/exec"
	"testing"

	"doradash/model"
)

// TestPromtoolCheckMetrics lints /metrics, in both exposition formats,
// with Prometheus's own promtool when it is installed (Debian's
// prometheus package).
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed (apt-get install prometheus)")
	}
	_, sample := metricsServer(t)
	feed := &fakeFeed{}
	feed.set(model.Merge())
	empty := newTestServer(t, feed, nil).Handler()
	for name, h := range map[string]http.Handler{"sample data": sample, "no data": empty} {
		for _, accept := range []string{"", "application/openmetrics-text; version=1.0.0"} {
			body := get(h, "/metrics", "Accept", accept).Body.Bytes()
			cmd := exec.Command(promtool, "check", "metrics")
			cmd.Stdin = bytes.NewReader(body)
			if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
				t.Errorf("%s, Accept %q: promtool check metrics: %v\n%s", name, accept, err, out)
			}
		}
	}
}
