package ui

import (
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"doradash/model"
	"doradash/sources/demo"
)

// panelLines are the inner lines of the framed panel r of view: the
// frame's edges and padding cut off.
func panelLines(view string, r rect) []string {
	lines := strings.Split(view, "\n")
	var out []string
	for y := r.y + 1; y < r.y+r.h-1 && y < len(lines); y++ {
		out = append(out, strings.TrimRight(ansi.Cut(lines[y], r.x+2, r.x+r.w-2), " "))
	}
	return out
}

// TestViewRows: the heading of the first row's section is pinned on top
// when that row is not a heading itself, and the last offset still shows
// the last row.
func TestViewRows(t *testing.T) {
	// Rows: 0 heading, 1–3, 4 heading, 5–9.
	headOf := func(i int) int {
		if i >= 4 {
			return 4
		}
		return 0
	}
	cases := []struct {
		off, vis int
		want     listView
	}{
		{0, 4, listView{head: -1, first: 0, count: 4}},
		{2, 4, listView{head: 0, first: 2, count: 3}},
		{4, 4, listView{head: -1, first: 4, count: 4}},
		{5, 4, listView{head: 4, first: 5, count: 3}},
		{8, 4, listView{head: 4, first: 8, count: 2}},
		{3, 1, listView{head: -1, first: 3, count: 1}}, // one line: the row, not the heading
	}
	for _, c := range cases {
		if got := viewRows(c.off, c.vis, 10, headOf); got != c.want {
			t.Errorf("viewRows(%d, %d) = %+v, want %+v", c.off, c.vis, got, c.want)
		}
	}
	// total 10, vis 4: offset 6 would pin row 4 and show 6–8 only.
	if got := lastOff(10, 4, headOf); got != 7 {
		t.Errorf("lastOff = %d, want 7", got)
	}
	if v := viewRows(lastOff(10, 4, headOf), 4, 10, headOf); v.first+v.count != 10 {
		t.Errorf("the last offset shows rows up to %d, want the last (9)", v.first+v.count-1)
	}
}

// TestStickyHeadings: scrolled into a day, the deployments feed shows the
// day's heading on its top line; scrolled into the resolved incidents, the
// incidents list shows RECENTLY RESOLVED on its top line.
func TestStickyHeadings(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 100, 30)
	l := m.layout()
	s := m.c.snap
	// The first deployment row that is not the first of its day.
	off := -1
	for i := 2; i < len(s.items); i++ {
		if s.items[i].row >= 0 && s.items[i-1].row >= 0 {
			off = i
			break
		}
	}
	if off < 0 {
		t.Fatal("no day with two deployments in the demo data")
	}
	m.dash.depOff = off
	r := m.dash.incRows(s, l)
	m.dash.incOff = r.resolvedLabel() + 2
	m.dash.clamp(l)
	if m.dash.depOff != off {
		t.Fatalf("clamp moved the feed from %d to %d", off, m.dash.depOff)
	}
	view := m.View()
	dep := panelLines(view, l.deploys)
	day := s.items[off].day.Format("Mon Jan 2")
	if !strings.HasSuffix(dep[0], day) {
		t.Errorf("top line of the scrolled feed is %q, want its day %q", dep[0], day)
	}
	at := s.deploys[s.items[off].row].at.In(time.UTC).Format("15:04")
	if !strings.HasPrefix(dep[1], at) {
		t.Errorf("second line is %q, want the deployment at the offset (%s)", dep[1], at)
	}
	inc := panelLines(view, l.incidents)
	if inc[0] != "RECENTLY RESOLVED" {
		t.Errorf("top line of the scrolled incidents is %q, want RECENTLY RESOLVED", inc[0])
	}
	// At the top nothing is pinned twice.
	m.dash.depOff, m.dash.incOff = 0, 0
	view = m.View()
	if got := strings.Count(view, "OPEN INCIDENTS"); got != 1 {
		t.Errorf("OPEN INCIDENTS %d times at the top, want once", got)
	}
}

// TestGoldenScrolled: the desk and glance views scrolled within a day and
// into the resolved incidents (the headings pinned).
func TestGoldenScrolled(t *testing.T) {
	for _, sz := range []struct {
		name     string
		w, h     int
		inc, dep int
	}{
		{"desk", 100, 30, 6, 3},
		{"glance", 80, 24, 0, 3},
	} {
		t.Run(sz.name, func(t *testing.T) {
			m := demoModel(t, termenv.Ascii, sz.w, sz.h)
			m.dash.incOff, m.dash.depOff = sz.inc, sz.dep
			m.dash.clamp(m.layout())
			golden.RequireEqual(t, []byte(m.View()))
		})
	}
}

// versionWith is the demo version with more records.
func versionWith(seq uint64, extra *model.Batch) *model.Version {
	v := demoVersion()
	v.Seq = seq
	v.Data = model.Merge(demo.Generate(testNow), extra)
	return v
}

// TestRowsStayWhileScrolled: a new version with a newer deployment and a
// newly resolved incident does not move the rows under a scrolled reader;
// at the top the new rows appear at the top.
func TestRowsStayWhileScrolled(t *testing.T) {
	extra := &model.Batch{
		Deployments: []model.Deployment{{ID: "new-deploy", Service: "checkout", Environment: "production",
			FinishedAt: model.StampOf(testNow.Add(-time.Minute)), Status: model.StatusSuccess}},
		Incidents: []model.Incident{{ID: "new-incident", Service: "checkout", Title: "freshly resolved",
			Severity: model.SeverityFromInt(3), StartedAt: model.StampOf(testNow.Add(-40 * time.Minute)),
			ResolvedAt: model.StampOf(testNow.Add(-2 * time.Minute))}},
	}
	for _, scrolled := range []bool{true, false} {
		m := demoModel(t, termenv.Ascii, 100, 30)
		l := m.layout()
		if scrolled {
			m.dash.depOff = 5
			m.dash.incOff = m.dash.incRows(m.c.snap, l).resolvedLabel() + 3
			m.dash.clamp(l)
		}
		beforeDep, beforeInc := panelLines(m.View(), l.deploys), panelLines(m.View(), l.incidents)
		depOff, incOff := m.dash.depOff, m.dash.incOff
		_, cmd := m.Update(versionMsg{v: versionWith(2, extra)})
		settle(t, m, cmd)
		if len(m.c.snap.deploys) == 0 || m.c.snap.deploys[0].id != "new-deploy" {
			t.Fatal("the new deployment is not the newest row")
		}
		view := m.View()
		afterDep, afterInc := panelLines(view, l.deploys), panelLines(view, l.incidents)
		if scrolled {
			if m.dash.depOff != depOff+1 || m.dash.incOff != incOff+1 {
				t.Errorf("offsets %d/%d, want %d/%d (one row further down each)", m.dash.incOff, m.dash.depOff, incOff+1, depOff+1)
			}
			if strings.Join(afterDep, "\n") != strings.Join(beforeDep, "\n") {
				t.Errorf("the deployments under the reader moved:\nbefore\n%s\nafter\n%s", strings.Join(beforeDep, "\n"), strings.Join(afterDep, "\n"))
			}
			// Rows only: the pinned statistics below count the new incident.
			vis := m.dash.incidentsVisible(l)
			if strings.Join(afterInc[:vis], "\n") != strings.Join(beforeInc[:vis], "\n") {
				t.Errorf("the incidents under the reader moved:\nbefore\n%s\nafter\n%s", strings.Join(beforeInc[:vis], "\n"), strings.Join(afterInc[:vis], "\n"))
			}
			continue
		}
		if m.dash.depOff != 0 || m.dash.incOff != 0 {
			t.Errorf("at the top the offsets moved to %d/%d", m.dash.incOff, m.dash.depOff)
		}
		if !strings.Contains(afterDep[1], "14:02 checkout") {
			t.Errorf("at the top the new deployment is not the first row: %q", afterDep[1])
		}
		if !strings.Contains(strings.Join(afterInc, "\n"), "freshly resolved") {
			t.Error("at the top the newly resolved incident is not shown")
		}
	}
}

// TestRecoveryTile: failed deployment recovery time has its own tile at
// the wall and desk sizes, with the report's median and its tier in marks
// and word (readable without colour), and its change without words about
// the window.
func TestRecoveryTile(t *testing.T) {
	for _, sz := range []struct {
		name, title string
		w, h        int
	}{
		{"wall", "Failed deployment recovery", 160, 45},
		{"wide wall", "Failed deployment recovery", 300, 80},
		{"desk 120", "Recovery", 120, 35},
		{"desk", "Recovery", 100, 30},
	} {
		t.Run(sz.name, func(t *testing.T) {
			m := demoModel(t, termenv.Ascii, sz.w, sz.h)
			l := m.layout()
			fr := m.c.snap.report.Metrics.FailedDeploymentRecoveryTime
			if fr.Median == nil || fr.Tier == nil {
				t.Fatal("the demo data has no recovery time")
			}
			tile := m.dash.recoveryTile(tileWidths(l.w)[recoveryTile], l.tiles.h, l)
			text := ansi.Strip(strings.Join(tile, "\n"))
			tier := tierMarks(*fr.Tier) + " " + tierWord(*fr.Tier)
			for _, want := range []string{"─ " + sz.title + " ─", tier, "p90"} {
				if !strings.Contains(text, want) {
					t.Errorf("recovery tile lacks %q:\n%s", want, text)
				}
			}
			if l.size == sizeDesk && !strings.Contains(text, formatSeconds(*fr.Median)) {
				t.Errorf("desk recovery tile lacks the median %s:\n%s", formatSeconds(*fr.Median), text)
			}
			if strings.Contains(text, "vs previous") {
				t.Errorf("the tile says which window it compares with:\n%s", text)
			}
			// The tile is on screen, as wide as computed.
			if !strings.Contains(m.View(), sz.title) {
				t.Errorf("the %s view has no %q tile", sz.name, sz.title)
			}
		})
	}
}

// TestRecoveryHeadline: the headline takes the report's median, tier and
// count, and compares with the previous window's median.
func TestRecoveryHeadline(t *testing.T) {
	for _, c := range []struct {
		median float64
		tier   model.Tier
		text   string
	}{
		{1800, model.TierElite, "30m"},
		{5 * 3600, model.TierHigh, "5h"},
		{3 * 86400, model.TierMedium, "3d"},
		{10 * 86400, model.TierLow, "10d"},
	} {
		med, prev, tier := c.median, c.median*2, c.tier
		r := &model.Report{Metrics: model.Metrics{FailedDeploymentRecoveryTime: model.TieredStats{
			Stats: model.Stats{Count: 3, Median: &med}, Tier: &tier}},
			Previous: &model.Metrics{FailedDeploymentRecoveryTime: model.TieredStats{Stats: model.Stats{Count: 1, Median: &prev}}}}
		h := recoveryHeadline(r)
		if h.text != c.text || h.tier != c.tier || h.popLabel != "3 incidents" || h.prev == nil || *h.prev != prev {
			t.Errorf("median %v: headline %q %v %q prev %v; want %q %v \"3 incidents\" %v", c.median, h.text, h.tier, h.popLabel, h.prev, c.text, c.tier, prev)
		}
		if got := compare(h.value, h.prev, false).text(); got != "▼ 50% better" {
			t.Errorf("median %v: change %q, want ▼ 50%% better", c.median, got)
		}
	}
}

// TestTileWidths: the tiles fill the row; the recovery tile gives up
// columns first, so that the metric tiles keep their full names where
// they can.
func TestTileWidths(t *testing.T) {
	for _, c := range []struct{ w, recovery, metric int }{
		{100, 16, 21}, {120, 16, 26}, {130, 26, 26}, {160, 32, 32}, {300, 60, 60},
	} {
		ws := tileWidths(c.w)
		sum := 0
		for _, x := range ws {
			sum += x
		}
		if sum != c.w || ws[recoveryTile] != c.recovery || ws[0] != c.metric {
			t.Errorf("tileWidths(%d) = %v, want %d in all, recovery %d, metrics from %d", c.w, ws, c.w, c.recovery, c.metric)
		}
	}
}

// TestComparedOnce: the window the changes compare with is said once, in
// the header, with the length in force; the tiles show the change only.
func TestComparedOnce(t *testing.T) {
	for _, sz := range []struct {
		name string
		w, h int
	}{{"wall", 160, 45}, {"wide wall", 300, 80}, {"desk", 150, 40}} {
		t.Run(sz.name, func(t *testing.T) {
			m := demoModel(t, termenv.Ascii, sz.w, sz.h)
			v := m.View()
			if got := strings.Count(v, "vs previous"); got != 1 {
				t.Errorf("\"vs previous\" %d times, want once", got)
			}
			if header := strings.SplitN(v, "\n", 2)[0]; !strings.Contains(header, "vs previous 30d") {
				t.Errorf("header %q does not say vs previous 30d", header)
			}
			press(t, m, "[")
			if header := strings.SplitN(m.View(), "\n", 2)[0]; !strings.Contains(header, "vs previous 7d") {
				t.Errorf("after [ the header %q does not say vs previous 7d", header)
			}
		})
	}
}

// TestGlanceSummary: the glance layout's summary line starts with failed
// deployment recovery time and its tier, and drops incident figures
// whole, never a value mid-way, as the line narrows.
func TestGlanceSummary(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 80, 24)
	fr := m.c.snap.report.Metrics.FailedDeploymentRecoveryTime
	want := "recovery " + formatSeconds(*fr.Median) + " " + tierMarks(*fr.Tier) + " " + tierWord(*fr.Tier)
	if !strings.Contains(m.View(), " "+want+" · ") {
		t.Errorf("glance view lacks the summary %q:\n%s", want, m.View())
	}
	// The count after the recovery time is all incidents, labelled as
	// such: "· 112 incidents" read as recovery's own population.
	total := " · incidents " + strconv.Itoa(m.c.snap.report.Incidents.Total) + " · "
	if !strings.Contains(m.View(), want+total) {
		t.Errorf("glance summary lacks %q after the recovery time:\n%s", total, m.View())
	}
	for w := 40; w <= 140; w++ {
		line := strings.TrimRight(m.dash.glanceSummary(w), " ")
		if textWidth(m.dash.glanceSummary(w)) != w {
			t.Fatalf("width %d: summary is %d wide", w, textWidth(m.dash.glanceSummary(w)))
		}
		if !strings.HasPrefix(line, want) {
			t.Errorf("width %d: %q does not start with %q", w, line, want)
		}
		if strings.Contains(line, "…") || strings.HasSuffix(line, "·") {
			t.Errorf("width %d: a figure is cut: %q", w, line)
		}
	}
}

// TestWideWall: from about 200 columns the wall draws twice as tall
// digits, the open incidents in large type, and keeps a title and its
// duration together; its charts set the previous window apart.
func TestWideWall(t *testing.T) {
	for _, sz := range []struct {
		w, h int
		wide bool
	}{{160, 48, false}, {220, 60, true}, {300, 80, true}} {
		m := demoModel(t, termenv.Ascii, sz.w, sz.h)
		l := m.layout()
		if l.size != sizeWall || l.wide() != sz.wide {
			t.Fatalf("%d×%d: size %v wide %v, want wall, wide %v", sz.w, sz.h, l.size, l.wide(), sz.wide)
		}
		checkFits(t, "wall", m.View(), sz.w, sz.h)
		inc := panelLines(m.View(), l.incidents)
		big, _ := bigText(bannerText(2), 1)
		banner := strings.Contains(strings.Join(inc, "\n"), big[0]) || strings.Contains(strings.Join(inc, "\n"), bigLine(bannerText(2), 2))
		if banner != sz.wide {
			t.Errorf("%d×%d: banner in large type %v, want %v", sz.w, sz.h, banner, sz.wide)
		}
		if sz.wide && strings.Contains(strings.Join(inc, "\n"), "▲ 2 OPEN INCIDENTS") {
			t.Errorf("%d×%d: the small label is shown with the banner", sz.w, sz.h)
		}
		hd := m.c.snap.heads[metricFailureRate]
		lines := m.dash.bigValue(hd, 56, l.wide())
		if want := map[bool]int{false: bigHeight, true: tallHeight}[sz.wide]; len(lines) != want {
			t.Errorf("%d×%d: value %d lines tall, want %d", sz.w, sz.h, len(lines), want)
		}
		// Incident rows: the duration within maxIncidentRowW of the edge.
		for _, line := range inc {
			if strings.HasPrefix(line, "SEV") && textWidth(line) > maxIncidentRowW {
				t.Errorf("%d×%d: incident row %d wide, want at most %d: %q", sz.w, sz.h, textWidth(line), maxIncidentRowW, line)
				break
			}
		}
	}
}

// bigLine is the first line of s in the block font at scale.
func bigLine(s string, scale int) string {
	g, _ := bigText(s, scale)
	return g[0]
}

// TestSplitChart: with room, the previous window stands before a divider
// in another shade; without room for a week of it, only the current
// window shows.
func TestSplitChart(t *testing.T) {
	m := demoModel(t, termenv.ANSI256, 160, 45)
	one := 1.0
	series := func(n int) []*float64 {
		out := make([]*float64, n)
		for i := range out {
			out[i] = &one
		}
		return out
	}
	lines := m.dash.splitChart(series(30), series(30), 50, 2)
	plain := []rune(ansi.Strip(lines[1]))
	if len(plain) != 50 || plain[50-30-1] != '│' {
		t.Errorf("divider not at column %d: %q", 50-30-1, string(plain))
	}
	if !strings.Contains(lines[1], m.c.st.dim.Render(strings.Repeat("█", 19))) {
		t.Errorf("previous window not in the dim shade: %q", lines[1])
	}
	lines = m.dash.splitChart(series(30), series(30), 36, 2)
	if strings.Contains(ansi.Strip(lines[1]), "│") {
		t.Errorf("divider without room for a week of the previous window: %q", ansi.Strip(lines[1]))
	}
}

// TestTallText: the tall font is the block font with every line drawn
// twice, half blocks split between the two.
func TestTallText(t *testing.T) {
	tall, ok := tallText("4h", 1)
	if !ok {
		t.Fatal("tallText failed")
	}
	small, _ := bigText("4h", 1)
	for i, l := range small {
		if strings.ContainsAny(tall[2*i]+tall[2*i+1], "▀▄") {
			t.Errorf("line %d: half blocks left: %q %q", i, tall[2*i], tall[2*i+1])
		}
		if textWidth(tall[2*i]) != textWidth(l) {
			t.Errorf("line %d: width changed", i)
		}
	}
	// 'h' has "█▀█" on its third line: full on top, open below.
	if !strings.HasSuffix(tall[4], "███") || !strings.HasSuffix(tall[5], "█ █") {
		t.Errorf("half blocks of h: %q %q", tall[4], tall[5])
	}
}

// TestGoldenWide: the wall at 220×60 and 300×80.
func TestGoldenWide(t *testing.T) {
	for _, sz := range []struct {
		name string
		w, h int
	}{{"220x60", 220, 60}, {"300x80", 300, 80}} {
		t.Run(sz.name, func(t *testing.T) {
			m := demoModel(t, termenv.Ascii, sz.w, sz.h)
			golden.RequireEqual(t, []byte(m.View()))
		})
	}
}

// TestDeployColumns: on a wide wall the feed is read in columns, each
// going on where the one before ends with its day pinned on top; PgDn
// moves by every column, and End shows the last row.
func TestDeployColumns(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 300, 80)
	l := m.layout()
	cols, vis := deployCols(l), m.dash.deploysVisible(l)
	if cols != 3 {
		t.Fatalf("%d columns at 300 wide, want 3", cols)
	}
	vs := m.dash.deployViews(0, vis, cols)
	for i := 1; i < len(vs); i++ {
		if vs[i].first != vs[i-1].first+vs[i-1].count {
			t.Errorf("column %d starts at %d, want %d", i, vs[i].first, vs[i-1].first+vs[i-1].count)
		}
		if m.c.snap.items[vs[i].first].row >= 0 && vs[i].head < 0 {
			t.Errorf("column %d starts within a day without its heading", i)
		}
	}
	press(t, m, "tab", "tab", "tab", "tab", "tab", "tab", "pgdown")
	if m.dash.focus != focusDeploys || m.dash.depOff != vis*cols {
		t.Errorf("pgdown: focus %v offset %d, want the deployments at %d", m.dash.focus, m.dash.depOff, vis*cols)
	}
	press(t, m, "end")
	if end := m.dash.deployEnd(m.dash.depOff, vis, cols); end != m.dash.deployRowCount() {
		t.Errorf("end shows rows up to %d of %d", end, m.dash.deployRowCount())
	}
	if m.dash.deployEnd(m.dash.depOff-1, vis, cols) >= m.dash.deployRowCount() {
		t.Errorf("end at %d, but %d shows the last row too", m.dash.depOff, m.dash.depOff-1)
	}
}

// TestTilePopulationKept: where the population does not fit beside the
// tier, the wall tile shows it on the line above rather than drop it.
func TestTilePopulationKept(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 160, 45)
	v := m.View()
	for id := range numMetrics {
		if pop := m.c.snap.heads[id].popLabel; !strings.Contains(v, pop) {
			t.Errorf("the wall lacks %s's population %q", metricNames[id], pop)
		}
	}
}

// TestComparedOnGlance: with nothing flagged in the header, the glance
// layout says what its changes compare with in the compact form; with a
// stale source, the marker keeps its room.
func TestComparedOnGlance(t *testing.T) {
	for _, healthy := range []bool{true, false} {
		v := demoVersion()
		if healthy {
			v.Sources = v.Sources[:1]
		}
		m := New(testOptions(nil, termenv.Ascii))
		m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
		_, cmd := m.Update(versionMsg{v: v})
		settle(t, m, cmd)
		header := strings.SplitN(m.View(), "\n", 2)[0]
		if got := strings.Contains(header, "vs prev 30d"); got != healthy {
			t.Errorf("healthy %v: header %q says vs prev 30d: %v", healthy, header, got)
		}
		if !healthy && !strings.Contains(header, "⚠ stale: incidents") {
			t.Errorf("header %q lost the stale marker's name", header)
		}
	}
}
