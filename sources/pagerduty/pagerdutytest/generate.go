package pagerdutytest

import (
	"fmt"
	"time"
)

// Generate fills the account with n incidents, one every 2 hours back from
// now, on three services. Every 20th is still open (half of those
// acknowledged); the others are resolved after 1–3 hours, most of them
// acknowledged on the way. Priorities: none on every 3rd (urgency decides),
// else P1…P5 in turn, with an unknown name on every 17th.
func (f *Server) Generate(n int, now time.Time) {
	f.Lock()
	defer f.Unlock()
	services := []struct{ id, name string }{{"PIJ90N7", "checkout"}, {"PQ1SVC2", "search"}, {"PZ3SVC3", "payments"}}
	for i := range n {
		at := now.Add(-time.Duration(n-i) * 2 * time.Hour)
		svc := services[i%len(services)]
		in := &Incident{
			ID: fmt.Sprintf("Q%06dABC", i), Number: 1000 + i, Title: fmt.Sprintf("Error rate on %s #%d", svc.name, i),
			Service: svc.name, ServiceID: svc.id, Urgency: []string{"high", "low"}[i%2], Created: at, LastChange: at,
		}
		switch {
		case i%17 == 16:
			in.Priority = "Urgent-ish"
		case i%3 != 0:
			in.Priority = fmt.Sprintf("P%d", 1+i%5)
		}
		ack := at.Add(time.Duration(2+i%7) * time.Minute)
		if i%20 == 19 {
			in.Status = "triggered"
			if i%40 == 39 {
				in.Status = "acknowledged"
				in.Acks = []time.Time{ack.Add(time.Minute), ack}
				in.AckLog = []time.Time{ack}
				in.LastChange = ack
			}
		} else {
			in.Status = "resolved"
			in.Resolved = at.Add(time.Duration(1+i%3) * time.Hour)
			in.LastChange = in.Resolved
			if i%5 != 4 {
				in.AckLog = []time.Time{ack.Add(3 * time.Minute), ack}
			}
		}
		f.Incidents = append(f.Incidents, in)
	}
}
