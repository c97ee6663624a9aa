package ui

import (
	"time"
)

// withAck adds to an open incident's age whether it is acknowledged and
// when, long ("acknowledged 14:05") or short ("ack 14:05"), as long as
// the row (incidentRow's columns) keeps its title whole; else the age.
func withAck(age, title string, at, now time.Time, svcW, w int) string {
	when, long, short := "", "not acknowledged", "no ack"
	if !at.IsZero() {
		loc := now.Location()
		when = at.In(loc).Format("15:04")
		if !dayOf(at.In(loc)).Equal(dayOf(now)) {
			when = at.In(loc).Format("Jan 2 15:04")
		}
		long, short = "acknowledged "+when, "ack "+when
	}
	for _, note := range []string{long, short} {
		right := age + " · " + note
		if w-4-1-svcW-1-1-max(6, textWidth(right)) >= textWidth(title) {
			return right
		}
	}
	return age
}
