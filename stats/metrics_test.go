package stats

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// The library does not export a bucket's width; bucketWidth computes it
// from the geometry, and this holds it to what the library does: lo and
// lo+width-1 share a bucket, lo+width starts the next.
func TestBucketWidthMatchesHistogram(t *testing.T) {
	values := []int64{1, 2, 1000, 2047, 2048, 2049, 4095, 4096, 5000, 65535, 65536, 1 << 20, 3_000_001, int64(MaxLatency / time.Microsecond)}
	for range 200 {
		values = append(values, 1+rand.Int64N(int64(MaxLatency/time.Microsecond)))
	}
	for _, v := range values {
		h := newTotalHist()
		h.RecordValue(v)
		var lo int64
		h.ForEachBucket(func(value, _ int64) bool { lo = value; return false })
		w := bucketWidth(lo)
		hi := lo + w - 1
		if v < lo || v > hi {
			t.Fatalf("value %d: bucket [%d, %d] does not hold it", v, lo, hi)
		}
		h.RecordValue(hi)
		if h.Populated() != 1 {
			t.Fatalf("value %d: %d and %d fall in different buckets, want one of width %d", v, lo, hi, w)
		}
		if hi+1 <= h.HighestTrackableValue() {
			h.RecordValue(hi + 1)
			if h.Populated() != 2 {
				t.Fatalf("value %d: %d shares the bucket [%d, %d]", v, hi+1, lo, hi)
			}
		}
	}
}

// TestMetricsAgreesWithSnapshot: Metrics counts what a Snapshot taken at
// the same moment counts, route by route, and the journeys alike.
func TestMetricsAgreesWithSnapshot(t *testing.T) {
	r := New()
	start := r.Start()
	pay := recordMetricsRun(r)
	now := start.Add(2100 * time.Millisecond)
	m := r.Metrics(now)
	s := r.Snapshot(now)
	if m.Start != s.Taken.Add(-s.Elapsed) || m.InFlight != 1 || m.Dropped != 2 || m.DroppedBehind != 1 {
		t.Errorf("start %v in flight %d dropped %d (behind %d), want %v 1 2 (1)", m.Start, m.InFlight, m.Dropped, m.DroppedBehind, start)
	}
	if m.TargetRPS != 50 || m.AchievedRPS != 4 {
		t.Errorf("target %v achieved %v, want 50 (the second's mean) and 4 (sent in second 1)", m.TargetRPS, m.AchievedRPS)
	}
	var total int64
	for i, rm := range m.Routes {
		row := s.Endpoints[i]
		var codes, errs int64
		for _, c := range rm.Codes {
			codes += c.Count
		}
		for _, k := range rm.Errors {
			errs += k.Count
		}
		total += codes
		if rm.Route != row.Route || rm.Method != row.Method || codes != row.Total || errs != row.Errors ||
			rm.Dropped != row.Dropped || rm.Resent != row.Resent || rm.Latency.Count() != row.Total {
			t.Errorf("route %d: %+v, snapshot row %+v", i, rm, row)
		}
		if mean := rm.Latency.Sum / time.Duration(max(rm.Latency.Count(), 1)); mean != row.Latency.Mean {
			t.Errorf("%s: mean from Sum %v, snapshot %v", rm.Route, mean, row.Latency.Mean)
		}
	}
	if total != s.Total {
		t.Errorf("codes add up to %d, snapshot total %d", total, s.Total)
	}
	want := []KindCount{{Kind: KindRefused, Count: 1}, {Kind: KindRateLimited, Count: 1}, {Kind: KindStatus5xx, Count: 1}}
	if got := m.Routes[pay].Errors; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("payments errors = %v, want %v", got, want)
	}
	if got := m.Routes[pay].Codes; len(got) != 4 || got[0].Code != 0 {
		t.Errorf("payments codes = %v, want 0 (refused), 200, 429, 500", got)
	}
	j := m.Journeys
	if j.Started != 2 || j.Completed != 1 || j.Declined != 1 || j.Failed != 1 || j.InProgress != 0 || j.Duration.Count() != 1 {
		t.Errorf("journeys = %+v", j)
	}
	if len(j.Steps) != 2 || j.Steps[0].Reached != 2 || j.Steps[0].Failed != 1 || j.Steps[1].Reached != 1 || j.Steps[1].Failed != 0 {
		t.Errorf("steps = %+v", j.Steps)
	}
	if d := j.Duration.Sum; d < 699*time.Millisecond || d > 701*time.Millisecond {
		t.Errorf("journey duration sum = %v, want 700ms within the histogram's 0.1 %%", d)
	}
}

// recordMetricsRun records two routes' requests of every outcome, drops,
// targets and two journeys into r, and returns the payments route.
func recordMetricsRun(r *Recorder) int {
	start := r.Start()
	users := r.Register("GET", "GET /api/users")
	pay := r.Register("POST", "POST /api/payments")
	base := r.RegisterJourney("checkout", []string{"create user", "pay"})
	for i := 1; i <= 50; i++ {
		r.Sent(start)
		r.Record(Result{Route: users, Code: 200, Latency: time.Duration(i) * time.Millisecond, End: start.Add(time.Second)})
	}
	for _, res := range []Result{
		{Route: pay, Code: 500, Kind: KindStatus5xx, Latency: 300 * time.Millisecond},
		{Route: pay, Code: 429, Kind: KindRateLimited, Latency: time.Millisecond},
		{Route: pay, Kind: KindRefused, Latency: 50 * time.Microsecond},
		{Route: pay, Code: 200, Latency: 2 * time.Second, Resent: 2},
	} {
		res.End = start.Add(1500 * time.Millisecond)
		r.Sent(start.Add(time.Second))
		r.Record(res)
	}
	r.Sent(start) // one still in flight
	r.Dropped(pay, start.Add(time.Second))
	r.Dropped(pay, start.Add(time.Second))
	r.DropCause(1, true, 1000)
	r.Target(start.Add(1200*time.Millisecond), 40)
	r.Target(start.Add(1300*time.Millisecond), 60)
	r.JourneyStarted()
	r.JourneyStarted()
	r.JourneyStep(base)
	r.JourneyStep(base + 1)
	r.JourneyCompleted(700*time.Millisecond, true)
	r.JourneyStep(base)
	r.JourneyFailed(base, "http 5xx")
	return pay
}

func TestLatencyHistogramEach(t *testing.T) {
	r := New()
	id := r.Register("GET", "GET /")
	lat := []time.Duration{time.Microsecond, 999 * time.Microsecond, 5 * time.Millisecond, 5 * time.Millisecond, 3 * time.Second}
	for _, d := range lat {
		r.RecordUnsent(Result{Route: id, Code: 200, Latency: d, End: r.Start()})
	}
	var got []time.Duration
	var n int64
	r.Metrics(r.Start()).Routes[id].Latency.Each(func(lo, hi time.Duration, count int64) {
		if lo > hi || (len(got) > 0 && lo <= got[len(got)-1]) {
			t.Errorf("bucket [%v, %v] out of order after %v", lo, hi, got)
		}
		got = append(got, hi)
		n += count
	})
	if n != int64(len(lat)) || len(got) != 4 {
		t.Fatalf("buckets %v hold %d, want 4 buckets holding %d", got, n, len(lat))
	}
	for i, d := range []time.Duration{time.Microsecond, 999 * time.Microsecond, 5 * time.Millisecond, 3 * time.Second} {
		if got[i] < d || got[i] > d+d/1000 {
			t.Errorf("bucket %d ends at %v, want %v to within 0.1 %%", i, got[i], d)
		}
	}
}

// A Reset (the dashboard's r key) starts the counts again from zero, and
// Start says when.
func TestMetricsAfterReset(t *testing.T) {
	r := New()
	id := r.Register("GET", "GET /")
	r.RecordUnsent(Result{Route: id, Code: 200, Latency: time.Millisecond, End: r.Start()})
	later := r.Start().Add(3 * time.Second)
	r.Reset(later)
	m := r.Metrics(later)
	if !m.Start.Equal(later) || len(m.Routes[id].Codes) != 0 || m.Routes[id].Latency.Count() != 0 {
		t.Fatalf("after reset: start %v, route %+v", m.Start, m.Routes[id])
	}
}

// Scrapes read while workers record; the race detector checks the locks.
func TestMetricsWhileRecording(t *testing.T) {
	r := New()
	id := r.Register("GET", "GET /")
	start := r.Start()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				r.Sent(start)
				r.Record(Result{Route: id, Code: 200 + 300*(i%2), Kind: ErrorKind(9 * (i % 2)), Latency: time.Duration(w*i) * time.Microsecond, End: start})
			}
		})
	}
	var last int64
	for range 50 {
		m := r.Metrics(start)
		if n := m.Routes[id].Latency.Count(); n < last {
			t.Fatalf("count went from %d to %d without a reset", last, n)
		} else {
			last = n
		}
	}
	wg.Wait()
	if n := r.Metrics(start).Routes[id].Latency.Count(); n != 8000 {
		t.Fatalf("count = %d, want 8000", n)
	}
}

func TestKindLabel(t *testing.T) {
	seen := map[string]ErrorKind{}
	for k := KindNone; k < numKinds; k++ {
		l := k.Label()
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
				t.Errorf("%v: label %q has %q", k, l, c)
			}
		}
		if prev, dup := seen[l]; dup {
			t.Errorf("%v and %v share the label %q", prev, k, l)
		}
		seen[l] = k
	}
}
