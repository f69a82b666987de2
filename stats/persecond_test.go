package stats

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// TestConcurrentSentAndDroppedAcrossSeconds: workers count sent and
// dropped requests while a reader takes snapshots. They start each batch
// together and walk through its seconds side by side, so they race to be
// the first of each second; a fifth of their events are late, stamped with
// an earlier second of the batch. The run lasts 10 minutes, so each of the
// 16 per-second slots is taken over by a newer second dozens of times.
// Nothing may be lost: the totals, every per-second point and every
// second's sent rate add up exactly.
func TestConcurrentSentAndDroppedAcrossSeconds(t *testing.T) {
	r := New()
	routes := []int{r.Register("GET", "GET /a"), r.Register("POST", "POST /b")}
	var c secondCounts
	for e := range psEpochs {
		first := e * psEpochSecs
		c.epoch(r, routes, e)
		for sec := first; sec < first+psEpochSecs; sec++ {
			var want int64
			for w := range psWorkers {
				want += c.sent[w][sec]
			}
			if got := r.Snapshot(secondAt(r, sec+1, time.Millisecond)).Run.AchievedRPS; got != float64(want) {
				t.Errorf("second %d: sent rate %v, want %d", sec, got, want)
			}
		}
	}
	c.check(t, r.Snapshot(secondAt(r, psSeconds, time.Millisecond)))
}

const (
	psWorkers   = 8
	psEpochs    = 200
	psEpochSecs = 3 // seconds a batch of concurrent events spans (< slotCount)
	psPerEpoch  = 60
	psSeconds   = psEpochs * psEpochSecs
)

// secondAt is frac into second sec of r's run.
func secondAt(r *Recorder, sec int, frac time.Duration) time.Time {
	return r.Start().Add(time.Duration(sec)*time.Second + frac)
}

// secondCounts is what the workers counted, each its own, by second.
type secondCounts struct {
	sent, dropped  [psWorkers][psSeconds]int64
	droppedByRoute [psWorkers][2]int64
}

// epoch runs batch e: the workers' events over its seconds, with a reader
// taking snapshots (finalising only the seconds before the batch) the
// while.
func (c *secondCounts) epoch(r *Recorder, routes []int, e int) {
	first := e * psEpochSecs
	stop, readerDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(readerDone)
		for {
			select {
			case <-stop:
				return
			default:
				_ = r.Snapshot(secondAt(r, first, time.Millisecond))
			}
		}
	}()
	var wg sync.WaitGroup
	begin := make(chan struct{})
	for w := range psWorkers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(e), uint64(w)))
			<-begin
			for i := range psPerEpoch {
				sec := first + i*psEpochSecs/psPerEpoch
				if rng.IntN(5) == 0 {
					sec = first + rng.IntN(sec-first+1) // late
				}
				when := secondAt(r, sec, time.Duration(rng.Int64N(int64(time.Second))))
				route := i % 2
				if rng.IntN(4) == 0 {
					r.Dropped(routes[route], when)
					c.dropped[w][sec]++
					c.droppedByRoute[w][route]++
					continue
				}
				r.Sent(when)
				r.Record(Result{Route: routes[route], Code: 200, Latency: time.Millisecond, End: when})
				c.sent[w][sec]++
			}
		})
	}
	close(begin)
	wg.Wait()
	close(stop)
	<-readerDone
}

// check compares the final snapshot with what was counted: the totals,
// the routes' drops and every second's point.
func (c *secondCounts) check(t *testing.T, s Snapshot) {
	t.Helper()
	var allSent, allDropped int64
	var routeDropped [2]int64
	for w := range psWorkers {
		for sec := range psSeconds {
			allSent += c.sent[w][sec]
			allDropped += c.dropped[w][sec]
		}
		routeDropped[0] += c.droppedByRoute[w][0]
		routeDropped[1] += c.droppedByRoute[w][1]
	}
	if s.Total != allSent || s.Dropped != allDropped || s.InFlight != 0 {
		t.Fatalf("total %d dropped %d in flight %d, want %d, %d, 0", s.Total, s.Dropped, s.InFlight, allSent, allDropped)
	}
	if s.Endpoints[0].Dropped != routeDropped[0] || s.Endpoints[1].Dropped != routeDropped[1] {
		t.Errorf("dropped by route %d, %d, want %d, %d", s.Endpoints[0].Dropped, s.Endpoints[1].Dropped, routeDropped[0], routeDropped[1])
	}
	if len(s.Series) != psSeconds {
		t.Fatalf("%d points, want %d", len(s.Series), psSeconds)
	}
	var seriesSent, seriesDropped int64
	for sec, p := range s.Series {
		var wantSent, wantDropped int64
		for w := range psWorkers {
			wantSent += c.sent[w][sec]
			wantDropped += c.dropped[w][sec]
		}
		if p.Second != int64(sec) || p.Success != wantSent || p.Dropped != wantDropped {
			t.Errorf("point %+v, want second %d with %d completed and %d dropped", p, sec, wantSent, wantDropped)
		}
		seriesSent += p.Success
		seriesDropped += p.Dropped
	}
	if seriesSent != allSent || seriesDropped != allDropped {
		t.Errorf("series adds up to %d completed and %d dropped, want %d and %d", seriesSent, seriesDropped, allSent, allDropped)
	}
}

// TestLateEventKeepsNewerSecond: an event stamped with a second whose slot
// a newer second has since taken over (16 seconds later) must not wipe the
// newer second's counts; it still counts in the run's totals.
func TestLateEventKeepsNewerSecond(t *testing.T) {
	r := New()
	start := r.Start()
	id := r.Register("GET", "GET /a")
	sec20 := start.Add(20*time.Second + 100*time.Millisecond)
	for range 3 {
		r.Sent(sec20)
	}
	r.Dropped(id, sec20)
	r.Dropped(id, sec20)
	r.Target(sec20, 50)
	late := start.Add(4*time.Second + 900*time.Millisecond) // same slot as second 20
	r.Sent(late)
	r.Dropped(id, late)
	r.Target(late, 1000)
	s := r.Snapshot(start.Add(21*time.Second + time.Millisecond))
	p := s.Series[len(s.Series)-1]
	if p.Second != 20 || p.Dropped != 2 || p.Target != 50 || s.Run.AchievedRPS != 3 {
		t.Errorf("second 20: %+v, sent %v; want 2 dropped, target 50, 3 sent", p, s.Run.AchievedRPS)
	}
	if s.Dropped != 3 || s.InFlight != 4 {
		t.Errorf("run totals: dropped %d in flight %d, want 3 and 4 (the late ones count)", s.Dropped, s.InFlight)
	}
}

// TestLateEventsRaceWithANewerSecond: workers count events of second 20
// and late events of second 4, which share a slot, all at once, so that
// the slot is taken over, and late events are taken back, while others
// count in it. Second 20 must end up with exactly its own events.
func TestLateEventsRaceWithANewerSecond(t *testing.T) {
	const workers, each = 4, 200
	for round := range 50 {
		r := New()
		start := r.Start()
		id := r.Register("GET", "GET /a")
		onTime := start.Add(20*time.Second + 500*time.Millisecond)
		late := start.Add(4*time.Second + 500*time.Millisecond)
		var sent, dropped [workers]int64
		var wg sync.WaitGroup
		begin := make(chan struct{})
		for w := range workers {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(round), uint64(w)))
				<-begin
				for range each {
					switch rng.IntN(4) {
					case 0:
						r.Sent(onTime)
						sent[w]++
					case 1:
						r.Dropped(id, onTime)
						dropped[w]++
					case 2:
						r.Sent(late)
					default:
						r.Dropped(id, late)
					}
				}
			})
		}
		close(begin)
		wg.Wait()
		var wantSent, wantDropped int64
		for w := range workers {
			wantSent += sent[w]
			wantDropped += dropped[w]
		}
		s := r.Snapshot(start.Add(21*time.Second + time.Millisecond))
		p := s.Series[len(s.Series)-1]
		if p.Second != 20 || p.Dropped != wantDropped || s.Run.AchievedRPS != float64(wantSent) {
			t.Fatalf("round %d: second %d has %d dropped and %v sent, want %d and %d",
				round, p.Second, p.Dropped, s.Run.AchievedRPS, wantDropped, wantSent)
		}
		if s.Dropped != workers*each-s.InFlight {
			t.Fatalf("round %d: run total dropped %d, in flight %d: want every event counted once", round, s.Dropped, s.InFlight)
		}
	}
}

// TestTargetIsTheMeanOfTheSecondsSamples checks Point.Target.
func TestTargetIsTheMeanOfTheSecondsSamples(t *testing.T) {
	r := New()
	start := r.Start()
	r.Target(start.Add(100*time.Millisecond), 10)
	r.Target(start.Add(600*time.Millisecond), 30)
	r.Target(start.Add(1100*time.Millisecond), 100)
	s := r.Snapshot(start.Add(2 * time.Second))
	if len(s.Series) != 2 || s.Series[0].Target != 20 || s.Series[1].Target != 100 {
		t.Fatalf("series %+v, want targets 20 then 100", s.Series)
	}
}
