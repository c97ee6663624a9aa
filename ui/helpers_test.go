package ui

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"doradash/model"
	"doradash/sources/demo"
)

// Ticks wait for the clock: settle would wait for each. Tests see the
// schedule in Model.tickAt instead.
func init() { newTick = func(time.Duration, time.Time) tea.Cmd { return nil } }

// testNow is the fixed clock of every deterministic test.
var testNow = time.Date(2026, 11, 20, 14, 3, 22, 0, time.UTC)

// fakeFeed serves fixed versions: Subscribe delivers the first at once;
// Publish sends more. It follows the Feed contract: the channel is closed
// after ctx is cancelled.
type fakeFeed struct {
	mu        sync.Mutex
	first     *model.Version
	subs      []chan *model.Version
	refreshes int
}

func (f *fakeFeed) Subscribe(ctx context.Context) <-chan *model.Version {
	ch := make(chan *model.Version, 1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.first != nil {
		ch <- f.first
	}
	f.subs = append(f.subs, ch)
	context.AfterFunc(ctx, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		for i, c := range f.subs {
			if c == ch {
				f.subs = append(f.subs[:i], f.subs[i+1:]...)
				break
			}
		}
		close(ch)
	})
	return ch
}

func (f *fakeFeed) Refresh() {
	f.mu.Lock()
	f.refreshes++
	f.mu.Unlock()
}

// demoVersion is the demo data at testNow with two sources: one ok, one
// failing for a while (so its data is stale).
func demoVersion() *model.Version {
	return &model.Version{
		Seq:  1,
		Data: model.Merge(demo.Generate(testNow)),
		Sources: []model.SourceStatus{
			{Name: "deploys", Type: "file", Target: "deploys.ndjson", State: model.SourceOK, OK: true,
				Deployments: 1432, LastSuccess: testNow.Add(-2 * time.Second), LastAttempt: testNow.Add(-2 * time.Second),
				Interval: 5 * time.Second},
			{Name: "incidents", Type: "http", Target: "https://incidents.example.com/api/export", State: model.SourceFailing,
				Incidents: 212, LastSuccess: testNow.Add(-25 * time.Minute), LastAttempt: testNow.Add(-10 * time.Second),
				Error:    "GET https://incidents.example.com/api/export: dial tcp 10.0.0.7:443: connection refused",
				Failures: 3, FailingSince: testNow.Add(-23 * time.Minute), Interval: 30 * time.Second,
				StaleAt: testNow.Add(-25*time.Minute + 2*30*time.Second + time.Nanosecond)}, // as the poller publishes it
		},
		Updated: testNow.Add(-2 * time.Second),
	}
}

// renderer returns a renderer with a fixed profile and background.
func renderer(p termenv.Profile) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(p)
	r.SetHasDarkBackground(true)
	return r
}

// testOptions are the options of a deterministic demo dashboard.
func testOptions(feed Feed, p termenv.Profile) Options {
	return Options{
		Feed:       feed,
		Renderer:   renderer(p),
		Clock:      func() time.Time { return testNow },
		Query:      model.Query{Days: 30},
		Demo:       true,
		ConfigHint: "no configuration found: copy config.example.toml to ./doradash.toml and point it at your data",
	}
}

// settle runs cmd and feeds its messages back into m until nothing is
// left, skipping commands that wait (the tick, the feed).
func settle(t testing.TB, m *Model, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := runBounded(c)
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

// runBounded runs a command, giving up on ones that block (the tick and
// the feed wait): those return nil here. None of the tests' commands
// blocks today, so the bound costs nothing; it is long so that a slow
// computation on a loaded CI machine under -race is not taken for one.
func runBounded(c tea.Cmd) tea.Msg {
	done := make(chan tea.Msg, 1)
	go func() { done <- c() }()
	select {
	case msg := <-done:
		if _, ok := msg.(tickMsg); ok {
			return nil
		}
		return msg
	case <-time.After(5 * time.Second):
		return nil
	}
}

// demoModel is a dashboard of w×h showing the demo version, computed.
func demoModel(t testing.TB, p termenv.Profile, w, h int) *Model {
	t.Helper()
	m := New(testOptions(nil, p))
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	_, cmd := m.Update(versionMsg{v: demoVersion()})
	settle(t, m, cmd)
	if m.c.snap == nil {
		t.Fatal("no snapshot after the version")
	}
	return m
}

// settledWithClock returns a 100×30 dashboard on demo data whose clock reads
// *now, so a test moves time by assigning to it.
func settledWithClock(t testing.TB, now *time.Time) *Model {
	t.Helper()
	o := testOptions(nil, termenv.Ascii)
	o.Clock = func() time.Time { return *now }
	m := New(o)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	_, cmd := m.Update(versionMsg{v: demoVersion()})
	settle(t, m, cmd)
	return m
}
