package ui

import (
	"testing"

	"github.com/muesli/termenv"
)

// BenchmarkView renders one frame of the wall layout at 300×90 on the demo
// data from scratch, no panel cached; the target is under 2 ms a frame.
func BenchmarkView(b *testing.B) {
	for _, p := range []struct {
		name    string
		profile termenv.Profile
	}{{"ascii", termenv.Ascii}, {"truecolor", termenv.TrueColor}} {
		b.Run(p.name, func(b *testing.B) {
			m := demoModel(b, p.profile, 300, 90)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if len(uncached(m)) == 0 {
					b.Fatal("empty view")
				}
			}
		})
	}
}
