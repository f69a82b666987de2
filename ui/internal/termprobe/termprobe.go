// Package termprobe keeps start-up from waiting on a terminal that never
// answers colour queries.
//
// Bubble Tea v1 asks the terminal for its background colour in its package
// init (tea_init.go calls lipgloss.HasDarkBackground), before main runs, and
// termenv waits up to termenv.OSCTimeout (5 s) for the answer. A terminal
// that answers neither the OSC 11 query nor the cursor position report sent
// after it cost every trafficgen command, the dashboard included, those
// five seconds of a blank wait.
//
// This package's init runs before termenv's, lipgloss's and Bubble Tea's: Go
// initialises, in import-path order, the first package whose imports are all
// initialised, and this one imports only the standard library and x/sys, so
// it is ready long before termenv is. It asks the same questions termenv
// would, under the same conditions, but waits at most Budget. When the
// terminal stays silent it sets TERM to "dumb", the value termenv takes as
// "do not query", until Restore puts it back; the ui package calls Restore
// from its own init, which Go runs after Bubble Tea's. termenv then falls
// back as it would have after its timeout: COLORFGBG, else a dark
// background.
//
// A terminal that answers, or one termenv would not ask (not a terminal, in
// the background, screen, tmux, TERM=dumb, CI set), is left alone.
package termprobe

import (
	"os"
	"strings"
	"time"
)

// Budget is the longest start-up waits for a terminal's answer.
const Budget = 300 * time.Millisecond

// Result is what the probe found.
type Result int

const (
	// NotAsked: termenv would not query this output either.
	NotAsked Result = iota
	// Answered: the terminal replied (termenv's own query will be quick).
	Answered
	// Silent: nothing came back within Budget.
	Silent
)

func (r Result) String() string {
	switch r {
	case Answered:
		return "answered"
	case Silent:
		return "silent"
	}
	return "not asked"
}

// query is what termenv sends: the background colour (OSC 11), then a
// cursor position report, which every terminal that answers anything
// answers, and after the OSC reply.
const query = "\x1b]11;?\x1b\\\x1b[6n"

var (
	found Result
	// colour says the terminal answered the background-colour query
	// itself, not only the cursor report after it
	colour bool
	// hidden holds TERM as it was while init has it set to "dumb".
	hidden struct {
		active, had bool
		term        string
	}
)

func init() {
	found, colour = probeStdout(Budget)
	if found != Silent {
		return
	}
	hidden.term, hidden.had = os.LookupEnv("TERM")
	hidden.active = true
	os.Setenv("TERM", "dumb")
}

// Found reports what the probe at start-up found.
func Found() Result { return found }

// BackgroundAnswered reports whether the terminal answered the
// background-colour query at start-up, so that termenv's own query learns
// the real background rather than falling back to a guess. Some terminals
// (tmux 3.3, for one) answer the cursor report and not the colour.
func BackgroundAnswered() bool { return colour }

// Restore puts TERM back if init hid it, and reports whether it did. Call it
// once Bubble Tea's init has run (from an init of a package that imports
// Bubble Tea); anything that read TERM before (termenv's default output does,
// for its colour profile) must read it again.
func Restore() bool {
	if !hidden.active {
		return false
	}
	hidden.active = false
	if hidden.had {
		os.Setenv("TERM", hidden.term)
	} else {
		os.Unsetenv("TERM")
	}
	return true
}

// wouldQuery reports whether termenv would query a terminal with this
// environment (termenv_unix.go, termStatusReport and isTTY).
func wouldQuery(getenv func(string) string) bool {
	if getenv("CI") != "" {
		return false
	}
	term := getenv("TERM")
	return !strings.HasPrefix(term, "screen") && !strings.HasPrefix(term, "tmux") && !strings.HasPrefix(term, "dumb")
}
