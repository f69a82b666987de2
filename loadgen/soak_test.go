package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/demoapi"
	"github.com/trafficgen/trafficgen/plan"
)

// TestSoak runs 5,000 req/s (realistic mode, with journeys) against the
// demo API over loopback for 60 s, and checks that the heap and the
// goroutine count at the end are within 10% of those at 10 s. It is not a
// CI test: run it with
//
//	TRAFFICGEN_SOAK=60s go test -run TestSoak -v ./loadgen/
//
// (the value is the length; TRAFFICGEN_SOAK_PROFILES=dir also writes a
// heap profile at each sample). The demo API runs in a child process, so that the
// heap and goroutines measured are the generator's alone (the API's
// record stores fill up to their cap over the first minute).
func TestSoak(t *testing.T) {
	if os.Getenv("TRAFFICGEN_SOAK_SERVER") != "" {
		soakServer(t)
		return
	}
	length, err := time.ParseDuration(os.Getenv("TRAFFICGEN_SOAK"))
	if err != nil || length < 20*time.Second {
		t.Skip("set TRAFFICGEN_SOAK=60s to run the soak test")
	}
	if os.Getenv("TRAFFICGEN_SOAK_PROFILES") != "" {
		runtime.MemProfileRate = 4096
	}
	rate := 5000.0
	if s := os.Getenv("TRAFFICGEN_SOAK_RPS"); s != "" {
		if rate, err = strconv.ParseFloat(s, 64); err != nil {
			t.Fatal(err)
		}
	}
	target := startSoakServer(t, length+30*time.Second)
	e, err := New(Config{Target: target, Mode: plan.ModeRealistic, RPS: rate, Duration: length, Users: 50, UsersSet: true})
	if err != nil {
		t.Fatal(err)
	}
	type sample struct {
		at         time.Duration
		heap       uint64
		goroutines int
		total      int64
		dropped    int64
	}
	var samples []sample
	done := make(chan struct{})
	go func() {
		defer close(done)
		next := 10 * time.Second
		var peak int64
		for s := range e.Snapshots() {
			peak = max(peak, s.InFlight)
			if s.Run.Done || s.Elapsed < next {
				continue
			}
			runtime.GC()
			if dir := os.Getenv("TRAFFICGEN_SOAK_PROFILES"); dir != "" {
				writeHeapProfile(t, filepath.Join(dir, fmt.Sprintf("heap-%02.0fs.pprof", s.Elapsed.Seconds())))
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			sm := sample{s.Elapsed, ms.HeapAlloc, runtime.NumGoroutine(), s.Total, s.Dropped}
			samples = append(samples, sm)
			t.Logf("%5.1fs heap %6.1f MB goroutines %4d total %8d dropped %d rps %.0f in flight ≤ %d",
				sm.at.Seconds(), float64(sm.heap)/(1<<20), sm.goroutines, sm.total, sm.dropped, s.CurrentRPS, peak)
			switch {
			case next == length-time.Second:
				next = 2 * length // done
			case next+10*time.Second >= length:
				next = length - time.Second // the last sample just before the end
			default:
				next += 10 * time.Second
			}
		}
	}()
	e.Run(context.Background())
	<-done
	if len(samples) < 2 {
		t.Fatalf("%d samples", len(samples))
	}
	first, last := samples[0], samples[len(samples)-1]
	within := func(a, b float64) bool { return b <= a*1.1 && b >= a*0.9 }
	if !within(float64(first.heap), float64(last.heap)) {
		t.Errorf("heap %d → %d bytes: more than 10%% apart", first.heap, last.heap)
	}
	if !within(float64(first.goroutines), float64(last.goroutines)) {
		t.Errorf("goroutines %d → %d: more than 10%% apart", first.goroutines, last.goroutines)
	}
	s := e.Final()
	t.Logf("final: total %d, ok %d, errors %d, dropped %d, average %.0f req/s, p99 %v",
		s.Total, s.Success, s.Errors, s.Dropped, s.AverageRPS, s.Latency.P99)
}

// writeHeapProfile writes the heap profile to path (for finding what the
// heap holds at a sample: go tool pprof -sample_index=inuse_space).
func writeHeapProfile(t *testing.T, path string) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		t.Fatal(err)
	}
}

// startSoakServer runs the demo API (latency scale 0.1) in a child process
// for at most life, and returns its URL; the child ends with the test.
func startSoakServer(t *testing.T, life time.Duration) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), life)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run", "^TestSoak$")
	cmd.Env = append(os.Environ(), "TRAFFICGEN_SOAK_SERVER=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("soak server: %v", err)
	}
	return strings.TrimSpace(line)
}

// soakServer is the child: it serves the demo API on a free loopback port,
// prints its URL, and runs until killed.
func soakServer(t *testing.T) {
	emb, err := demoapi.StartEmbedded(demoapi.Options{LatencyScale: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	fmt.Println(emb.URL)
	select {}
}
