package stats

import (
	"testing"
	"time"
)

// Each bin is about 26 % wider than the one before, a decade is ten
// bins, and a latency falls in the bin whose bounds hold it.
func TestDistBins(t *testing.T) {
	for _, tt := range []struct {
		d   time.Duration
		bin int
	}{
		{time.Microsecond, 0}, {10 * time.Microsecond, 0}, {13 * time.Microsecond, 1},
		{time.Millisecond, 20}, {999 * time.Microsecond, 19}, {10 * time.Millisecond, 30},
		{time.Second, 50}, {100 * time.Second, 70}, {MaxLatency, 70},
	} {
		if got := DistBinOf(tt.d); got != tt.bin {
			t.Errorf("DistBinOf(%v) = %d, want %d", tt.d, got, tt.bin)
		}
		lo, hi := DistBin(tt.bin)
		if tt.d < lo || tt.d >= hi && tt.bin < NumDistBins-1 {
			t.Errorf("%v is not in bin %d's [%v, %v)", tt.d, tt.bin, lo, hi)
		}
	}
}

// A route's distributions count what it recorded, over the run and over
// the recent window, in the bins of its latencies.
func TestRouteDistribution(t *testing.T) {
	r := New()
	id := r.Register("GET", "GET /x")
	start := r.Start()
	rec := func(d time.Duration, n int, at time.Duration) {
		for range n {
			r.RecordUnsent(Result{Route: id, Code: 200, Latency: d, End: start.Add(at)})
		}
	}
	rec(2*time.Millisecond, 30, 0)
	rec(50*time.Millisecond, 10, 0)
	rec(50*time.Millisecond, 5, 15*time.Second)
	e := r.Snapshot(start.Add(16 * time.Second)).Endpoints[id]
	count := func(d Distribution, lat time.Duration) int64 {
		i := DistBinOf(lat) - d.First
		if i < 0 || i >= len(d.Counts) {
			return 0
		}
		return d.Counts[i]
	}
	if e.Dist.Total() != 45 || count(e.Dist, 2*time.Millisecond) != 30 || count(e.Dist, 50*time.Millisecond) != 15 {
		t.Errorf("run: %+v", e.Dist)
	}
	if e.RecentDist.Total() != 5 || count(e.RecentDist, 50*time.Millisecond) != 5 || len(e.RecentDist.Counts) != 1 {
		t.Errorf("recent: %+v", e.RecentDist)
	}
}
