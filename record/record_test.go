package record

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/internal/recordtest"
	"github.com/trafficgen/trafficgen/stats"
)

// run makes the snapshots of a recorded run: a minute at 100 ms, with
// traffic on two routes, a spike and a fault in the event log, and a stats
// reset half-way.
func run(t *testing.T) []stats.Snapshot {
	t.Helper()
	rec := stats.New()
	users := rec.Register("GET", "/api/users")
	pay := rec.Register("POST", "/api/payments")
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	rec.Reset(t0)
	var out []stats.Snapshot
	for i := 1; i <= 600; i++ {
		now := t0.Add(time.Duration(i) * 100 * time.Millisecond)
		for j := range 10 {
			end := now.Add(-time.Duration(j) * 10 * time.Millisecond)
			rec.Record(stats.Result{Route: users, Code: 200, Latency: 20 * time.Millisecond, End: end})
			code, kind := 200, stats.KindNone
			if i > 300 && j < 3 {
				code, kind = 500, stats.KindStatus5xx
			}
			rec.Record(stats.Result{Route: pay, Code: code, Kind: kind, Latency: time.Duration(50+i) * time.Millisecond, End: end})
		}
		rec.Target(now, 200)
		switch i {
		case 100:
			rec.Event(now, "spike", "spike: +100 req/s for 3s")
		case 300:
			rec.Event(now, "fault", "payments: errors 30%")
		case 450:
			rec.Reset(now)
			rec.Event(now, "reset", "stats reset")
		}
		s := rec.Snapshot(now)
		s.Run.Done = i == 600
		for k := range s.Series {
			s.Series[k].Journey = s.Series[k].Second % 7 // left out of stats.Point's JSON
		}
		out = append(out, s)
	}
	return out
}

// jsonOf renders a snapshot for comparison as a recording keeps it.
func jsonOf(t *testing.T, s stats.Snapshot) string { return recordtest.Figures(t, s) }

func record(t *testing.T, snaps []stats.Snapshot, every time.Duration) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Header{Started: snaps[0].Taken, Config: map[string]any{"mode": "demo", "apiKey": "test…345"}}, every)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range snaps {
		if err := w.Write(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReplayShowsTheRecordedFigures(t *testing.T) {
	snaps := run(t)
	rec, err := Read(bytes.NewReader(record(t, snaps, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Truncated || len(rec.Snapshots) != len(snaps) {
		t.Fatalf("read %d snapshots (truncated %v), want %d", len(rec.Snapshots), rec.Truncated, len(snaps))
	}
	if rec.Header.Config["mode"] != "demo" || rec.Header.Version != Version {
		t.Errorf("header %+v", rec.Header)
	}
	for i := range snaps {
		if got, want := jsonOf(t, rec.Snapshots[i]), jsonOf(t, snaps[i]); got != want {
			t.Fatalf("snapshot %d differs:\n got %s\nwant %s", i, got[firstDiff(got, want):][:min(200, len(got)-firstDiff(got, want))], want[firstDiff(got, want):][:min(200, len(want)-firstDiff(got, want))])
		}
	}
}

func TestRecordingAtAnIntervalKeepsTheLast(t *testing.T) {
	snaps := run(t)
	rec, err := Read(bytes.NewReader(record(t, snaps, 250*time.Millisecond)))
	if err != nil {
		t.Fatal(err)
	}
	n := len(rec.Snapshots)
	if n < 200 || n > 301 {
		t.Errorf("%d snapshots at 250 ms over 60 s", n)
	}
	last := rec.Snapshots[n-1]
	if !last.Run.Done || jsonOf(t, last) != jsonOf(t, snaps[len(snaps)-1]) {
		t.Error("the final snapshot is not the run's last")
	}
	for _, s := range rec.Snapshots {
		for i := 1; i < len(s.Series); i++ {
			if s.Series[i].Second <= s.Series[i-1].Second {
				t.Fatalf("series out of order in snapshot %d", s.Seq)
			}
		}
	}
}

func TestACutRecordingReadsUpToTheCut(t *testing.T) {
	snaps := run(t)
	full := record(t, snaps, 0)
	for _, frac := range []float64{0.1, 0.5, 0.9, 0.999} {
		cut := full[:int(float64(len(full))*frac)]
		rec, err := Read(bytes.NewReader(cut))
		if err != nil {
			t.Fatalf("cut at %.1f%%: %v", 100*frac, err)
		}
		if !rec.Truncated || len(rec.Snapshots) == 0 || len(rec.Snapshots) >= len(snaps) {
			t.Fatalf("cut at %.1f%%: %d snapshots, truncated %v", 100*frac, len(rec.Snapshots), rec.Truncated)
		}
		for i, s := range rec.Snapshots {
			if jsonOf(t, s) != jsonOf(t, snaps[i]) {
				got, want := jsonOf(t, s), jsonOf(t, snaps[i])
				d := firstDiff(got, want)
				t.Fatalf("cut at %.1f%%: snapshot %d differs: %s vs %s", 100*frac, i, got[d:min(len(got), d+200)], want[d:min(len(want), d+200)])
			}
		}
	}
}

func TestReadRejectsWhatIsNotARecording(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"format":"something-else","version":1}` + "\n"))
	zw.Close()
	for name, b := range map[string][]byte{
		"empty":        nil,
		"not gzip":     []byte(`{"format":"trafficgen-recording"}`),
		"other format": gz.Bytes(),
	} {
		if _, err := Read(bytes.NewReader(b)); err == nil {
			t.Errorf("%s: read without an error", name)
		}
	}
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, Header{}, 0)
	w.Close()
	if rec, err := Read(bytes.NewReader(buf.Bytes())); err != nil || len(rec.Snapshots) != 0 || rec.Truncated {
		t.Errorf("an empty recording: %+v, %v", rec, err)
	}
}

func TestRecordingSize(t *testing.T) {
	snaps := run(t)
	// Ten minutes of this run at 250 ms: ten times the minute.
	size := len(record(t, snaps, 250*time.Millisecond)) * 10
	t.Logf("about %d KB for ten minutes of two routes", size>>10)
	if size > 5<<20 {
		t.Errorf("%s for ten minutes", fmt.Sprint(size>>20, " MB"))
	}
}

func firstDiff(a, b string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return max(0, i-40)
		}
	}
	return min(len(a), len(b))
}

// A run that ends properly leaves its report as the last line: a report
// from the recording is the run's own, histograms and all.
func TestTheReportIsRecordedWhole(t *testing.T) {
	rec := stats.New()
	route := rec.Register("GET", "/api/users")
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	rec.Reset(t0)
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Header{Started: t0}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 30; i++ {
		now := t0.Add(time.Duration(i) * 100 * time.Millisecond)
		rec.Record(stats.Result{Route: route, Code: 200, Latency: time.Duration(i) * time.Millisecond, End: now})
		if err := w.Write(rec.Snapshot(now)); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := rec.Report(t0.Add(3*time.Second), map[string]any{"mode": "steady"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteReport(rep); err != nil {
		t.Fatal(err)
	}
	w.Close()
	got, err := Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Snapshots) != 30 || got.Report == nil {
		t.Fatalf("%d snapshots, report %v", len(got.Snapshots), got.Report != nil)
	}
	var want, have bytes.Buffer
	rep.Write(&want)
	got.Report.Write(&have)
	if want.String() != have.String() {
		t.Errorf("the report read back differs:\n%s\nwant\n%s", have.String(), want.String())
	}
	if got.Report.Histogram == "" || got.Report.Total != 30 {
		t.Errorf("report total %d, histogram %q", got.Report.Total, got.Report.Histogram)
	}
}

// The snapshots carry the last 100 events of the log; the recording keeps
// every one, once, for the replay's timeline.
func TestEveryEventIsKept(t *testing.T) {
	rec := stats.New()
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	rec.Reset(t0)
	var snaps []stats.Snapshot
	for i := 1; i <= 300; i++ {
		now := t0.Add(time.Duration(i) * 100 * time.Millisecond)
		rec.Event(now, "rate", fmt.Sprintf("rate change %d", i))
		if i%2 == 0 {
			rec.Event(now, "spike", fmt.Sprintf("spike %d", i)) // two in one snapshot
		}
		if i == 150 {
			rec.Reset(now) // the log carries over a stats reset
		}
		s := rec.Snapshot(now)
		s.Run.Done = i == 300
		snaps = append(snaps, s)
	}
	got, err := Read(bytes.NewReader(record(t, snaps, 250*time.Millisecond)))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got.Events); n != 450 {
		t.Fatalf("%d events kept, want 450", n)
	}
	for i := 1; i < len(got.Events); i++ {
		if got.Events[i].Time.Before(got.Events[i-1].Time) || sameEvent(got.Events[i], got.Events[i-1]) {
			t.Fatalf("event %d out of order or twice: %+v after %+v", i, got.Events[i], got.Events[i-1])
		}
	}
	if last := got.Snapshots[len(got.Snapshots)-1]; len(last.Run.Events) != 100 {
		t.Errorf("the last snapshot's log has %d events, want the last 100", len(last.Run.Events))
	}
}

// The whole series of the last run is kept beyond what one snapshot
// carries, for a report from a recording cut short.
func TestTheWholeSeriesIsKept(t *testing.T) {
	rec := stats.New()
	route := rec.Register("GET", "/")
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	rec.Reset(t0)
	var snaps []stats.Snapshot
	for sec := 1; sec <= 900; sec++ {
		now := t0.Add(time.Duration(sec) * time.Second)
		rec.Record(stats.Result{Route: route, Code: 200, Latency: time.Millisecond, End: now.Add(-time.Millisecond)})
		snaps = append(snaps, rec.Snapshot(now))
	}
	got, err := Read(bytes.NewReader(record(t, snaps, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got.Snapshots[len(got.Snapshots)-1].Series); n != stats.SeriesLen {
		t.Errorf("the last snapshot has %d points, want %d", n, stats.SeriesLen)
	}
	if n := len(got.Series); n != 900 || got.Series[0].Second != 0 || got.Series[899].Success != 1 {
		t.Errorf("whole series: %d points, first %+v", n, got.Series[0])
	}
}

// A recording too long to hold whole keeps one in every Stride of its
// snapshots, evenly (every 16th of 600 read with room for 50: 0, 16, …,
// 592), and the last.
func TestLongRecordingsAreThinned(t *testing.T) {
	snaps := run(t)
	rec, err := read(bytes.NewReader(record(t, snaps, 0)), 50)
	if err != nil {
		t.Fatal(err)
	}
	n := len(rec.Snapshots)
	if rec.Stride != 16 || n != 599/16+2 || len(rec.Shown) != n {
		t.Fatalf("stride %d, %d snapshots (%d moments); want 16 and %d", rec.Stride, n, len(rec.Shown), 599/16+2)
	}
	for i, s := range rec.Snapshots[:n-1] {
		if jsonOf(t, s) != jsonOf(t, snaps[16*i]) || !rec.Shown[i].Equal(snaps[16*i].Taken) {
			t.Fatalf("kept snapshot %d is not the recording's %d", i, 16*i)
		}
	}
	if jsonOf(t, rec.Snapshots[n-1]) != jsonOf(t, snaps[599]) {
		t.Error("the last snapshot is not kept")
	}
}
