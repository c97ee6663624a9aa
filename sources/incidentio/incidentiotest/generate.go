package incidentiotest

import (
	"fmt"
	"time"
)

// Generate fills the organisation with n incidents, one every 2 hours back
// from now, with the default timestamp names; every 50th is declined,
// every 70th a test incident, every 15th still live; services through a
// catalog entry, an option or text in turn.
func (f *Server) Generate(n int, now time.Time) {
	f.Lock()
	defer f.Unlock()
	sevs := []string{"Critical", "Major", "Minor", "SEV4", "Unusual"}
	svcs := []string{"checkout", "search", "payments"}
	for i := range n {
		at := now.Add(-time.Duration(n-i) * 2 * time.Hour)
		in := &Incident{ID: fmt.Sprintf("01HX%022d", i), Name: fmt.Sprintf("Database sad #%d", i), Mode: "standard",
			Created: at.Add(5 * time.Minute), Severity: sevs[i%len(sevs)], Status: "closed",
			Timestamps: map[string]time.Time{
				"Impact started at": at, "Reported at": at.Add(5 * time.Minute), "Accepted at": at.Add(9 * time.Minute),
				"Resolved at": at.Add(time.Duration(1+i%4) * time.Hour), "Closed at": at.Add(5 * time.Hour),
			}}
		switch i % 3 {
		case 0:
			in.Catalog = svcs[i%len(svcs)]
		case 1:
			in.Option = svcs[i%len(svcs)]
		default:
			in.Text = svcs[i%len(svcs)]
		}
		switch {
		case i%50 == 49:
			in.Status = "declined"
		case i%70 == 69:
			in.Mode = "test"
		case i%15 == 14:
			in.Status = "live"
			in.Timestamps["Resolved at"] = time.Time{}
			in.Timestamps["Closed at"] = time.Time{}
		}
		if i%11 == 10 {
			delete(in.Timestamps, "Impact started at")
		}
		f.Incidents = append(f.Incidents, in)
	}
}
