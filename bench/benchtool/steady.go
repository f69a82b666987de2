package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"runtime"
	"slices"
	"time"
)

// steady measures how steady the machine is, for the table's header. For
// each second it times, in alternate slices on one core, round trips
// through the kernel to a thread on the peer core (pinger: what a
// loopback request and its response cost, without TCP) and a computation
// that stays in the L1 cache (SHA-256 of 4 KiB). On a shared virtual
// machine the round trips can swing by a third or more between seconds
// while the computation holds within a few per cent; the generators spend
// most of their time in the kernel, and their throughput swings with it.
func steady(args []string) error {
	fs := flag.NewFlagSet("steady", flag.ContinueOnError)
	dur := fs.Duration("d", 10*time.Second, "how long to measure")
	core := fs.Int("core", 0, "the core the measuring thread runs on")
	peer := fs.Int("peer", 1, "the core the round trips' echo thread runs on")
	verbose := fs.Bool("v", false, "also print each second's rates")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *core == *peer {
		return fmt.Errorf("-core and -peer are both %d: the round trips must cross cores", *core)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := pinThread(*core); err != nil {
		return err
	}
	p, err := newPinger(*peer)
	if err != nil {
		return err
	}
	defer p.close()
	secs := max(1, int(dur.Seconds()))
	trips, comp := make([]float64, secs), make([]float64, secs)
	var buf [4096]byte
	const slice = 50 * time.Millisecond
	for i := range secs {
		var tripN, compN int
		var tripT, compT time.Duration
		for end := time.Now().Add(time.Second); time.Now().Before(end); {
			t0 := time.Now()
			for time.Since(t0) < slice {
				if err := p.roundTrips(64); err != nil {
					return err
				}
				tripN += 64
			}
			t1 := time.Now()
			for time.Since(t1) < slice {
				for range 16 {
					s := sha256.Sum256(buf[:])
					buf[0] = s[0]
				}
				compN += 16
			}
			tripT += t1.Sub(t0)
			compT += time.Since(t1)
		}
		trips[i] = float64(tripN) / tripT.Seconds()
		comp[i] = float64(compN) / compT.Seconds()
		if *verbose {
			fmt.Printf("s%d: %.1f k round trips/s, %.0f k SHA-256/s\n", i, trips[i]/1e3, comp[i]/1e3)
		}
	}
	fmt.Printf("over %d s: round trips from core %d to core %d %s; computation %s\n",
		secs, *core, *peer, spread(trips, 1e3, "k/s"), spread(comp, 1e3, "k SHA-256/s"))
	return nil
}

// spread describes a per-second series: its median, the range as
// multiples of the median, and how many seconds lie more than 7 % below
// it (a generator at 93 % of the median, as the open loop at 90 % of a
// closed loop's, has no room left in such a second).
func spread(xs []float64, unit float64, name string) string {
	s := slices.Clone(xs)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	if !(med > 0) {
		return "not measured"
	}
	slow := 0
	for _, x := range s {
		if x < 0.93*med {
			slow++
		}
	}
	return fmt.Sprintf("median %.4g %s, %.2f–%.2f× it, %d of %d seconds below 0.93×",
		med/unit, name, s[0]/med, s[len(s)-1]/med, slow, len(s))
}
