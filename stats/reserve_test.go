package stats

import (
	"maps"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// TestReserve: a reserved histogram is empty, has the width asked for, and
// takes n distinct buckets at that width without growing.
func TestReserve(t *testing.T) {
	for _, width := range []int{1, 2, 4, 8} {
		for _, n := range []int{1, 864, 4096, 8192} {
			h := reserve(newSlotHist(), n, width)
			if h.TotalCount() != 0 || h.Populated() != 0 || h.CountWidth() != width {
				t.Fatalf("reserve(%d, %d): count %d, %d buckets, width %d; want an empty histogram of width %d",
					n, width, h.TotalCount(), h.Populated(), h.CountWidth(), width)
			}
			size := h.GetMemorySize()
			// n distinct buckets from 500 µs up (not where reserve put
			// its own), the first with the largest count the width holds.
			v := int64(500)
			for range n {
				if err := h.RecordValue(v); err != nil {
					t.Fatal(err)
				}
				v += max(1, v>>10)
			}
			most := int64(math.MaxInt64 - n)
			if width < 8 {
				most = 1<<(8*width) - 1
			}
			h.RecordValues(500, most-1)
			if int(h.Populated()) != n || h.CountWidth() != width || h.GetMemorySize() != size {
				t.Errorf("reserve(%d, %d), then %d buckets: width %d, %d bytes; want width %d, %d bytes",
					n, width, h.Populated(), h.CountWidth(), h.GetMemorySize(), width, size)
			}
		}
	}
	// Below 2,048 µs every microsecond is a bucket of its own (the
	// geometry comment and reserve rely on it).
	h := newSlotHist()
	for v := range int64(2048) {
		h.RecordValue(v)
	}
	if h.Populated() != 2048 {
		t.Errorf("0–2047 µs fill %d buckets, want 2048", h.Populated())
	}
}

// TestRecordingDoesNotGrowHistograms: once a Recorder and its routes
// exist, recording a run's spread of latencies allocates nothing, and
// neither Snapshot's merges nor the per-second ring make any histogram
// grow. Each second, each of three routes records 600 results, spread
// like the demo API's (lognormal, medians 0.8, 2.4 and 7.2 ms), and one
// latency 200 times, near the most a 1-byte count holds.
func TestRecordingDoesNotGrowHistograms(t *testing.T) {
	r := New()
	start := r.Start()
	ids := []int{r.Register("GET", "GET /a"), r.Register("GET", "GET /b"), r.Register("POST", "POST /c")}
	r.Reset(start) // as a run starts: the routes get their reserve
	size := histSizes(r)
	rng := rand.New(rand.NewPCG(1, 2))
	sec := 0
	second := func() {
		end := start.Add(time.Duration(sec)*time.Second + 500*time.Millisecond)
		for i, id := range ids {
			for range 600 {
				us := math.Exp(math.Log(800*math.Pow(3, float64(i))) + 0.5*rng.NormFloat64())
				r.Sent(end)
				r.Record(Result{Route: id, Code: 200, Latency: time.Duration(us * float64(time.Microsecond)), End: end})
			}
			// A different bucket each second and route, so that no merge
			// adds two of these counts together.
			hot := time.Duration(1000+100*i+sec) * time.Microsecond
			for range 200 {
				r.RecordUnsent(Result{Route: id, Code: 200, Latency: hot, End: end})
			}
		}
		sec++
	}
	// 21 seconds: every slot of the ring is used, some twice. (Counted
	// over all of them: AllocsPerRun rounds its average down.)
	second() // warm up, as AllocsPerRun does
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 20 {
		second()
	}
	runtime.ReadMemStats(&after)
	if n := after.Mallocs - before.Mallocs; n != 0 {
		t.Errorf("recording 20 seconds of results: %d allocations, want 0", n)
	}
	// 20 more seconds, with a snapshot every 250 ms.
	for range 20 {
		for q := range 4 {
			r.Snapshot(start.Add(time.Duration(sec)*time.Second + time.Duration(q)*250*time.Millisecond))
		}
		second()
	}
	r.Snapshot(start.Add(time.Duration(sec) * time.Second))
	now := histSizes(r)
	for _, name := range slices.Sorted(maps.Keys(now)) {
		if now[name] != size[name] {
			t.Errorf("%s: %d bytes after %d s, %d when made", name, now[name], sec, size[name])
		}
	}
	// The test means something only if the histograms filled a good part
	// of what they reserve.
	var long, slot int32
	for _, e := range *r.st.Load().eps.Load() {
		long = max(long, e.hist.Populated())
		for i := range e.slots {
			slot = max(slot, e.slots[i].hist.Populated())
		}
	}
	if long < reserveTotal*3/4 || long > reserveTotal {
		t.Errorf("the fullest run-long histogram has %d buckets, want %d–%d", long, reserveTotal*3/4, reserveTotal)
	}
	if slot < reserveSlot/2 || slot > reserveSlot {
		t.Errorf("the fullest second has %d buckets, want %d–%d", slot, reserveSlot/2, reserveSlot)
	}
	if p := r.scratchTotal.Populated(); p < reserveMerged/2 || p > reserveMerged {
		t.Errorf("the merged run-long histogram has %d buckets, want %d–%d", p, reserveMerged/2, reserveMerged)
	}
}

// histSizes returns the memory every histogram of r holds, by name.
func histSizes(r *Recorder) map[string]int {
	m := map[string]int{
		"scratchTotal": r.scratchTotal.GetMemorySize(),
		"scratchSlot":  r.scratchSlot.GetMemorySize(),
		"scratchAll":   r.scratchAll.GetMemorySize(),
	}
	s := r.st.Load()
	m["journeys"] = s.journeys.dur.GetMemorySize()
	for _, e := range *s.eps.Load() {
		e.mu.Lock()
		hs := map[string]*hdr.PackedHistogram{"run-long": e.hist, "recent": e.recent}
		for i := range e.slots {
			hs["slot "+strconv.Itoa(i)] = e.slots[i].hist
		}
		for k, h := range hs {
			m[e.rt.name+" "+k] = h.GetMemorySize()
		}
		e.mu.Unlock()
	}
	return m
}

// TestReserveSharedByRoutes: the routes' reserves together stay within
// routeReserve however many routes a scenario has, and the soak's 11
// routes each get the whole one.
func TestReserveSharedByRoutes(t *testing.T) {
	full := templateSet(0).bytes
	for _, n := range []int{1, 11, 50, 200, 1000} {
		r := New()
		for i := range n {
			r.Register("GET", "GET /r"+strconv.Itoa(i))
		}
		r.Reset(r.Start())
		held := 0
		for name, b := range histSizes(r) {
			if strings.HasPrefix(name, "GET /r") {
				held += b
			}
		}
		if held > max(routeReserve, n*2*newSlotHist().GetMemorySize()*int(histSlots)) {
			t.Errorf("%d routes hold %d bytes of histograms, want at most %d", n, held, routeReserve)
		}
		if n <= 11 && held < n*full {
			t.Errorf("%d routes hold %d bytes of histograms, want their whole reserve, %d", n, held, n*full)
		}
	}
}
