package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"doradash/model"
	"doradash/sources"
	"doradash/sources/apisrc"
	"doradash/sources/apisrc/apitest"
	"doradash/sources/pagerduty/pagerdutytest"
)

func resolvedCount(f *pagerdutytest.Server) int {
	f.Lock()
	defer f.Unlock()
	n := 0
	for _, in := range f.Incidents {
		if in.Status == "resolved" {
			n++
		}
	}
	return n
}

func TestFirstSyncMatchesNativeRecordsAndLogEntriesAreReadOnce(t *testing.T) {
	f := newFake(t)
	f.Generate(250, epoch) // 3 pages
	s := newTestSource(t, f, nil, nil)
	res := fetch(t, s)
	if res.Rejected != 0 {
		t.Fatalf("rejected %d: %s", res.Rejected, res.FirstRejection)
	}
	checkBatch(t, res.Batch, expectedBatch(t, f, epoch.Add(-MinHistory), "priority"))
	rep := metrics(res.Batch)[0]
	if rep.Incidents.TimeToAcknowledge.Count == 0 || rep.Incidents.BySeverity["unknown"] == 0 || rep.Incidents.BySeverity["SEV2"] == 0 {
		t.Fatalf("the data does not exercise acknowledgements and severities: %+v", rep.Incidents)
	}
	resolved := resolvedCount(f)
	if n := f.Kind("incidents"); n != 3 {
		t.Errorf("%d list pages, want 3", n)
	}
	if n := f.Kind("log_entries"); n != resolved {
		t.Errorf("%d log reads, want one per resolved incident (%d)", n, resolved)
	}
	if f.BadAuth() != 0 || f.BadRequests() != 0 {
		t.Errorf("bad auth %d, bad requests %d", f.BadAuth(), f.BadRequests())
	}
	first := f.Requests()
	if p := s.Progress(); p.Syncing || p.Requests != first || p.RateRemaining != 960-first {
		t.Errorf("progress after sync: %+v (server saw %d)", p, first)
	}

	res2 := fetch(t, s)
	if !res2.Unchanged {
		t.Error("second poll of an unchanged account is not Unchanged")
	}
	if n := f.Requests() - first; n != 3 {
		t.Errorf("second poll: %d requests, want the 3 list pages", n)
	}

	// An open incident resolves: its log is read once, then never again.
	f.Lock()
	var open *pagerdutytest.Incident
	for _, in := range f.Incidents {
		if in.Status == "acknowledged" {
			open = in
			break
		}
	}
	open.Status, open.Resolved = "resolved", epoch.Add(-time.Minute)
	open.LastChange = open.Resolved
	f.Unlock()
	res3 := fetch(t, s)
	checkBatch(t, res3.Batch, expectedBatch(t, f, epoch.Add(-MinHistory), "priority"))
	fetch(t, s)
	if n := f.LogReads(open.ID); n != 1 {
		t.Errorf("log of the newly resolved incident read %d times", n)
	}
}

func TestRestartWithTheCacheReadsNoLogEntries(t *testing.T) {
	f := newFake(t)
	f.Generate(120, epoch)
	dir := t.TempDir()
	first := fetch(t, newTestSource(t, f, apisrc.OpenCache(dir, nil), nil))
	logs := f.Kind("log_entries")
	s2 := newTestSource(t, f, apisrc.OpenCache(dir, nil), nil)
	again := fetch(t, s2)
	if n := f.Kind("log_entries"); n != logs {
		t.Errorf("restart read %d logs again", n-logs)
	}
	if p := s2.Progress(); p.Cached != logs || p.Requests != 2 {
		t.Errorf("restart progress %+v, want 2 requests and %d cached answers", p, logs)
	}
	sortBatch(first.Batch)
	sortBatch(again.Batch)
	if !reflect.DeepEqual(first.Batch, again.Batch) {
		t.Error("restart from the cache changed the records")
	}
	// --no-cache: everything again.
	fetch(t, newTestSource(t, f, apisrc.MemoryCache(), nil))
	if n := f.Kind("log_entries"); n != 2*logs {
		t.Errorf("without the cache: %d log reads, want %d", n-logs, logs)
	}
}

// TestPiecesOf180Days: a history of 400 days is read as pieces 180, 180
// and 40 days long, newest first; an incident exactly on a boundary of two
// pieces, which both may return, is one record.
func TestPiecesOf180Days(t *testing.T) {
	f := newFake(t)
	boundary := epoch.Add(-180 * 24 * time.Hour)
	for i, at := range []time.Time{epoch.Add(-time.Hour), boundary, boundary.Add(-time.Second), epoch.Add(-300 * 24 * time.Hour),
		epoch.Add(-399 * 24 * time.Hour), epoch.Add(-401 * 24 * time.Hour)} {
		f.Incidents = append(f.Incidents, &pagerdutytest.Incident{ID: fmt.Sprintf("PB%d", i), Number: i, Title: "t", Service: "checkout",
			ServiceID: "PSVC", Status: "triggered", Urgency: "high", Created: at, LastChange: at})
	}
	f.IgnoreSince = true // a piece's since is inclusive: the boundary comes twice, the 401-day one too
	s := newTestSource(t, f, nil, func(o *Options) { o.History = 400 * 24 * time.Hour })
	res := fetch(t, s)
	checkBatch(t, res.Batch, expectedBatch(t, f, epoch.Add(-400*24*time.Hour), "priority"))
	if len(res.Batch.Incidents) != 5 {
		t.Errorf("%d incidents, want 5 (the 401-day-old one is before history)", len(res.Batch.Incidents))
	}
	if n := f.Kind("incidents"); n != 3 {
		t.Errorf("%d list requests, want 3 pieces", n)
	}
	if f.BadRequests() != 0 {
		t.Errorf("%d requests PagerDuty refuses", f.BadRequests())
	}
}

// TestOffsetCapSplitsTheRange: 10,050 incidents in one piece exceed what
// offset pagination reaches (offset+limit ≤ 10,000); the range is split
// and every incident is read, none refused.
func TestOffsetCapSplitsTheRange(t *testing.T) {
	for _, c := range []struct {
		order    string
		maxPages int
	}{{"", 102}, {"desc", 102}, {"scrambled", 1000}} {
		if c.order == "scrambled" && testing.Short() {
			continue // 600 pages of 100: slow under -race
		}
		f := newFake(t)
		f.Order = c.order
		for i := range 10050 {
			at := epoch.Add(-time.Duration(i+1) * time.Minute)
			f.Incidents = append(f.Incidents, &pagerdutytest.Incident{ID: fmt.Sprintf("PC%05d", i), Number: i, Title: "t",
				Service: "s", ServiceID: "PSVC", Status: "triggered", Urgency: "low", Created: at, LastChange: at})
		}
		s := newTestSource(t, f, nil, nil)
		res := fetch(t, s)
		if len(res.Batch.Incidents) != 10050 {
			t.Fatalf("order %q: %d incidents, want 10050", c.order, len(res.Batch.Incidents))
		}
		if f.BadRequests() != 0 {
			t.Errorf("order %q: %d requests beyond the offset cap", c.order, f.BadRequests())
		}
		if n := f.Kind("incidents"); n > c.maxPages {
			t.Errorf("order %q: %d list requests for 10,050 incidents", c.order, n)
		}
		t.Logf("order %q: %d list requests for 10,050 incidents in one piece", c.order, f.Kind("incidents"))
	}
}

func TestFieldsMissingNullOrUnknown(t *testing.T) {
	f := newFake(t)
	at := epoch.Add(-48 * time.Hour)
	f.Incidents = []*pagerdutytest.Incident{
		// no service, no priority, an urgency PagerDuty may add one day
		{ID: "PN1", Title: "no service", Status: "triggered", Urgency: "medium", Created: at, LastChange: at},
		// a priority whose name §1 does not know: unknown, urgency not used
		{ID: "PN2", Title: "odd priority", Service: "s", Status: "acknowledged", Urgency: "high", Priority: "Sev-Zero",
			Created: at, Acks: []time.Time{at.Add(5 * time.Minute), at.Add(3 * time.Minute)}},
		// a priority as a reference (summary only)
		{ID: "PN3", Title: "ref", Service: "s", Status: "triggered", Urgency: "low", Priority: "P2", PriorityRef: true, Created: at},
		// resolved without resolved_at: last_status_change_at
		{ID: "PN4", Title: "no resolved_at", Service: "s", Status: "resolved", Urgency: "low", Created: at,
			LastChange: at.Add(2 * time.Hour), AckLog: []time.Time{at.Add(time.Hour)}},
		// an unknown status: open, no acknowledgement from the log
		{ID: "PN5", Title: "snoozed", Service: "s", Status: "snoozed", Created: at, AckLog: []time.Time{at.Add(time.Hour)}},
		// no id: rejected like a native record without one
		{ID: "", Title: "no id", Service: "s", Status: "triggered", Created: at},
	}
	s := newTestSource(t, f, nil, nil)
	res := fetch(t, s)
	if res.Rejected != 1 || !strings.Contains(res.FirstRejection, "id") {
		t.Errorf("rejected %d (%q), want the one without id", res.Rejected, res.FirstRejection)
	}
	got := map[string]model.Incident{}
	for _, in := range res.Batch.Incidents {
		got[in.ID] = in
	}
	stamp := func(x time.Time) model.Stamp { return model.StampOf(x) }
	checks := []struct {
		id   string
		ok   bool
		what string
	}{
		{"PN1", got["pagerduty:PN1"].Service == "" && got["pagerduty:PN1"].Severity == model.SeverityUnknown, "no service, urgency medium → unknown"},
		{"PN2", got["pagerduty:PN2"].Severity == model.SeverityUnknown && got["pagerduty:PN2"].AcknowledgedAt == stamp(at.Add(3*time.Minute)), "unknown priority, earliest ack"},
		{"PN3", got["pagerduty:PN3"].Severity == 2, "priority reference P2"},
		{"PN4", got["pagerduty:PN4"].ResolvedAt == stamp(at.Add(2*time.Hour)) && got["pagerduty:PN4"].AcknowledgedAt == stamp(at.Add(time.Hour)), "resolved fallback and log ack"},
		{"PN5", !got["pagerduty:PN5"].ResolvedAt.IsSet() && !got["pagerduty:PN5"].AcknowledgedAt.IsSet() && got["pagerduty:PN5"].Severity == model.SeverityUnknown, "unknown status is open"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %s: got %+v", c.id, c.what, got["pagerduty:"+c.id])
		}
	}
	if n := f.LogReads("PN5"); n != 0 {
		t.Errorf("log of an open incident read %d times", n)
	}
}

func TestSeverityFromUrgencyAndServiceIDs(t *testing.T) {
	f := newFake(t)
	f.Generate(60, epoch)
	s := newTestSource(t, f, nil, func(o *Options) { o.SeverityFrom = "urgency" })
	checkBatch(t, fetch(t, s).Batch, expectedBatch(t, f, epoch.Add(-MinHistory), "urgency"))

	s2 := newTestSource(t, f, nil, func(o *Options) { o.ServiceIDs = []string{"PIJ90N7", "PZ3SVC3"} })
	res := fetch(t, s2)
	if len(res.Batch.Incidents) != 40 {
		t.Fatalf("%d incidents of two of three services, want 40", len(res.Batch.Incidents))
	}
	for _, in := range res.Batch.Incidents {
		if in.Service == "search" {
			t.Fatalf("incident of another service: %+v", in)
		}
	}
}

func TestHistoryDropsOlderRecords(t *testing.T) {
	f := newFake(t)
	f.Generate(300, epoch) // 25 days
	f.IgnoreSince = true
	s := newTestSource(t, f, nil, func(o *Options) { o.History = 10 * 24 * time.Hour })
	res := fetch(t, s)
	checkBatch(t, res.Batch, expectedBatch(t, f, epoch.Add(-10*24*time.Hour), "priority"))
	if len(res.Batch.Incidents) != 120 {
		t.Errorf("%d incidents in 10 days, want 120", len(res.Batch.Incidents))
	}
	// Logs of incidents before history are not read.
	if n := f.LogReads("Q000000ABC"); n != 0 {
		t.Errorf("log of an incident before history read")
	}
}

func TestRateLimitHeadersResetIsSecondsFromNow(t *testing.T) {
	f := newFake(t)
	f.Generate(150, epoch)
	f.Limit, f.Remaining = 100, 100
	f.Reset = epoch.Add(40 * time.Second)
	s := newTestSource(t, f, nil, func(o *Options) { o.MaxWait = 5 * time.Minute })
	res := fetch(t, s)
	checkBatch(t, res.Batch, expectedBatch(t, f, epoch.Add(-MinHistory), "priority"))
	// 2 of 100 left after the 98th request: the source waited for the
	// reset, 40 s from the start (seconds from now, not epoch seconds).
	apitest.Waited(t, &f.Core, epoch, 40*time.Second)
	if d := f.Clock.Now().Sub(epoch); d > 3*time.Minute {
		t.Errorf("clock advanced %v", d)
	}
}

func Test429WithRetryAfter(t *testing.T) {
	f := newFake(t)
	f.Generate(250, epoch)
	f.TooMany["/incidents"] = 1
	f.RetryAfter = 20
	s := newTestSource(t, f, nil, nil)
	res := fetch(t, s)
	checkBatch(t, res.Batch, expectedBatch(t, f, epoch.Add(-MinHistory), "priority"))
	apitest.Waited(t, &f.Core, epoch, 0)

	// A Retry-After beyond the 30 s of snapshot ends the poll with what is
	// known, and nothing is sent before it.
	f2 := newFake(t)
	f2.Generate(250, epoch)
	f2.RetryAfter = 90
	s2 := newTestSource(t, f2, nil, nil)
	f2.TooMany["/log_entries"] = 1
	_, err := s2.Fetch(context.Background())
	var rl *sources.RateLimitedError
	if !errors.As(err, &rl) || !rl.Until.Equal(epoch.Add(90*time.Second)) {
		t.Fatalf("got %v", err)
	}
	if rl.Partial == nil || len(rl.Partial.Incidents) != 250 {
		t.Fatalf("partial: %+v", rl.Partial)
	}
	if p := s2.Progress(); !p.RateLimitedUntil.Equal(rl.Until) || !p.Syncing {
		t.Errorf("progress %+v", p)
	}
	apitest.NothingBeforeReset(t, &f2.Core, s2)
	f2.Clock.Advance(91 * time.Second)
	checkBatch(t, fetch(t, s2).Batch, expectedBatch(t, f2, epoch.Add(-MinHistory), "priority"))
}

func TestServerErrorsMidWalk(t *testing.T) {
	f := newFake(t)
	f.Generate(250, epoch)
	f.Fail500["/log_entries"] = 2
	f.Hang["/incidents"] = 1
	s := newTestSource(t, f, nil, func(o *Options) { o.Timeout = 2 * time.Second })
	res := fetch(t, s)
	checkBatch(t, res.Batch, expectedBatch(t, f, epoch.Add(-MinHistory), "priority"))

	apitest.Fails500(t, &f.Core, s, "/incidents", 4)
	if res := fetch(t, s); !res.Unchanged {
		t.Error("the poll after a failure changed the records")
	}
}

func TestPartialBatchesWhileSyncing(t *testing.T) {
	f := newFake(t)
	f.Generate(250, epoch)
	sync := apitest.FirstSync(t, newTestSource(t, f, nil, nil))
	if sizes := sync.Incidents; len(sizes) < 3 || sizes[0] != 100 || sizes[len(sizes)-1] != 250 {
		t.Fatalf("partial sizes %v", sizes)
	}
	if d := sync.Partial[0].Detail; d != "100 incidents, page 1" {
		t.Errorf("detail %q", d)
	}
}

func TestTokenAppearsNowhere(t *testing.T) {
	f := newFake(t)
	f.Generate(60, epoch)
	f.Fail500["/log_entries"] = 9
	dir := t.TempDir()
	s := newTestSource(t, f, apisrc.OpenCache(dir, nil), func(o *Options) { o.Timeout = 2 * time.Second })
	texts := append(apitest.FailingTexts(t, s), apitest.LimitedTexts(&f.Core, s, epoch.Add(time.Hour))...)
	f.Clock.Advance(2 * time.Hour)
	fetch(t, s)
	texts = append(texts, fmt.Sprintf("%+v", s.Progress()))
	apitest.NoToken(t, testToken, texts, dir)
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{}, "token_env:"},
		{Options{SeverityFrom: "labels", Access: apisrc.Access{Token: "x"}}, `severity_from: "labels"`},
		{Options{ServiceIDs: []string{"P1", ""}, Access: apisrc.Access{Token: "x"}}, "service_ids: element 2"},
		{Options{ServiceIDs: []string{"P1/../x"}, Access: apisrc.Access{Token: "x"}}, "service_ids: element 1"},
		{Options{Access: apisrc.Access{Token: "x", History: -1}}, "history:"},
		{Options{Access: apisrc.Access{Token: "x", Timeout: -1}}, "timeout: "},
		{Options{Access: apisrc.Access{Token: "x", MaxBytes: -1}}, "max_bytes: "},
		{Options{Access: apisrc.Access{Token: "x", Headers: map[string]string{"A B": "1"}}}, `headers: "A B" is not a valid header name`},
		{Options{Access: apisrc.Access{Token: "x", CAFile: "/nonexistent/ca.pem"}}, "ca_file: cannot read /nonexistent/ca.pem"},
		{Options{Access: apisrc.Access{Token: "x", APIURL: "api.pagerduty.com"}}, "api_url: "},
	} {
		err := c.o.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
	o := Options{Access: apisrc.Access{Token: "x"}}
	if err := o.Validate(); err != nil || o.APIURL != DefaultAPIURL || o.SeverityFrom != "priority" || o.History != MinHistory {
		t.Errorf("defaults: %v %+v", err, o)
	}
}

// TestPollCostOf2000Incidents measures what SPEC's request counts are
// about: a first and a second poll of 2,000 incidents.
func TestPollCostOf2000Incidents(t *testing.T) {
	f := newFake(t)
	f.Generate(2000, epoch) // 2,000 incidents over 167 days: one piece
	f.Limit, f.Remaining = 100000, 100000
	s := newTestSource(t, f, nil, nil)
	fetch(t, s)
	first := f.Requests()
	fetch(t, s)
	second := f.Requests() - first
	resolved := resolvedCount(f)
	if first != 20+resolved || second != 20 {
		t.Errorf("first poll %d requests (want 20 pages + %d logs), second %d (want 20)", first, resolved, second)
	}
	t.Logf("2,000 incidents: first poll %d requests (20 list pages + %d log reads), second poll %d", first, resolved, second)
}
