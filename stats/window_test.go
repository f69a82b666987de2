package stats

import (
	"testing"
	"time"
)

// A window covers only what completed and was dropped after its mark:
// counts, codes, kinds and latency percentiles alike, while the run's
// snapshot still covers everything.
func TestWindowCoversOnlyWhatCameAfterTheMark(t *testing.T) {
	r := New()
	start := r.Start()
	fast := r.Register("GET", "GET /fast")
	slow := r.Register("POST", "POST /slow")
	// Before the mark: 1,000 fast successes at 1–10 ms, 5 drops.
	for i := range 1000 {
		r.Sent(start)
		r.Record(Result{Route: fast, Code: 200, Latency: time.Duration(1+i%10) * time.Millisecond, End: start.Add(time.Second)})
	}
	for range 5 {
		r.Dropped(slow, start.Add(time.Second))
	}
	w := r.Mark(start.Add(2 * time.Second))
	// After it: 100 requests at 400–499 ms, 10 of them 503s, 2 drops, and
	// a new route registered mid-window.
	late := r.Register("GET", "GET /late")
	for i := range 100 {
		res := Result{Route: slow, Code: 200, Latency: time.Duration(400+i) * time.Millisecond, End: start.Add(3 * time.Second)}
		if i%10 == 0 {
			res.Code, res.Kind = 503, KindStatus5xx
		}
		r.Sent(start.Add(3 * time.Second))
		r.Record(res)
	}
	r.Sent(start.Add(3 * time.Second))
	r.Record(Result{Route: late, Code: 200, Latency: 450 * time.Millisecond, End: start.Add(3 * time.Second)})
	r.Dropped(slow, start.Add(3*time.Second))
	r.Dropped(fast, start.Add(3*time.Second))

	ws := w.Snapshot(start.Add(6 * time.Second))
	if ws.Total != 101 || ws.Success != 91 || ws.Errors != 10 || ws.Dropped != 2 {
		t.Fatalf("window totals %d/%d/%d dropped %d, want 101/91/10 dropped 2", ws.Total, ws.Success, ws.Errors, ws.Dropped)
	}
	if ws.Elapsed != 4*time.Second || ws.AverageRPS != 101.0/4 {
		t.Errorf("window elapsed %v at %v/s, want 4s at %v/s", ws.Elapsed, ws.AverageRPS, 101.0/4)
	}
	if ws.Latency.Count != 101 || ws.Latency.P50 < 445*time.Millisecond || ws.Latency.P50 > 455*time.Millisecond {
		t.Errorf("window p50 = %v over %d, want ~450ms over 101 (the fast ones are before the mark)", ws.Latency.P50, ws.Latency.Count)
	}
	if ws.Latency.Min < 399*time.Millisecond || ws.Latency.P99 < 490*time.Millisecond {
		t.Errorf("window min %v p99 %v, want ≥400ms and ~499ms", ws.Latency.Min, ws.Latency.P99)
	}
	if want := (100*449500 + 450000) * time.Microsecond / 101; ws.Latency.Mean != want {
		t.Errorf("window mean = %v, want %v", ws.Latency.Mean, want)
	}
	if f := ws.Endpoints[fast]; f.Total != 0 || f.Dropped != 1 || f.Latency.Count != 0 {
		t.Errorf("fast row in the window = %+v, want nothing but 1 drop", f)
	}
	if s := ws.Endpoints[slow]; s.Total != 100 || s.Errors != 10 || s.Dropped != 1 {
		t.Errorf("slow row in the window = %+v", s)
	}
	if l := ws.Endpoints[late]; l.Total != 1 || l.Route != "GET /late" {
		t.Errorf("late row in the window = %+v", l)
	}
	if len(ws.StatusCodes) != 2 || ws.StatusCodes[0] != (CodeCount{200, 91}) || ws.StatusCodes[1] != (CodeCount{503, 10}) {
		t.Errorf("window codes = %+v", ws.StatusCodes)
	}
	if len(ws.ErrorKinds) != 1 || ws.ErrorKinds[0] != (KindCount{KindStatus5xx, 10, "503 Service Unavailable"}) {
		t.Errorf("window kinds = %+v", ws.ErrorKinds)
	}
	if all := r.Snapshot(start.Add(6 * time.Second)); all.Total != 1101 || all.Dropped != 7 {
		t.Errorf("run totals = %d dropped %d, want 1101 and 7", all.Total, all.Dropped)
	}
}

// A window whose recorder was reset after the mark starts at the reset.
func TestWindowAfterAReset(t *testing.T) {
	r := New()
	start := r.Start()
	id := r.Register("GET", "GET /x")
	for range 50 {
		r.Record(Result{Route: id, Code: 200, Latency: time.Millisecond, End: start})
	}
	w := r.Mark(start.Add(time.Second))
	r.Reset(start.Add(3 * time.Second))
	for range 7 {
		r.Record(Result{Route: id, Code: 200, Latency: time.Millisecond, End: start.Add(4 * time.Second)})
	}
	ws := w.Snapshot(start.Add(5 * time.Second))
	if ws.Total != 7 || ws.Elapsed != 2*time.Second {
		t.Errorf("window after reset: %d requests over %v, want 7 over 2s", ws.Total, ws.Elapsed)
	}
	if got := w.Start(); !got.Equal(start.Add(3 * time.Second)) {
		t.Errorf("window start = %v, want the reset", got.Sub(start))
	}
}
