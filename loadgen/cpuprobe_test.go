package loadgen

import (
	"sync/atomic"
	"testing"
	"time"
)

// The probe's judgement of the scheduling waits sampled since its last
// look: saturated when there are enough of them and enough are long.
func TestWaitsSaturate(t *testing.T) {
	// Buckets from 0, 50 µs, 100 µs, 200 µs (longWait) and 1 ms.
	buckets := []float64{0, 50e-6, 100e-6, 200e-6, 1e-3}
	for _, c := range []struct {
		name   string
		counts []uint64 // waits sampled since the last look, per bucket
		want   bool
	}{
		{"idle", []uint64{0, 0, 0, 0, 0}, false},
		{"many short waits", []uint64{500, 300, 100, 0, 0}, false},
		{"a tenth long", []uint64{60, 20, 10, 5, 5}, true},
		{"just under a tenth long", []uint64{61, 20, 10, 5, 4}, false},
		{"all long but too few to judge", []uint64{0, 0, 0, 30, 33}, false},
		{"all long, enough", []uint64{0, 0, 0, 32, 32}, true},
	} {
		prev := []uint64{1000, 1000, 1000, 1000, 1000} // counts at the last look
		now := make([]uint64, len(prev))
		for i := range now {
			now[i] = prev[i] + c.counts[i]
		}
		if got := waitsSaturate(buckets, now, prev); got != c.want {
			t.Errorf("%s: saturated %v, want %v", c.name, got, c.want)
		}
		for i := range prev {
			if prev[i] != now[i] {
				t.Fatalf("%s: the last look's counts were not moved on", c.name)
			}
		}
		// A second look with nothing new sampled is never saturated.
		if waitsSaturate(buckets, now, prev) {
			t.Errorf("%s: saturated again with no new waits", c.name)
		}
	}
}

// fakeCPU is a CPU whose saturation the test sets: tests of the pool's
// behaviour under a saturated CPU need not make the machine so.
type fakeCPU struct{ on atomic.Bool }

func saturatedCPU() *fakeCPU {
	c := &fakeCPU{}
	c.on.Store(true)
	return c
}

func (c *fakeCPU) saturated() bool { return c.on.Load() }
func (*fakeCPU) update(time.Time)  {}
