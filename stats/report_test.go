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
