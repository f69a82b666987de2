package ui

import (
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/trafficgen/trafficgen/curl"
	"github.com/trafficgen/trafficgen/stats"
)

// payRoute is the fixture's failing route, the last of its table.
const payRoute = 10

// withDetail is fixtureSnapshot(seconds) with what a drill-down shows of
// each route: codes, kinds, latency distributions, and for POST
// /api/payments three failures kept; all pinned.
func withDetail(seconds int) stats.Snapshot {
	s := fixtureSnapshot(seconds)
	for i := range s.Endpoints {
		e := &s.Endpoints[i]
		e.Codes = []stats.CodeCount{{Code: 200, Count: e.Success}}
		if e.Errors > 0 {
			e.Codes = append(e.Codes, stats.CodeCount{Code: 503, Count: e.Errors})
			e.Kinds = []stats.KindCount{{Kind: stats.KindStatus5xx, Count: e.Errors, Message: "503 Service Unavailable"}}
		}
		e.Dist = fixtureDist(e.Latency.P50, e.Total)
		e.RecentDist = fixtureDist(e.Recent.P50, e.Total/40)
	}
	pay := &s.Endpoints[payRoute]
	// Fast failures beside slow successes: two humps.
	pay.RecentDist = mergeDist(fixtureDist(1300*time.Millisecond, 30), fixtureDist(3*time.Millisecond, 8))
	for j, f := range []struct {
		at   int
		code int
		lat  time.Duration
		body string
	}{
		{-9, 503, 2400 * time.Microsecond, `{"error":"payments unavailable","retryAfter":2}`},
		{-4, 500, 1810 * time.Millisecond, `{"error":"card processor timed out"}`},
		{-1, 503, 2100 * time.Microsecond, `{"error":"payments unavailable","retryAfter":2}`},
	} {
		el := time.Duration(seconds+f.at)*time.Second + time.Duration(j*300)*time.Millisecond
		req := curl.Request{Method: "POST", URL: "http://127.0.0.1:18080/api/payments",
			Header: []curl.Header{{Name: "X-API-Key", Value: ""}, {Name: "Content-Type", Value: "application/json"}},
			Body:   []byte(fmt.Sprintf(`{"orderId":%d,"amount":212.50,"status":"PENDING"}`, 400+j))}
		pay.Failures = append(pay.Failures, stats.Failure{Time: fixtureStart.Add(el), Elapsed: el, Code: f.code,
			Kind: stats.KindStatus5xx, Message: fmt.Sprintf("%d %s", f.code, map[int]string{500: "Internal Server Error", 503: "Service Unavailable"}[f.code]),
			Latency: f.lat, Body: f.body, Curl: curl.Command(req, curl.DefaultSecrets)})
	}
	return s
}

// fixtureDist is n latencies spread around p50 over a few bins.
func fixtureDist(p50 time.Duration, n int64) stats.Distribution {
	if n <= 0 || p50 <= 0 {
		return stats.Distribution{}
	}
	mid := stats.DistBinOf(p50)
	d := stats.Distribution{First: mid - 3}
	for _, w := range []int64{1, 4, 10, 14, 9, 5, 2, 1} {
		d.Counts = append(d.Counts, n*w/46+1)
	}
	return d
}

func mergeDist(a, b stats.Distribution) stats.Distribution {
	first := min(a.First, b.First)
	last := max(a.First+len(a.Counts), b.First+len(b.Counts))
	out := stats.Distribution{First: first, Counts: make([]int64, last-first)}
	for _, d := range []stats.Distribution{a, b} {
		for i, c := range d.Counts {
			out.Counts[d.First+i-first] += c
		}
	}
	return out
}

func keys(tm *teatest.TestModel, ks ...tea.KeyMsg) {
	for _, k := range ks {
		tm.Send(k)
	}
}

var (
	keyDown  = tea.KeyMsg{Type: tea.KeyDown}
	keyUp    = tea.KeyMsg{Type: tea.KeyUp}
	keyEnter = tea.KeyMsg{Type: tea.KeyEnter}
	keyEsc   = tea.KeyMsg{Type: tea.KeyEsc}
)

// feed sends the snapshots of seconds from to last (withDetail, changed
// by each) and waits until the last is on screen.
func feed(t *testing.T, tm *teatest.TestModel, ch chan<- stats.Snapshot, from, last int, each func(*stats.Snapshot)) {
	t.Helper()
	for sec := from; sec <= last; sec++ {
		s := withDetail(sec)
		if each != nil {
			each(&s)
		}
		ch <- s
	}
	waitFor(t, tm, fmtClock(time.Duration(last)*time.Second)+" / 10:00")
}

// TestGoldenDrill: ↑ selects the last route (POST /api/payments, marked
// in the table where it shows; said on the feedback line where it does
// not), enter opens its drill-down: its figures, its latency histogram,
// its codes and errors, its rate and its failures; esc goes back to the
// dashboard, the route still selected.
func TestGoldenDrill(t *testing.T) {
	for _, back := range []bool{false, true} {
		for _, sz := range [][2]int{{120, 36}, {80, 24}} {
			name := map[bool]string{false: "open", true: "back"}[back]
			t.Run(fmt.Sprintf("%s/%dx%d", name, sz[0], sz[1]), func(t *testing.T) {
				runGoldenCut(t, sz[0], sz[1], Options{}, withDetail(300), "5:00 / 10:00",
					func(tm *teatest.TestModel, ch chan<- stats.Snapshot) {
						feed(t, tm, ch, 301, 360, nil)
						keys(tm, keyUp, keyEnter)
						waitFor(t, tm, "RECENT FAILURES")
						if back {
							keys(tm, keyEsc)
							waitFor(t, tm, "REQUESTS / S")
						}
					}, true)
			})
		}
	}
}

// TestGoldenBaseline: b keeps the figures on screen; a fault on POST
// /api/payments then shows in the table as its changes from them, ok% and
// p99 first among the columns that go when the table is narrow.
func TestGoldenBaseline(t *testing.T) {
	for _, sz := range [][2]int{{120, 36}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			runGolden(t, sz[0], sz[1], withDetail(350), "5:50 / 10:00",
				func(tm *teatest.TestModel, ch chan<- stats.Snapshot) {
					feed(t, tm, ch, 351, 360, nil)
					keys(tm, runes("b"))
					waitFor(t, tm, "baseline frozen at 6:00")
					feed(t, tm, ch, 361, 366, paymentsFault)
				})
		})
	}
}

// paymentsFault fails POST /api/payments: 8 more requests a second, all
// failed, and its latency up by half (p50) and three times (p99).
func paymentsFault(s *stats.Snapshot) {
	pay := &s.Endpoints[payRoute]
	extra := int64(s.Elapsed/time.Second-360) * 8
	pay.Total += extra
	pay.Errors += extra
	pay.Recent.P50 = pay.Recent.P50 * 3 / 2
	pay.Recent.P99 *= 3
}
