package demo

import (
	"strings"
	"testing"
	"time"
)

func TestOptionsValidate(t *testing.T) {
	o := Options{}
	if err := o.Validate(); err == nil || !strings.HasPrefix(err.Error(), "name: ") {
		t.Fatalf("no name: %v", err)
	}
	o = Options{Name: "demo"}
	if err := o.Validate(); err != nil || o.Clock == nil {
		t.Fatalf("Validate() = %v, clock set %v: want the default clock", err, o.Clock != nil)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s, err := NewFromOptions(Options{Name: "d", Clock: func() time.Time { return at }})
	if err != nil || s.Name() != "d" || !s.clock().Equal(at) {
		t.Fatalf("NewFromOptions: %v, %v", s, err)
	}
}
