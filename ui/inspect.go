package ui

import (
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/trafficgen/trafficgen/stats"
)

// inspect is what the person watching has chosen to look into: a route,
// its drill-down and the failure picked in it, the command last copied,
// and a baseline to compare with. It lives in runState, which the panes
// share.
type inspect struct {
	sel   int  // the selected route, an index into the snapshot's endpoints; -1: none
	drill bool // sel's drill-down is open
	// fail is the failure picked in the drill-down, 0 the newest; one
	// picked below the newest is held by its time (failAt), so that it
	// stays picked as newer failures come in.
	fail   int
	failAt time.Time
	// copied is the command last copied, shown in the drill-down it was
	// copied from; clip is its OSC 52 sequence, which the frame carries
	// (at the start of the feedback line) while that line says so.
	copied string
	clip   string
	base   *stats.Baseline
}

// inspectKey handles the keys that look into routes, in any state of the
// run (finished, or a replay, too); it reports whether msg was one.
func (m *Model) inspectKey(msg tea.KeyMsg) bool {
	k, in := m.keys, &m.run.inspect
	switch {
	case key.Matches(msg, k.Back) && in.drill:
		in.drill, in.copied = false, ""
		m.relayout()
	case key.Matches(msg, k.Up):
		m.move(-1)
	case key.Matches(msg, k.Down):
		m.move(1)
	case key.Matches(msg, k.NextRoute) && in.drill:
		m.selectRoute(in.sel + 1)
	case key.Matches(msg, k.PrevRoute) && in.drill:
		m.selectRoute(in.sel - 1)
	case key.Matches(msg, k.Enter):
		m.openDrill()
	case key.Matches(msg, k.Copy):
		m.copyCurl()
	case key.Matches(msg, k.Baseline):
		m.freezeBaseline()
	case key.Matches(msg, k.ClearBaseline):
		in.base = nil
		m.setFlash("baseline cleared", false)
		m.relayout()
	default:
		return false
	}
	return true
}

func (m *Model) routes() []stats.EndpointStats {
	if m.snap == nil {
		return nil
	}
	return m.snap.Endpoints
}

// move moves the selection d rows: the route in the table, or the
// failure in a drill-down (up is newer).
func (m *Model) move(d int) {
	in := &m.run.inspect
	if in.drill {
		if eps := m.routes(); in.sel >= 0 && in.sel < len(eps) && len(eps[in.sel].Failures) > 0 {
			fs := eps[in.sel].Failures
			in.fail = min(max(in.picked(fs)+d, 0), len(fs)-1)
			in.failAt = time.Time{}
			if in.fail > 0 {
				in.failAt = fs[len(fs)-1-in.fail].Time
			}
			m.redrawDrill()
		}
		return
	}
	n := len(m.routes())
	if n == 0 {
		m.setFlash("no routes yet", true)
		return
	}
	switch {
	case in.sel < 0 && d > 0:
		m.selectRoute(0)
	case in.sel < 0:
		m.selectRoute(n - 1)
	default:
		m.selectRoute(min(max(in.sel+d, 0), n-1))
	}
}

// selectRoute selects route i (wrapping around in a drill-down), and says
// which it is where the table does not show it.
func (m *Model) selectRoute(i int) {
	in := &m.run.inspect
	eps := m.routes()
	if len(eps) == 0 {
		return
	}
	i = (i%len(eps) + len(eps)) % len(eps)
	if i != in.sel {
		in.fail, in.failAt, in.copied = 0, time.Time{}, ""
	}
	in.sel = i
	if !in.drill && !m.lay.has(paneEndpoints) {
		m.setFlash(fmt.Sprintf("route %d/%d: %s · enter for its details", i+1, len(eps), eps[i].Route), false)
	}
	m.relayout()
}

// openDrill opens the drill-down of the selected route (the first when
// none is).
func (m *Model) openDrill() {
	in := &m.run.inspect
	if len(m.routes()) == 0 {
		m.setFlash("no routes yet", true)
		return
	}
	if in.sel < 0 || in.sel >= len(m.routes()) {
		in.sel = 0
	}
	in.drill, in.fail, in.failAt, in.copied = true, 0, time.Time{}, ""
	m.flash = "" // what the selection said: the drill-down says it now
	m.relayout()
}

// picked is the failure picked among fs (oldest first), counted from the
// newest: the one held by its time while it is kept, else the place.
func (in *inspect) picked(fs []stats.Failure) int {
	if !in.failAt.IsZero() {
		for j := range fs {
			if fs[len(fs)-1-j].Time.Equal(in.failAt) {
				return j
			}
		}
	}
	return min(in.fail, max(len(fs)-1, 0))
}

// copyCurl copies a request as a curl command to the terminal's clipboard
// (OSC 52): the failure picked in the drill-down, else the selected
// route's newest failure, else its recent request; with no route
// selected, the newest failure of any. The drill-down opens to show it.
func (m *Model) copyCurl() {
	in := &m.run.inspect
	route, f := m.toCopy()
	if f == nil {
		m.setFlash("nothing to copy yet: no failure, and no request kept on this route", true)
		return
	}
	in.sel, in.drill = route, true
	what := "its recent request"
	if f.Kind != stats.KindNone {
		what = "the failure at " + fmtClockTenths(f.Elapsed)
	}
	m.setFlash("copied "+what+" as curl (OSC 52); the key comes from $API_KEY", false)
	in.copied, in.clip = f.Curl, ansi.SetSystemClipboard(f.Curl)
	m.relayout()
}

// toCopy is the route and the request c copies, nil when there is none.
func (m *Model) toCopy() (int, *stats.Failure) {
	in := &m.run.inspect
	eps := m.routes()
	if in.sel < 0 || in.sel >= len(eps) {
		best := -1
		for i := range eps {
			if n := len(eps[i].Failures); n > 0 && (best < 0 || eps[i].Failures[n-1].Time.After(eps[best].Failures[len(eps[best].Failures)-1].Time)) {
				best = i
			}
		}
		if best < 0 {
			return 0, nil
		}
		in.sel, in.fail, in.failAt = best, 0, time.Time{}
	}
	e := &eps[in.sel]
	if n := len(e.Failures); n > 0 {
		j := 0
		if in.drill {
			j = in.picked(e.Failures)
		}
		return in.sel, &e.Failures[n-1-j]
	}
	return in.sel, e.Sample
}

// freezeBaseline keeps the figures on screen now as the baseline the
// table and the headline compare with.
func (m *Model) freezeBaseline() {
	if m.snap == nil {
		m.setFlash("no figures yet to keep as a baseline", true)
		return
	}
	b := figuresNow(m.snap, m.hist)
	m.run.base = &b
	m.setFlash("baseline frozen at "+fmtClock(m.snap.Elapsed)+": changes from it show beside the figures (B clears)", false)
	m.relayout()
}

// redrawDrill redraws the drill-down alone (a new failure picked).
func (m *Model) redrawDrill() {
	for _, sl := range m.lay.slots() {
		if sl.id == paneDrill {
			m.draw(sl, m.snap)
		}
	}
}

// fmtClockTenths writes a run time as m:ss.s.
func fmtClockTenths(d time.Duration) string {
	return fmtClock(d) + fmt.Sprintf(".%d", int64(d/(100*time.Millisecond))%10)
}
