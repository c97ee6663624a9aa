package ui

import (
	"time"

	"doradash/model"
)

// openAcks are the acknowledgement times, as of end, of the open
// incidents listed (zero: not acknowledged), in their order.
func openAcks(ds *model.Dataset, open []model.IncidentView, end time.Time) []time.Time {
	acks := make([]time.Time, len(open))
	if len(open) == 0 {
		return acks
	}
	at := make(map[string]int, len(open))
	for i, in := range open {
		at[in.ID] = i
	}
	e := model.StampOf(end)
	for i := range ds.Incidents {
		in := &ds.Incidents[i]
		j, ok := at[in.ID]
		if ok && in.AcknowledgedAt.IsSet() && in.AcknowledgedAt <= e {
			acks[j] = in.AcknowledgedAt.Time()
		}
	}
	return acks
}

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
