package httpapi

import (
	"os"
	"os/exec"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// The metrics' descriptions are built on the first scrape, not when the
// program starts. Checked in a test process of its own, since any test
// that scrapes builds them.
func TestDescsBuiltOnFirstUse(t *testing.T) {
	if os.Getenv("DORADASH_TEST_LAZY_DESCS") != "1" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDescsBuiltOnFirstUse$")
		cmd.Env = append(os.Environ(), "DORADASH_TEST_LAZY_DESCS=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return
	}
	if descDeployments != nil || allDescs != nil {
		t.Fatal("descriptions built before the first use")
	}
	ch := make(chan *prometheus.Desc, 64)
	(&collector{}).Describe(ch)
	close(ch)
	n := 0
	for d := range ch {
		if d == nil {
			t.Error("a nil description")
		}
		n++
	}
	if n != 22 {
		t.Errorf("%d descriptions, want 22", n)
	}
}
