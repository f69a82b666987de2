package plan

import (
	"fmt"
	"strings"
)

// Mode names a rate plan.
type Mode int

// The load modes. ModeMax is the closed-loop max-throughput mode (RPS=0 with
// a concurrency); the others are open-model rate plans. ModeKnee is the
// knee finder (knee.go), whose steps follow its verdicts.
const (
	ModeSteady Mode = iota
	ModeRampUp
	ModeSpike
	ModeRealistic
	ModeDemo
	ModeMax
	ModeKnee
)

var modeNames = [...]string{"steady", "ramp-up", "spike", "realistic", "demo", "max", "knee"}

// Modes lists the open-model modes in key order (1–5 on the dashboard).
var Modes = []Mode{ModeSteady, ModeRampUp, ModeSpike, ModeRealistic, ModeDemo}

// String returns the mode's name as MODE spells it.
func (m Mode) String() string {
	if m >= 0 && int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// ParseMode reads a mode name (case-insensitive; "rampup" and "ramp_up" are
// accepted for ramp-up).
func ParseMode(s string) (Mode, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	n = strings.NewReplacer("_", "-").Replace(n)
	if n == "rampup" {
		n = "ramp-up"
	}
	for i, name := range modeNames {
		if n == name && Mode(i) != ModeMax {
			return Mode(i), nil
		}
	}
	return 0, fmt.Errorf("unknown mode %q (want steady, ramp-up, spike, realistic, demo or knee)", s)
}
