package main

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// The header line's figures: median, range as multiples of it, and the
// seconds more than 7 % below it.
func TestSpread(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want string
	}{
		{[]float64{100, 50, 90, 110, 100}, "median 100 k/s, 0.50–1.10× it, 2 of 5 seconds below 0.93×"},
		{[]float64{40, 20}, "median 30 k/s, 0.67–1.33× it, 1 of 2 seconds below 0.93×"},
		{[]float64{93, 100, 100}, "median 100 k/s, 0.93–1.00× it, 0 of 3 seconds below 0.93×"},
		{[]float64{0, 0, 1}, "not measured"},
	} {
		if got := spread(c.xs, 1, "k/s"); got != c.want {
			t.Errorf("spread(%v) = %q, want %q", c.xs, got, c.want)
		}
	}
}

// The round trips reach the echo thread and come back, and closing the
// pinger ends that thread's goroutine.
func TestPinger(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("cross-core round trips are Linux only")
	}
	defer goleak.VerifyNone(t)
	p, err := newPinger(runtime.NumCPU() - 1)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.roundTrips(1000) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("1,000 round trips did not come back in 10 s")
	}
	p.close()
}

// A peer core that does not exist is an error, not a hang.
func TestPingerBadCore(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("cross-core round trips are Linux only")
	}
	defer goleak.VerifyNone(t)
	if _, err := newPinger(100000); err == nil || !strings.Contains(err.Error(), "core 100000") {
		t.Fatalf("newPinger(100000) = %v, want an error naming the core", err)
	}
}
