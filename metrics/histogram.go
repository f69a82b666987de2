package metrics

import (
	"math"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/trafficgen/trafficgen/stats"
)

// classicBounds are the upper bounds, in seconds, of the classic latency
// buckets, for Prometheus servers that do not ingest native histograms;
// requests time out at 10 s by default and are clamped at 120 s.
var classicBounds = []float64{
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
	0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
}

// nativeSchema is the native histograms' resolution: 2^3 buckets per
// power of two, each about 9 % wide, what client_golang picks for a bucket
// factor of 1.1.
const nativeSchema = 3

// converted is an HDR histogram in Prometheus's two shapes.
type converted struct {
	count  uint64
	sum    float64
	native map[int]int64 // bucket index (schema nativeSchema) → count
	// classic holds the cumulative count at each of classicBounds.
	classic []uint64
}

// convert turns an HDR latency histogram into classic and native
// histogram buckets. Each HDR bucket is counted at the highest latency it
// may hold, as the HDR percentiles report it, so a latency is never shown
// in a faster bucket than it may have had; the HDR buckets are 0.1 % wide
// where Prometheus's are 9 % and more. The HDR buckets come in ascending
// order, so most fall in the Prometheus bucket of the one before: the
// work per HDR bucket is a comparison and an addition.
func convert(l stats.LatencyHistogram) converted {
	c := converted{
		sum:     l.Sum.Seconds(),
		native:  make(map[int]int64),
		classic: make([]uint64, len(classicBounds)+1), // the last: above every bound
	}
	cur, upper, pending := 0, math.Inf(-1), int64(0) // the native bucket being filled
	ci := 0                                          // the classic bucket being filled
	l.Each(func(_, hi time.Duration, n int64) {
		x := hi.Seconds()
		c.count += uint64(n)
		if x > upper {
			if pending > 0 {
				c.native[cur] += pending
			}
			cur, pending = nativeIndex(x), 0
			upper = nativeUpper(cur)
		}
		pending += n
		for ci < len(classicBounds) && x > classicBounds[ci] {
			ci++
		}
		c.classic[ci] += uint64(n)
	})
	if pending > 0 {
		c.native[cur] += pending
	}
	c.classic = c.classic[:len(classicBounds)]
	for i := 1; i < len(c.classic); i++ {
		c.classic[i] += c.classic[i-1]
	}
	return c
}

// nativeBounds[j] is 2^(j/2^nativeSchema - 1): the fractions (as
// math.Frexp returns them) at which a power of two's buckets end.
var nativeBounds = func() []float64 {
	b := make([]float64, 1<<nativeSchema)
	for j := range b {
		b[j] = math.Exp2(float64(j)/float64(len(b)) - 1)
	}
	return b
}()

// nativeIndex is the index of the native histogram bucket that holds x > 0:
// bucket i holds (2^((i-1)/8), 2^(i/8)], as client_golang computes it.
func nativeIndex(x float64) int {
	frac, exp := math.Frexp(x)
	j, _ := slices.BinarySearch(nativeBounds, frac)
	return j + (exp-1)*len(nativeBounds)
}

// nativeUpper is the upper bound of native bucket i, exactly as
// nativeIndex draws it: nativeIndex(x) == i for every x in
// (nativeUpper(i-1), nativeUpper(i)].
func nativeUpper(i int) float64 {
	per := len(nativeBounds)
	j := ((i % per) + per) % per
	return math.Ldexp(nativeBounds[j], (i-j)/per+1)
}

// histogram is a native histogram that carries classic buckets too, as
// client_golang's own histograms do when given both: a server that asks
// for protobuf and ingests native histograms reads the native buckets,
// and any other reads the classic ones.
type histogram struct {
	prometheus.Metric
	classic []*dto.Bucket
}

func (h histogram) Write(out *dto.Metric) error {
	if err := h.Metric.Write(out); err != nil {
		return err
	}
	out.Histogram.Bucket = h.classic
	return nil
}
