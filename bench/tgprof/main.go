// Command tgprof runs the trafficgen engine headless against one URL,
// as `trafficgen --no-tui` does, and writes pprof CPU and allocation
// profiles.
//
//	go run ./bench/tgprof -c 50 -d 10s -cpu cpu.out -mem mem.out http://127.0.0.1:8080/x.json
//	go run ./bench/tgprof -rps 20000 -d 10s -cpu cpu.out http://127.0.0.1:8080/x.json
//
// Pin it as the harness does: taskset -c 0.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/trafficgen/trafficgen/loadgen"
	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/scenario"
)

func main() {
	conc := flag.Int("c", 0, "closed loop: this many workers (max-throughput mode)")
	rps := flag.Float64("rps", 0, "open loop: this rate (steady mode)")
	dur := flag.Duration("d", 10*time.Second, "run length")
	client := flag.String("client", "", "HTTP client: h1 or nethttp (default: loadgen.DefaultClient())")
	cpu := flag.String("cpu", "", "write a CPU profile here")
	mem := flag.String("mem", "", "write an allocation profile here")
	inflight := flag.Int("inflight", 0, "open loop: the in-flight cap (default: the engine's)")
	verbose := flag.Bool("v", false, "print the goroutine count each second (the open-model pool's size, roughly)")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: tgprof [-c N | -rps R] [-d D] [-cpu F] [-mem F] URL...")
		os.Exit(2)
	}
	scn, err := scenario.FromAdHoc(scenario.AdHoc{URLs: flag.Args()})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	cfg := loadgen.Config{
		Target: flag.Arg(0), Mode: plan.ModeSteady, RPS: *rps, Duration: *dur, DurationSet: true,
		UsersSet: true, Scenario: scn, MaxInFlight: *inflight, HTTPClient: *client,
	}
	if *conc > 0 {
		cfg.Mode, cfg.Concurrency = plan.ModeMax, *conc
	}
	eng, err := loadgen.New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if *mem != "" {
		runtime.MemProfileRate = 4096
	}
	if *cpu != "" {
		f, err := os.Create(*cpu)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
	}
	go func() {
		for range eng.Snapshots() { // a reader, as the headless printer is
		}
	}()
	if *verbose {
		go func() {
			for range time.Tick(time.Second) {
				fmt.Fprintf(os.Stderr, "goroutines %d\n", runtime.NumGoroutine())
			}
		}()
	}
	start := time.Now()
	eng.Run(context.Background())
	el := time.Since(start)
	if *cpu != "" {
		pprof.StopCPUProfile()
	}
	if *mem != "" {
		f, err := os.Create(*mem)
		if err == nil {
			pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
	}
	s := eng.Final()
	if os.Getenv("TGPROF_SERIES") != "" {
		for _, p := range s.Series {
			fmt.Printf("  s%d: ok %d dropped %d p50 %v p99 %v\n", p.Second, p.Success, p.Dropped, p.P50, p.P99)
		}
	}
	fmt.Printf("total %d (%.0f req/s), errors %d, dropped %d, p50 %v p99 %v\n",
		s.Total, float64(s.Total)/el.Seconds(), s.Errors, s.Dropped, s.Latency.P50, s.Latency.P99)
}
