package stats

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestDur: three significant figures, the unit changing where a fourth
// digit would be needed, and a dash for no data.
func TestDur(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "-"}, {-time.Second, "-"}, {300 * time.Nanosecond, "1µs"},
		{850 * time.Microsecond, "850µs"}, {999*time.Microsecond + 400*time.Nanosecond, "999µs"},
		{999*time.Microsecond + 600*time.Nanosecond, "1.00ms"}, {4250 * time.Microsecond, "4.25ms"},
		{9996 * time.Microsecond, "10.0ms"}, {42500 * time.Microsecond, "42.5ms"},
		{99960 * time.Microsecond, "100ms"}, {425 * time.Millisecond, "425ms"},
		{999600 * time.Microsecond, "1.00s"}, {1240 * time.Millisecond, "1.24s"},
		{12400 * time.Millisecond, "12.4s"}, {99960 * time.Millisecond, "100s"}, {120 * time.Second, "120s"},
	} {
		if got := Dur(c.d); got != c.want {
			t.Errorf("Dur(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

// TestSummaryHeadlineLast: the summary for a terminal the dashboard leaves
// has the same lines, with the headline block last, so it is what the
// screen shows.
func TestSummaryHeadlineLast(t *testing.T) {
	r := New()
	id := r.Register("GET", "GET /a")
	for i := range 50 {
		res := Result{Route: id, Code: 200, Latency: time.Duration(i+1) * time.Millisecond, End: r.Start()}
		if i%10 == 0 {
			res.Code, res.Kind = 503, KindStatus5xx
		}
		r.Sent(r.Start())
		r.Record(res)
	}
	s := r.Snapshot(r.Start().Add(2 * time.Second))
	var first, last strings.Builder
	WriteSummary(&first, s)
	WriteSummaryHeadlineLast(&last, s)
	lines := func(b strings.Builder) []string {
		l := strings.Split(strings.TrimSpace(b.String()), "\n")
		l = slices.DeleteFunc(l, func(s string) bool { return strings.TrimSpace(s) == "" })
		slices.Sort(l)
		return l
	}
	if !slices.Equal(lines(first), lines(last)) {
		t.Errorf("the two summaries differ:\n%s\n---\n%s", first.String(), last.String())
	}
	out := strings.Split(strings.TrimRight(last.String(), "\n"), "\n")
	tail := strings.Join(out[len(out)-11:], "\n")
	for _, want := range []string{"Final Statistics", "Total Requests: 50", "Errors: 5", "Average RPS", "Latency: p50"} {
		if !strings.Contains(tail, want) {
			t.Errorf("the last lines lack %q:\n%s", want, tail)
		}
	}
}
