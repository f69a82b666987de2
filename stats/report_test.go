package stats

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func fill(r *Recorder, n int, lat time.Duration) {
	id := r.Register("GET", "GET /a")
	for i := 1; i <= n; i++ {
		r.RecordUnsent(Result{Route: id, Code: 200, Latency: time.Duration(i) * lat, End: r.Start()})
	}
}

func TestReportRoundTripAndMergeIsExact(t *testing.T) {
	a, b, both := New(), New(), New()
	fill(a, 100, time.Millisecond)
	fill(b, 300, 2*time.Millisecond)
	fill(both, 100, time.Millisecond)
	fill(both, 300, 2*time.Millisecond)
	now := time.Now().Add(time.Second)
	ra, err := a.Report(now, map[string]any{"rps": 10})
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := b.Report(now, nil)
	want, _ := both.Report(now, nil)

	var buf bytes.Buffer
	if err := ra.Write(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := ReadReport(&buf)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Merge(back, rb)
	if err != nil {
		t.Fatal(err)
	}
	if m.Total != 400 || m.Instances != 2 || m.Endpoints[0].Total != 400 {
		t.Fatalf("merged totals: %+v", m)
	}
	if m.Latency.P50Ms != want.Latency.P50Ms || m.Latency.P99Ms != want.Latency.P99Ms || m.Latency.MaxMs != want.Latency.MaxMs {
		t.Fatalf("merged latency %+v, want %+v", m.Latency, want.Latency)
	}
	if _, err := ReadReport(strings.NewReader(`{"schema":"other"}`)); err == nil {
		t.Fatal("a report of another schema was accepted")
	}
}

func TestSummaryText(t *testing.T) {
	r := New()
	fill(r, 10, time.Millisecond)
	id := r.Register("POST", "POST /b")
	r.RecordUnsent(Result{Route: id, Kind: KindRefused, End: r.Start()})
	s := r.Snapshot(r.Start().Add(2 * time.Second))
	var buf bytes.Buffer
	WriteSummary(&buf, s)
	out := buf.String()
	for _, want := range []string{"Final Statistics", "Total Requests: 11", "Successful: 10 (90.9%)", "By Method:", "By Endpoint:", "GET /a", "connection refused: 1", "Average RPS: 5.5"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	buf.Reset()
	WriteBlock(&buf, s)
	if !strings.Contains(buf.String(), "Total Requests: 11 | Success: 10 | Errors: 1") {
		t.Errorf("block:\n%s", buf.String())
	}
}

func TestReportResent(t *testing.T) {
	rec := func(resent ...int) *Report {
		t.Helper()
		r := New()
		id := r.Register("GET", "GET /a")
		for _, n := range resent {
			r.RecordUnsent(Result{Route: id, Code: 200, Latency: time.Millisecond, Resent: n, End: r.Start()})
		}
		rep, err := r.Report(r.Start().Add(time.Second), nil)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	roundTrip := func(rep *Report) (*Report, string) {
		t.Helper()
		var buf bytes.Buffer
		if err := rep.Write(&buf); err != nil {
			t.Fatal(err)
		}
		text := buf.String()
		back, err := ReadReport(&buf)
		if err != nil {
			t.Fatal(err)
		}
		return back, text
	}

	withResent, text := roundTrip(rec(0, 2, 1))
	if withResent.Resent != 3 || withResent.Endpoints[0].Resent != 3 || withResent.Total != 3 {
		t.Fatalf("report total %d resent %d, route resent %d; want 3, 3, 3", withResent.Total, withResent.Resent, withResent.Endpoints[0].Resent)
	}
	if n := strings.Count(text, `"resent": 3`); n != 2 {
		t.Errorf(`"resent": 3 appears %d times, want 2 (totals and the route):`+"\n%s", n, text)
	}

	none, text := roundTrip(rec(0, 0))
	if strings.Contains(text, "resent") {
		t.Errorf("a report with nothing resent mentions it:\n%s", text)
	}

	// A report written before the field existed still reads and merges.
	old, err := ReadReport(strings.NewReader(`{"schema":"trafficgen.report/v1","total":5,"success":5,"endpoints":[{"route":"GET /a","method":"GET","total":5,"success":5}]}`))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Merge(withResent, none, old)
	if err != nil {
		t.Fatal(err)
	}
	if m.Total != 10 || m.Resent != 3 || len(m.Endpoints) != 1 || m.Endpoints[0].Resent != 3 {
		t.Fatalf("merged total %d resent %d endpoints %+v", m.Total, m.Resent, m.Endpoints)
	}
	if m2, _ := Merge(withResent, withResent); m2.Resent != 6 || m2.Endpoints[0].Resent != 6 {
		t.Fatalf("merged twice: resent %d, route %d, want 6", m2.Resent, m2.Endpoints[0].Resent)
	}
}

func TestSummaryResentLine(t *testing.T) {
	r := New()
	fill(r, 10, time.Millisecond)
	var sum, block bytes.Buffer
	s := r.Snapshot(r.Start().Add(2 * time.Second))
	WriteSummary(&sum, s)
	WriteBlock(&block, s)
	if strings.Contains(sum.String(), "Resent") || strings.Contains(block.String(), "Resent") {
		t.Errorf("nothing was resent, yet the text mentions it:\n%s\n%s", sum.String(), block.String())
	}

	id := r.Register("GET", "GET /a")
	r.RecordUnsent(Result{Route: id, Code: 200, Latency: time.Millisecond, Resent: 3, End: r.Start()})
	s = r.Snapshot(r.Start().Add(2 * time.Second))
	sum.Reset()
	block.Reset()
	WriteSummary(&sum, s)
	WriteBlock(&block, s)
	want := "   Dropped (due, never sent): 0\n" +
		"   Resent: 3 (by the HTTP client, after a kept-alive connection died;\n" +
		"           the server may have seen up to 3 more requests than counted)\n" +
		"   Average RPS: 5.5\n"
	if !strings.Contains(sum.String(), want) {
		t.Errorf("summary lacks\n%s\n in:\n%s", want, sum.String())
	}
	if want := "   Total Requests: 11 | Success: 11 | Errors: 0 | Dropped: 0 | In flight: 0 | Resent: 3\n"; !strings.Contains(block.String(), want) {
		t.Errorf("block lacks %q:\n%s", want, block.String())
	}
}

// The final summary fits an 80-column terminal with the default
// scenario's longest routes, a long run's counts and slow latencies.
func TestSummaryFits80Columns(t *testing.T) {
	slow := Percentiles{P50: 467700 * time.Microsecond, P90: 1234 * time.Millisecond,
		P99: 9876 * time.Millisecond, P999: 9999 * time.Millisecond, Max: 99 * time.Second, Count: 1}
	s := Snapshot{Total: 12345678, Success: 12345000, Errors: 678, Dropped: 1234567, Resent: 12345,
		Elapsed: time.Hour, Latency: slow, Run: RunInfo{Target: "http://127.0.0.1:8080", Mode: "realistic"}}
	for _, r := range []string{"DELETE /api/users/{id}", "GET /api/payments/{id}", "POST /api/payments"} {
		s.Endpoints = append(s.Endpoints, EndpointStats{Route: r, Method: strings.Fields(r)[0],
			Total: 1234567, Success: 1234000, Errors: 567, Dropped: 123456, Latency: slow})
	}
	var buf bytes.Buffer
	WriteSummary(&buf, s)
	for line := range strings.SplitSeq(buf.String(), "\n") {
		if n := len([]rune(line)); n > 80 {
			t.Errorf("%d columns: %q", n, line)
		}
	}
}

// Under the dropped count, the summary says what held the in-flight cap:
// trafficgen's own CPU, the server, or each for a share; nothing when
// nothing was dropped. Merged reports add up the first share.
func TestSummaryDropCauses(t *testing.T) {
	r := New()
	fill(r, 10, time.Millisecond)
	base := r.Snapshot(r.Start().Add(2 * time.Second))
	for _, c := range []struct {
		dropped, behind int64
		want, not       []string
	}{
		{0, 0, nil, []string{"of them", "1000"}},
		{100, 100, []string{
			"   Dropped (due, never sent): 100\n" +
				"     All of them: trafficgen itself was behind (its CPU saturated; the\n" +
				"     requests waited for one of its workers, not for the server). -c N\n" +
				"     (max-throughput mode) sends the most this machine can.\n   Average RPS",
		}, []string{"the server had not answered"}},
		{100, 0, []string{
			"   Dropped (due, never sent): 100\n" +
				"     All of them: the in-flight cap (6000) was full of requests the server\n" +
				"     had not answered. Set --max-in-flight (MAX_IN_FLIGHT) above 6000 to\n" +
				"     offer the full rate.\n",
		}, []string{"behind"}},
		{100, 30, []string{"     30 of them: trafficgen itself was behind", "     70 of them: the in-flight cap (6000) was full of requests the server"}, nil},
	} {
		s := base
		// The cap is 1,000 at the end, 6,000 where the drops were.
		s.Dropped, s.Run.DroppedBehind, s.Run.MaxInFlight = c.dropped, c.behind, 1000
		if c.dropped > 0 {
			s.Run.DroppedAtCap = 6000
		}
		var b strings.Builder
		WriteSummary(&b, s)
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("dropped %d, %d behind: summary lacks\n%s\nin:\n%s", c.dropped, c.behind, w, b.String())
			}
		}
		for _, n := range c.not {
			if strings.Contains(b.String(), n) {
				t.Errorf("dropped %d, %d behind: summary has %q:\n%s", c.dropped, c.behind, n, b.String())
			}
		}
	}
	a := &Report{Schema: ReportSchema, Summary: Summary{Dropped: 5, DroppedBehind: 4, DroppedUnsent: 1}}
	b := &Report{Schema: ReportSchema, Summary: Summary{Dropped: 3, DroppedUnsent: 2}}
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if m.DroppedBehind != 4 || m.DroppedUnsent != 3 || m.Dropped != 8 {
		t.Fatalf("merged: dropped %d behind %d unsent %d, want 8, 4 and 3", m.Dropped, m.DroppedBehind, m.DroppedUnsent)
	}
}

// TestReportDroppedUnsent: the requests still waiting for a worker at the
// run's end are a cause of their own under the dropped count, in the
// summary and the report.
func TestReportDroppedUnsent(t *testing.T) {
	r := New()
	route := r.Register("GET", "GET /a")
	fill(r, 10, time.Millisecond)
	r.Dropped(route, r.Start().Add(time.Second))
	r.DroppedUnsent(route, r.Start().Add(1500*time.Millisecond))
	r.DroppedUnsent(route, r.Start().Add(1500*time.Millisecond))
	end := r.Start().Add(2 * time.Second)
	var b strings.Builder
	WriteSummary(&b, r.Snapshot(end))
	want := "   Dropped (due, never sent): 3\n" +
		"     2 of them: still waiting for one of trafficgen's workers when the run\n" +
		"     ended or their timeout passed; they were never sent.\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("summary lacks\n%s\nin:\n%s", want, b.String())
	}
	rep, err := r.Report(end, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.Write(&buf); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	back, err := ReadReport(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if back.Dropped != 3 || back.DroppedUnsent != 2 || !strings.Contains(text, `"droppedUnsent": 2`) {
		t.Errorf("report: dropped %d, unsent %d, want 3 and 2:\n%s", back.Dropped, back.DroppedUnsent, text)
	}
}
