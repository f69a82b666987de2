//go:build race

package loadgen

// raceEnabled: the race detector slows the engine about tenfold.
const raceEnabled = true
