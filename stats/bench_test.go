package stats

import (
	"testing"
	"time"
)

// The hot path as the ad-hoc one-URL run drives it: every worker sends and
// records on the same route, so every call meets every other worker's.
func BenchmarkSentRecordOneRoute(b *testing.B) { benchSentRecordOneRoute(b, 1) }

// BenchmarkSentRecordOneRouteManyWorkers is BenchmarkSentRecordOneRoute
// with 8 goroutines per CPU, as a pool of workers has: a goroutine that
// waits for a lock may have to sleep until its holder runs again.
func BenchmarkSentRecordOneRouteManyWorkers(b *testing.B) { benchSentRecordOneRoute(b, 8) }

// benchSentRecordOneRoute sends and records on one route from
// parallelism goroutines per CPU.
func benchSentRecordOneRoute(b *testing.B, parallelism int) {
	r := New()
	id := r.Register("GET", "GET /")
	now := time.Now()
	b.ReportAllocs()
	b.SetParallelism(parallelism)
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			r.Sent(now)
			r.Record(Result{Route: id, Code: 200, Latency: time.Duration(i%5000) * time.Microsecond, End: now})
			i++
		}
	})
}

// BenchmarkSentOnly isolates the per-second sent counter.
func BenchmarkSentOnly(b *testing.B) {
	r := New()
	now := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Sent(now)
		}
	})
}

// BenchmarkSentDropped alternates Sent and Dropped on one route, as the
// scheduler does while the in-flight cap is full.
func BenchmarkSentDropped(b *testing.B) {
	r := New()
	id := r.Register("GET", "GET /")
	now := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Sent(now)
			r.Dropped(id, now)
		}
	})
}

// BenchmarkSentDroppedManyWorkers is BenchmarkSentDropped with 8
// goroutines per CPU.
func BenchmarkSentDroppedManyWorkers(b *testing.B) {
	r := New()
	id := r.Register("GET", "GET /")
	now := time.Now()
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Sent(now)
			r.Dropped(id, now)
		}
	})
}

// loadedRecorder returns a Recorder with 11 routes whose run-long
// histograms hold a long run's spread of latencies (10–500 ms, every
// bucket), and 12 finalised seconds of 300 results per route. fill records
// another second of those results.
func loadedRecorder() (r *Recorder, fill func(sec int), snapAt func(sec int) time.Time) {
	r = New()
	start := r.Start()
	ids := make([]int, 11)
	for i := range ids {
		ids[i] = r.Register("GET", "GET /r"+string(rune('a'+i)))
		for us := 10_000; us < 500_000; us += 7 {
			r.RecordUnsent(Result{Route: ids[i], Code: 200, Latency: time.Duration(us) * time.Microsecond, End: start})
		}
	}
	fill = func(sec int) {
		at := start.Add(time.Duration(sec)*time.Second + 500*time.Millisecond)
		for _, id := range ids {
			for k := range 300 {
				lat := 10*time.Millisecond + time.Duration((sec*300+k)*7919%490_000)*time.Microsecond
				r.Sent(at)
				r.Record(Result{Route: id, Code: 200, Latency: lat, End: at})
			}
		}
	}
	snapAt = func(sec int) time.Time { return start.Add(time.Duration(sec)*time.Second + time.Millisecond) }
	for sec := range 12 {
		fill(sec)
		_ = r.Snapshot(snapAt(sec + 1))
	}
	return r, fill, snapAt
}

// BenchmarkSnapshotNewSecond11Endpoints times the snapshot that finalises a
// second, with a long run's histograms: each iteration first records a
// second of results (untimed), then takes the snapshot that turns it into
// a Point.
func BenchmarkSnapshotNewSecond11Endpoints(b *testing.B) {
	r, fill, snapAt := loadedRecorder()
	sec := 12
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		fill(sec)
		sec++
		b.StartTimer()
		_ = r.Snapshot(snapAt(sec))
	}
}

// BenchmarkSnapshotSameSecond11Endpoints times the other snapshots of a
// second (the dashboard takes 10 a second), with a long run's histograms:
// each iteration first records 30 results per route (untimed), as a busy
// run does between two snapshots.
func BenchmarkSnapshotSameSecond11Endpoints(b *testing.B) {
	r, _, snapAt := loadedRecorder()
	now := snapAt(12).Add(500 * time.Millisecond)
	ids := len(r.Snapshot(now).Endpoints)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		for id := range ids {
			for k := range 30 {
				lat := 10*time.Millisecond + time.Duration((i*30+k)*7919%490_000)*time.Microsecond
				r.RecordUnsent(Result{Route: id, Code: 200, Latency: lat, End: now})
			}
		}
		b.StartTimer()
		_ = r.Snapshot(now)
	}
}
