package record

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/stats"
)

// gatewaySnapshots are snapshots of a run over 11 routes at 20,000 req/s,
// taken every 200 ms (as --record keeps them) for a minute: figures that
// change in every one, a new series point in every fifth.
func gatewaySnapshots(b *testing.B) []stats.Snapshot {
	b.Helper()
	rec := stats.New()
	var routes []int
	for i := range 11 {
		routes = append(routes, rec.Register("GET", fmt.Sprintf("/api/route%d/{id}", i)))
	}
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	rec.Reset(t0)
	var out []stats.Snapshot
	for tick := 1; tick <= 300; tick++ {
		now := t0.Add(time.Duration(tick) * 200 * time.Millisecond)
		for j := range 4000 { // 200 ms at 20,000 req/s, a few recorded per route and tick
			if j%40 != 0 {
				continue
			}
			code, kind := 200, stats.KindNone
			if j%400 == 0 {
				code, kind = 500, stats.KindStatus5xx
			}
			end := now.Add(-time.Duration(j) * 50 * time.Microsecond)
			rec.Record(stats.Result{Route: routes[j%11], Code: code, Kind: kind,
				Latency: time.Duration(1000+j*7%9000) * time.Microsecond, End: end})
		}
		rec.Target(now, 20000)
		out = append(out, rec.Snapshot(now))
	}
	return out
}

// BenchmarkWrite is what --record does for each snapshot it keeps: encode
// its line (the new series points and events), compress and flush it.
// Five a second at 20,000 req/s: the CPU per request it adds is a fifth
// of this per snapshot, over 4,000 requests.
func BenchmarkWrite(b *testing.B) {
	snaps := gatewaySnapshots(b)
	w, err := NewWriter(io.Discard, Header{}, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s := snaps[i%len(snaps)]
		s.Taken = s.Taken.Add(time.Duration(i/len(snaps)) * time.Minute) // on after a lap
		if err := w.Write(s); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000/4000, "µs/request@20k")
}
