package stats

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestLiveWindow: the live rate covers the second before the current tick
// and the tick so far, so a jump in the rate shows a quarter of a second
// after it, where the per-second figure still shows the second before.
func TestLiveWindow(t *testing.T) {
	r := New()
	start := r.Start()
	id := r.Register("GET", "GET /a")
	at := func(d time.Duration) time.Time { return start.Add(d) }
	done := func(d time.Duration, ok bool) {
		res := Result{Route: id, Code: 200, Latency: time.Millisecond, End: at(d)}
		if !ok {
			res.Code, res.Kind = 500, KindStatus5xx
		}
		r.Sent(at(d))
		r.Record(res)
	}
	// 20 req/s for 3 s, then 100 req/s with every tenth failing.
	for i := range 60 {
		done(time.Duration(i)*50*time.Millisecond, true)
		if i == 2 {
			early := r.Snapshot(at(150 * time.Millisecond))
			if early.Live.Span != 150*time.Millisecond || early.Live.Success != 3 || early.Live.RPS() != 20 {
				t.Errorf("after 150 ms: live %+v, rate %v; want 3 successes over 150 ms, 20 req/s", early.Live, early.Live.RPS())
			}
		}
	}
	for i := range 25 {
		done(3*time.Second+time.Duration(i)*10*time.Millisecond, i%10 != 9)
	}

	s := r.Snapshot(at(3250 * time.Millisecond))
	// Ticks 22 to 32: from 2.2 s to now.
	if s.Live.Span != 1050*time.Millisecond {
		t.Fatalf("span %v, want 1.05s", s.Live.Span)
	}
	if s.Live.Success != 16+23 || s.Live.Errors != 2 {
		t.Errorf("live %+v, want 39 successes and 2 errors", s.Live)
	}
	if got := s.Live.RPS(); got < 39 || got > 40 {
		t.Errorf("live rate %.1f, want 41/1.05 s", got)
	}
	if s.CurrentRPS != 20 {
		t.Errorf("the last full second's rate is %v, want 20", s.CurrentRPS)
	}
	if got := s.Live.ErrorRPS(); got < 1.9 || got > 1.91 {
		t.Errorf("error rate %.2f, want 2/1.05 s", got)
	}
}

// TestJourneyTraffic: journey requests are counted per second and in the
// live window, apart from the plan's target, and an alternative step is
// marked as one.
func TestJourneyTraffic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := New()
		base := r.RegisterJourney("checkout", []string{"get user", "create user", "create order"})
		r.JourneyAlternative(base + 1)
		r.JourneyAlternative(base + 7) // out of range: ignored
		// Ten steps a second for 2.5 s.
		for range 25 {
			r.JourneyStep(base)
			time.Sleep(100 * time.Millisecond)
		}
		s := r.Snapshot(time.Now())
		if len(s.Series) != 2 || s.Series[0].Journey != 10 || s.Series[1].Journey != 10 {
			t.Errorf("series %+v, want two seconds of 10 journey requests", s.Series)
		}
		if s.Live.JourneySent != 10 || s.Live.JourneyRPS() != 10 {
			t.Errorf("live %+v, want 10 journey requests over 1 s", s.Live)
		}
		want := []bool{false, true, false}
		for i, st := range s.Journeys.Steps {
			if st.Alt != want[i] {
				t.Errorf("step %d %q: alt %v, want %v", i, st.Step, st.Alt, want[i])
			}
		}
	})
}

// TestLiveWindowShortAtHighRates: when half the window holds enough
// requests, the live rate is over the half alone, and follows a change
// twice as fast.
func TestLiveWindowShortAtHighRates(t *testing.T) {
	r := New()
	start := r.Start()
	id := r.Register("GET", "GET /a")
	// 400 req/s for 2 s, then 800 req/s for 0.25 s.
	var at time.Duration
	for at < 2250*time.Millisecond {
		r.Sent(start.Add(at))
		r.Record(Result{Route: id, Code: 200, Latency: time.Millisecond, End: start.Add(at)})
		if at < 2*time.Second {
			at += 2500 * time.Microsecond
		} else {
			at += 1250 * time.Microsecond
		}
	}
	s := r.Snapshot(start.Add(2250 * time.Millisecond))
	// Ticks 17 to 22: from 1.7 s to now.
	if s.Live.Span != 550*time.Millisecond {
		t.Fatalf("span %v, want the half window, 550ms", s.Live.Span)
	}
	// 0.3 s at 400 and 0.25 s at 800: 320 requests in 0.55 s.
	if got := s.Live.RPS(); got < 580 || got > 583 {
		t.Errorf("live rate %.1f, want 582", got)
	}
}

// TestMedianP99: the median of the p99s of the seconds wholly inside the
// stretch, none from outside it.
func TestMedianP99(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	series := []Point{{Second: 0, P99: ms(900)}, {Second: 1, P99: ms(10)}, {Second: 2, P99: ms(30)},
		{Second: 3, P99: ms(20)}, {Second: 4}, {Second: 5, P99: ms(800)}}
	if got := MedianP99(series, 1500*time.Millisecond, 5*time.Second); got != ms(30) {
		t.Errorf("seconds 2 to 4: %v, want 30ms", got)
	}
	if got := MedianP99(series, time.Second, 4*time.Second); got != ms(20) {
		t.Errorf("seconds 1 to 3: %v, want 20ms", got)
	}
	if got := MedianP99(series, 4*time.Second, 5*time.Second); got != 0 {
		t.Errorf("second 4, no responses: %v, want 0", got)
	}
}
