package stats

import (
	"sync"
	"testing"
	"time"
)

func TestRecordCountsAndPercentiles(t *testing.T) {
	r := New()
	start := r.Start()
	users := r.Register("GET", "GET /api/users")
	pay := r.Register("POST", "POST /api/payments")
	if again := r.Register("GET", "GET /api/users"); again != users {
		t.Fatalf("re-register gave %d, want %d", again, users)
	}
	// 100 user requests at 1..100 ms in second 0, 10 payment 500s in second 1.
	for i := 1; i <= 100; i++ {
		r.Sent(start)
		r.Record(Result{Route: users, Code: 200, Latency: time.Duration(i) * time.Millisecond, End: start.Add(500 * time.Millisecond)})
	}
	for range 10 {
		r.Sent(start.Add(time.Second))
		r.Record(Result{Route: pay, Code: 500, Kind: KindStatus5xx, Latency: 300 * time.Millisecond, End: start.Add(1500 * time.Millisecond)})
	}
	r.Dropped(pay, start.Add(1500*time.Millisecond))
	s := r.Snapshot(start.Add(2100 * time.Millisecond))
	if s.Total != 110 || s.Success != 100 || s.Errors != 10 || s.Dropped != 1 {
		t.Fatalf("totals = %d/%d/%d dropped %d, want 110/100/10 dropped 1", s.Total, s.Success, s.Errors, s.Dropped)
	}
	if s.InFlight != 0 {
		t.Fatalf("in flight = %d, want 0", s.InFlight)
	}
	u := s.Endpoints[users]
	if u.Route != "GET /api/users" || u.Total != 100 || u.SuccessRate() != 100 {
		t.Fatalf("users row = %+v", u)
	}
	if got := u.Latency.P50; got < 49*time.Millisecond || got > 51*time.Millisecond {
		t.Errorf("users p50 = %v, want ~50ms", got)
	}
	if got := u.Latency.P99; got < 98*time.Millisecond || got > 100*time.Millisecond {
		t.Errorf("users p99 = %v, want ~99ms", got)
	}
	if got := u.Latency.Max; got < 99*time.Millisecond || got > 101*time.Millisecond {
		t.Errorf("users max = %v, want ~100ms", got)
	}
	if u.Latency.Mean != 50500*time.Microsecond || u.Recent.Mean != 50500*time.Microsecond {
		t.Errorf("users mean = %v, recent %v, want 50.5ms exactly", u.Latency.Mean, u.Recent.Mean)
	}
	if want := (100*50500 + 10*300000) * time.Microsecond / 110; s.Latency.Mean != want || s.Recent.Mean != want {
		t.Errorf("mean = %v, recent %v, want %v", s.Latency.Mean, s.Recent.Mean, want)
	}
	p := s.Endpoints[pay]
	if p.Errors != 10 || p.Dropped != 1 || p.CurrentRPS != 10 {
		t.Fatalf("payments row = %+v", p)
	}
	if s.CurrentRPS != 10 {
		t.Errorf("current RPS = %v, want 10 (the last full second)", s.CurrentRPS)
	}
	if len(s.Series) != 2 || s.Series[0].Success != 100 || s.Series[1].Errors != 10 || s.Series[1].Dropped != 1 {
		t.Fatalf("series = %+v", s.Series)
	}
	if len(s.StatusCodes) != 2 || s.StatusCodes[0] != (CodeCount{200, 100}) || s.StatusCodes[1] != (CodeCount{500, 10}) {
		t.Errorf("codes = %+v", s.StatusCodes)
	}
	if len(s.ErrorKinds) != 1 || s.ErrorKinds[0] != (KindCount{Kind: KindStatus5xx, Count: 10, Message: "500 Internal Server Error"}) {
		t.Errorf("kinds = %+v", s.ErrorKinds)
	}
	if s.Run.AchievedRPS != 10 {
		t.Errorf("achieved = %v, want 10 sent in the last full second", s.Run.AchievedRPS)
	}
}

func TestSnapshotIsACopy(t *testing.T) {
	r := New()
	start := r.Start()
	id := r.Register("GET", "GET /x")
	r.Sent(start)
	r.Record(Result{Route: id, Code: 200, Latency: time.Millisecond, End: start})
	s1 := r.Snapshot(start.Add(1100 * time.Millisecond))
	r.Sent(start)
	r.Record(Result{Route: id, Code: 200, Latency: time.Millisecond, End: start.Add(1200 * time.Millisecond)})
	r.Event(start, "spike", "x")
	_ = r.Snapshot(start.Add(2500 * time.Millisecond))
	if s1.Total != 1 || s1.Endpoints[0].Total != 1 || len(s1.Series) != 1 || len(s1.Run.Events) != 0 {
		t.Fatalf("first snapshot changed after later recording: %+v", s1)
	}
	if s1.Seq != 1 {
		t.Fatalf("seq = %d", s1.Seq)
	}
}

func TestRecentWindowForgetsOldSeconds(t *testing.T) {
	r := New()
	start := r.Start()
	id := r.Register("GET", "GET /x")
	r.Sent(start)
	r.Record(Result{Route: id, Code: 200, Latency: time.Second, End: start})
	for sec := 1; sec <= 15; sec++ {
		now := start.Add(time.Duration(sec) * time.Second)
		r.Sent(now)
		r.Record(Result{Route: id, Code: 200, Latency: time.Millisecond, End: now})
		_ = r.Snapshot(now.Add(100 * time.Millisecond))
	}
	s := r.Snapshot(start.Add(16 * time.Second))
	if s.Recent.Max > 2*time.Millisecond {
		t.Errorf("recent max = %v, the 1 s outlier from second 0 should be out of the 10 s window", s.Recent.Max)
	}
	if s.Latency.Max < time.Second {
		t.Errorf("run max = %v, want the 1 s outlier", s.Latency.Max)
	}
	if s.Recent.Count != 10 {
		t.Errorf("recent count = %d, want 10", s.Recent.Count)
	}
	if len(s.Series) != 16 {
		t.Errorf("series len = %d, want 16", len(s.Series))
	}
}

func TestSeriesStaysBounded(t *testing.T) {
	r := New()
	start := r.Start()
	id := r.Register("GET", "GET /x")
	for sec := 0; sec < reportSeriesLen+500; sec += 3 {
		now := start.Add(time.Duration(sec) * time.Second)
		r.RecordUnsent(Result{Route: id, Code: 200, Latency: time.Millisecond, End: now})
		_ = r.Snapshot(now)
	}
	s := r.Snapshot(start.Add(time.Duration(reportSeriesLen+500) * time.Second))
	if len(s.Series) != SeriesLen {
		t.Fatalf("series len = %d, want %d", len(s.Series), SeriesLen)
	}
	last := s.Series[len(s.Series)-1].Second
	if last != int64(reportSeriesLen+500-1) {
		t.Fatalf("last second = %d", last)
	}
	for i := 1; i < len(s.Series); i++ {
		if s.Series[i].Second != s.Series[i-1].Second+1 {
			t.Fatalf("series not contiguous at %d: %d after %d", i, s.Series[i].Second, s.Series[i-1].Second)
		}
	}
	if st := r.st.Load(); len(st.series) != reportSeriesLen {
		t.Fatalf("kept %d points, want cap %d", len(st.series), reportSeriesLen)
	}
}

func TestConcurrentRecordingLosesNothing(t *testing.T) {
	r := New()
	start := r.Start()
	ids := []int{r.Register("GET", "GET /a"), r.Register("GET", "GET /b")}
	var wg sync.WaitGroup
	const workers, each = 8, 2000
	stop := make(chan struct{})
	go func() { // a reader taking snapshots all the while
		for {
			select {
			case <-stop:
				return
			default:
				_ = r.Snapshot(time.Now())
			}
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				r.Sent(time.Now())
				k := KindNone
				if i%10 == 0 {
					k = KindTimeout
				}
				r.Record(Result{Route: ids[(w+i)%2], Kind: k, Latency: time.Millisecond, End: time.Now()})
			}
		}()
	}
	wg.Wait()
	close(stop)
	s := r.Snapshot(start.Add(time.Hour))
	if s.Total != workers*each || s.Errors != workers*each/10 || s.InFlight != 0 {
		t.Fatalf("total %d errors %d inflight %d", s.Total, s.Errors, s.InFlight)
	}
}

func TestJourneys(t *testing.T) {
	r := New()
	base := r.RegisterJourney("checkout", []string{"user", "order", "payment"})
	r.JourneyStarted()
	r.JourneyStep(base)
	r.JourneyStep(base + 1)
	r.JourneyFailed(base+1, "capture id: missing")
	r.JourneyStarted()
	for i := range 3 {
		r.JourneyStep(base + i)
	}
	r.JourneyCompleted(800*time.Millisecond, true)
	r.JourneyStarted()
	s := r.Snapshot(time.Now()).Journeys
	if s.Started != 3 || s.Completed != 1 || s.Declined != 1 || s.Failed != 1 || s.InProgress != 1 {
		t.Fatalf("journeys = %+v", s)
	}
	if len(s.Steps) != 3 || s.Steps[1].Failed != 1 || s.Steps[1].LastError != "capture id: missing" || s.Steps[2].Reached != 1 {
		t.Fatalf("steps = %+v", s.Steps)
	}
	if s.Duration.Count != 1 {
		t.Fatalf("duration = %+v", s.Duration)
	}
}

func TestResetKeepsRoutesAndEvents(t *testing.T) {
	r := New()
	id := r.Register("GET", "GET /a")
	r.RecordUnsent(Result{Route: id, Code: 200, End: time.Now()})
	r.Event(time.Now(), "spike", "boom")
	r.Reset(time.Now())
	s := r.Snapshot(time.Now())
	if s.Total != 0 || len(s.Endpoints) != 1 || s.Endpoints[0].Route != "GET /a" || len(s.Run.Events) != 1 {
		t.Fatalf("after reset: %+v", s)
	}
}

func BenchmarkRecord(b *testing.B) {
	r := New()
	ids := make([]int, 11)
	for i := range ids {
		ids[i] = r.Register("GET", "GET /r"+string(rune('a'+i)))
	}
	now := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			r.Sent(now)
			r.Record(Result{Route: ids[i%11], Code: 200, Latency: time.Duration(i%5000) * time.Microsecond, End: now})
			i++
		}
	})
}

func BenchmarkSnapshot11Endpoints(b *testing.B) {
	r := New()
	start := r.Start()
	for i := range 11 {
		id := r.Register("GET", "GET /r"+string(rune('a'+i)))
		for s := range 12 {
			for k := range 100 {
				r.RecordUnsent(Result{Route: id, Code: 200, Latency: time.Duration(k) * time.Millisecond, End: start.Add(time.Duration(s) * time.Second)})
			}
		}
	}
	now := start.Add(12 * time.Second)
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Snapshot(now)
	}
}

func TestResentIsCountedApartFromTotal(t *testing.T) {
	r := New()
	a := r.Register("GET", "GET /a")
	b := r.Register("GET", "GET /b")
	end := r.Start().Add(100 * time.Millisecond)
	r.RecordUnsent(Result{Route: a, Code: 200, End: end})
	r.RecordUnsent(Result{Route: a, Code: 200, Resent: 1, End: end})
	r.RecordUnsent(Result{Route: b, Kind: KindReset, Resent: 2, End: end})
	r.RecordUnsent(Result{Route: b, Code: 200, Resent: -1, End: end}) // nonsense: ignored
	s := r.Snapshot(end)
	if s.Total != 4 || s.Resent != 3 {
		t.Fatalf("total %d resent %d, want 4 requests (each once) and 3 resent attempts", s.Total, s.Resent)
	}
	if s.Endpoints[a].Resent != 1 || s.Endpoints[b].Resent != 2 {
		t.Fatalf("resent by route = %d, %d, want 1, 2", s.Endpoints[a].Resent, s.Endpoints[b].Resent)
	}
	r.Reset(end)
	if s := r.Snapshot(end); s.Resent != 0 || s.Endpoints[b].Resent != 0 {
		t.Fatalf("after reset resent %d, route b %d", s.Resent, s.Endpoints[b].Resent)
	}
}

// TestRecentCountsLateResults: a result that ends in a second the recent
// window already covers, recorded after a snapshot merged that window,
// shows in the next snapshot.
func TestRecentCountsLateResults(t *testing.T) {
	r := New()
	start := r.Start()
	a := r.Register("GET", "GET /a")
	b := r.Register("GET", "GET /b")
	r.RecordUnsent(Result{Route: a, Code: 200, Latency: time.Millisecond, End: start.Add(500 * time.Millisecond)})
	if s := r.Snapshot(start.Add(1100 * time.Millisecond)); s.Recent.Count != 1 || s.Endpoints[b].Recent.Count != 0 {
		t.Fatalf("recent %d, b %d, want 1 and 0", s.Recent.Count, s.Endpoints[b].Recent.Count)
	}
	r.RecordUnsent(Result{Route: b, Code: 200, Latency: 300 * time.Millisecond, End: start.Add(999 * time.Millisecond)})
	s := r.Snapshot(start.Add(1200 * time.Millisecond))
	if s.Recent.Count != 2 || s.Endpoints[b].Recent.Count != 1 || s.Recent.Max < 299*time.Millisecond {
		t.Fatalf("recent %+v, b %+v: want the late result in both", s.Recent, s.Endpoints[b].Recent)
	}
	r.RecordUnsent(Result{Route: b, Code: 200, Latency: time.Millisecond, End: start.Add(1300 * time.Millisecond)})
	if s := r.Snapshot(start.Add(1400 * time.Millisecond)); s.Recent.Count != 2 {
		t.Fatalf("recent count %d, want 2: the current second is not in the window yet", s.Recent.Count)
	}
	if s := r.Snapshot(start.Add(2000 * time.Millisecond)); s.Recent.Count != 3 || s.Endpoints[b].Recent.Count != 2 {
		t.Fatalf("recent %d, b %d, want 3 and 2", s.Recent.Count, s.Endpoints[b].Recent.Count)
	}
}

// A snapshot that comes long after the last one still gives whole points:
// a second whose latency slot was reused is left empty rather than shown
// with its drops but without its requests (which would read as a collapse).
func TestLateSnapshotKeepsPointsWhole(t *testing.T) {
	r := New()
	id := r.Register("GET", "GET /a")
	start := r.Start()
	for sec := range 14 {
		at := start.Add(time.Duration(sec)*time.Second + 100*time.Millisecond)
		r.RecordUnsent(Result{Route: id, Code: 200, Latency: time.Millisecond, End: at})
		r.Dropped(id, at)
	}
	r.Snapshot(start.Add(500 * time.Millisecond))
	s := r.Snapshot(start.Add(14500 * time.Millisecond))
	if len(s.Series) != 14 {
		t.Fatalf("%d points, want 14", len(s.Series))
	}
	for _, p := range s.Series {
		if sent := p.Success + p.Errors; (sent == 0) != (p.Dropped == 0) {
			t.Errorf("second %d: %d requests, %d dropped: half a point", p.Second, sent, p.Dropped)
		}
	}
	if last := s.Series[13]; last.Success != 1 || last.Dropped != 1 {
		t.Errorf("second 13: %+v, want 1 request and 1 dropped", last)
	}
}

// A request taken back with Unsent (it never reached the server) is no
// longer in flight nor counted as sent in its second; Dropped counts it.
func TestUnsentTakesBackSent(t *testing.T) {
	r := New()
	start := r.Start()
	id := r.Register("GET", "GET /x")
	for range 3 {
		r.Sent(start)
	}
	r.Unsent(start)
	r.Dropped(id, start)
	s := r.Snapshot(start.Add(1100 * time.Millisecond))
	if s.InFlight != 2 || s.Run.AchievedRPS != 2 || s.Dropped != 1 || s.Total != 0 {
		t.Errorf("in flight %d, sent in second 0 %v, dropped %d, total %d; want 2, 2, 1, 0", s.InFlight, s.Run.AchievedRPS, s.Dropped, s.Total)
	}
}
