package stats

import (
	"math"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// A Distribution counts latencies in bins of equal width on a log scale:
// DistPerDecade bins a decade from DistLow, so each bin's bounds are about
// 26 % apart. Bin 0 also holds everything faster than DistLow, the last
// bin everything from its lower bound up to MaxLatency.
const (
	DistPerDecade = 10
	DistLow       = 10 * time.Microsecond
	// NumDistBins covers DistLow to 100 s, and the last bin past it.
	NumDistBins = 7*DistPerDecade + 1
)

// distEdges[i] is bin i's lower bound in microseconds (bin 0's is 0).
var distEdges = func() [NumDistBins + 1]int64 {
	var e [NumDistBins + 1]int64
	for i := 1; i <= NumDistBins; i++ {
		e[i] = int64(math.Round(float64(DistLow/time.Microsecond) * math.Pow(10, float64(i)/DistPerDecade)))
	}
	e[0], e[NumDistBins] = 0, math.MaxInt64
	return e
}()

// DistBin returns the bounds of bin i: latencies from lo up to hi; the
// last bin's hi is MaxLatency.
func DistBin(i int) (lo, hi time.Duration) {
	i = min(max(i, 0), NumDistBins-1)
	lo = micros(distEdges[i])
	if i == 0 {
		lo = 0
	}
	if i == NumDistBins-1 {
		return lo, MaxLatency
	}
	return lo, micros(distEdges[i+1])
}

// DistBinOf is the bin a latency falls in.
func DistBinOf(d time.Duration) int {
	us := int64(d / time.Microsecond)
	lo, hi := 0, NumDistBins-1
	for lo < hi { // the last bin whose lower bound is at or below us
		mid := (lo + hi + 1) / 2
		if distEdges[mid] <= us {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// Distribution is a latency histogram in the bins DistBin describes:
// Counts[i] is the count of bin First+i. Bins outside Counts are empty.
// A Distribution is immutable once made: snapshots share it.
type Distribution struct {
	First  int     `json:"first,omitempty"`
	Counts []int64 `json:"counts,omitempty"`
}

// Total is the number of latencies counted.
func (d Distribution) Total() int64 {
	var n int64
	for _, c := range d.Counts {
		n += c
	}
	return n
}

// distribution bins h's counts. Buckets come in ascending order, so the
// bin only ever moves up: the work is the populated buckets plus the bins.
func distribution(h *hdr.PackedHistogram) Distribution {
	if h.TotalCount() == 0 {
		return Distribution{}
	}
	var bins [NumDistBins]int64
	first, last, b := NumDistBins, -1, 0
	h.ForEachBucket(func(v, n int64) bool {
		for b < NumDistBins-1 && v >= distEdges[b+1] {
			b++
		}
		bins[b] += n
		first, last = min(first, b), max(last, b)
		return true
	})
	if last < first {
		return Distribution{}
	}
	return Distribution{First: first, Counts: append([]int64(nil), bins[first:last+1]...)}
}
