//go:build race

package stats

// raceEnabled: the race detector slows recording about tenfold.
const raceEnabled = true
