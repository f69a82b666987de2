package metrics

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trafficgen/trafficgen/stats"
)

// BenchmarkScrape is one scrape's work in the process being scraped, for
// the gateway scenario's 11 routes after a million requests spread over
// 1 ms to 1 s: what metrics on adds, once per scrape, to a run.
func BenchmarkScrape(b *testing.B) {
	rec := stats.New()
	rng := rand.New(rand.NewPCG(1, 1))
	var ids []int
	for i := range 11 {
		ids = append(ids, rec.Register("GET", "GET /route/"+string(rune('a'+i))))
	}
	for i := range 1_000_000 {
		lat := time.Duration(float64(time.Millisecond) * (1 + 999*rng.Float64()*rng.Float64()))
		rec.RecordUnsent(stats.Result{Route: ids[i%len(ids)], Code: 200, Latency: lat, End: rec.Start()})
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(New(rec, prometheus.Labels{"shard": "1/4"}))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}
