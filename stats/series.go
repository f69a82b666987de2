package stats

import (
	"slices"
	"time"
)

// MedianP99 is the median of the per-second p99s of the points whose
// seconds lie wholly in [from, to) of the run: a stretch's typical tail
// latency, as the latency chart shows it (a point's second is the second
// its responses arrived in). Zero when no second there saw a response.
func MedianP99(series []Point, from, to time.Duration) time.Duration {
	var p99s []time.Duration
	for _, p := range series {
		if at := time.Duration(p.Second) * time.Second; at >= from && at+time.Second <= to && p.P99 > 0 {
			p99s = append(p99s, p.P99)
		}
	}
	if len(p99s) == 0 {
		return 0
	}
	slices.Sort(p99s)
	return p99s[len(p99s)/2]
}
