package ui

import (
	"slices"
	"strings"
	"time"

	"github.com/NimbleMarkets/ntcharts/barchart"

	"github.com/trafficgen/trafficgen/stats"
)

// distChart draws a route's latency distribution as an ntcharts bar
// chart: a bar for each bin of the distribution (or a few bins, when
// there are more than columns), on a log scale of latency, so a bimodal
// route (fast errors, slow successes) shows two humps. Under the bars a
// line marks where p50 and p99 fall, and one labels the latencies. It
// redraws only when its picture changes: the distributions are made once
// a second.
type distChart struct {
	st     *Styles
	bc     barchart.Model
	key    distKey
	lines  []string
	paints map[cellLook]paint
}

// distKey is what a drawn chart depends on.
type distKey struct {
	w, h, first, n int
	total          int64
	p50, p99       int
}

// distSpan is the fewest bins the chart spans (a decade), so one busy bin
// does not fill it.
const distSpan = stats.DistPerDecade

func newDistChart(st *Styles) *distChart {
	return &distChart{st: st, bc: barchart.New(1, 1, barchart.WithNoAxis(), barchart.WithBarGap(0),
		barchart.WithNoAutoBarWidth(), barchart.WithNoAutoMaxValue()), paints: make(map[cellLook]paint)}
}

// draw returns the chart of d in w×h cells (bars, then the p50/p99 line
// and the labels), p50 and p99 marking their bins.
func (c *distChart) draw(d stats.Distribution, p50, p99 time.Duration, w, h int) []string {
	k := distKey{w: w, h: h, first: d.First, n: len(d.Counts), total: d.Total(), p50: stats.DistBinOf(p50), p99: stats.DistBinOf(p99)}
	if k == c.key && c.lines != nil {
		return c.lines
	}
	c.key = k
	rows := h - 2
	if rows < 1 || w < 10 || k.total == 0 {
		c.lines = nil
		return nil
	}
	lo, hi := binRange(d)
	group := (hi - lo + w) / w // bins a bar, so the bars fit w columns
	nbars := (hi - lo + group) / group
	bw := max(w/nbars, 1)
	counts := make([]float64, nbars)
	top := 0.0
	for i, n := range d.Counts {
		j := (d.First + i - lo) / group
		counts[j] += float64(n)
		top = max(top, counts[j])
	}
	c.bc.Resize(nbars*bw, rows)
	c.bc.Clear()
	c.bc.SetBarWidth(bw)
	c.bc.SetMax(top)
	for j, v := range counts {
		if v > 0 {
			v = max(v, top/float64(rows)/8) // a bin with a few requests still shows
		}
		st := c.st.P50
		if bin := lo + j*group; bin+group-1 >= k.p99 {
			st = c.st.P99 // the tail
		}
		c.bc.Push(barchart.BarData{Values: []barchart.BarValue{{Value: v, Style: st}}})
	}
	c.bc.Draw()
	lines := strings.Split(canvasText(&c.bc.Canvas, c.paints), "\n")
	col := func(bin int) int { return (bin - lo) / group * bw }
	lines = append(lines, c.marks(col(k.p50), col(k.p99), w), c.labels(lo, hi, group, bw, w))
	c.lines = lines
	return lines
}

// binRange is the bins the chart spans: the populated ones and an empty
// one on each side, widened to distSpan.
func binRange(d stats.Distribution) (lo, hi int) {
	lo, hi = d.First, d.First+len(d.Counts)-1
	lo, hi = max(lo-1, 0), min(hi+1, stats.NumDistBins-1)
	for hi-lo+1 < distSpan {
		if lo > 0 {
			lo--
		}
		if hi-lo+1 < distSpan && hi < stats.NumDistBins-1 {
			hi++
		}
	}
	return lo, hi
}

// marks is the line under the bars that points at p50's and p99's bars.
func (c *distChart) marks(at50, at99, w int) string {
	st := c.st
	line := make([]string, 0, 3)
	pad := func(n int) {
		if n > 0 {
			line = append(line, strings.Repeat(" ", n))
		}
	}
	pad(at50)
	line = append(line, st.wrap(&st.P50, "▲p50"))
	used := at50 + 4
	if at99 < used+1 {
		at99 = used + 1
	}
	pad(at99 - used)
	line = append(line, st.wrap(&st.P99, "▲p99"))
	return fit(strings.Join(line, ""), w)
}

// labels is the latency axis: the lower bound of the bars at round
// latencies where they fit, decades (1ms, 10ms) before the 2s and 5s.
func (c *distChart) labels(lo, hi, group, bw, w int) string {
	b := []rune(strings.Repeat(" ", w))
	used := make([]bool, w+1)
	for _, want := range []func(int) bool{decadeBin, roundBin} {
		for bin := lo; bin <= hi; bin++ {
			if (bin-lo)%group != 0 || !want(bin) {
				continue
			}
			at := (bin - lo) / group * bw
			text := []rune("╵" + roundLabel(bin))
			end := at + len(text)
			if end > w || slices.Contains(used[max(at-1, 0):min(end+1, w+1)], true) {
				continue
			}
			copy(b[at:], text)
			for x := at; x < end; x++ {
				used[x] = true
			}
		}
	}
	return c.st.wrap(&c.st.Faint, string(b))
}

func decadeBin(bin int) bool { return bin > 0 && bin%stats.DistPerDecade == 0 }

// roundBin says bin starts at 1, 2 or 5 times a power of ten (within the
// rounding of its bounds).
func roundBin(bin int) bool {
	switch bin % stats.DistPerDecade {
	case 0, 3, 7:
		return bin > 0
	}
	return false
}

// roundLabel is the round latency a round bin starts at: "2ms", "500µs".
func roundLabel(bin int) string {
	us := map[int]int64{0: 1, 3: 2, 7: 5}[bin%stats.DistPerDecade] * int64(stats.DistLow/time.Microsecond)
	for range bin / stats.DistPerDecade {
		us *= 10
	}
	switch {
	case us >= 1e6:
		return itoa(int(us/1e6)) + "s"
	case us >= 1e3:
		return itoa(int(us/1e3)) + "ms"
	}
	return itoa(int(us)) + "µs"
}
