//go:build linux

package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestStartupSilentTerminal runs trafficgen on a pseudo terminal that
// answers nothing: not the background-colour query (OSC 11), not the cursor
// position report. termenv would wait 5 s for them, in Bubble Tea's package
// init, before main; the dashboard's first frame must come well before that,
// in colour (TERM is back when the profile is read), and the terminal must
// end as it began.
//
// Not parallel: the other process tests would eat into its time budget.
func TestStartupSilentTerminal(t *testing.T) {
	p := openPTY(t, silent)
	p.resize(t, 40, 120)
	orig := p.termios(t)
	srv := newCounter(t, nil)
	binary(t) // built before the clock starts
	start := time.Now()
	pr := startOnPTY(t, p, "--mode", "steady", "-r", "5", "-t", "30s", "--timeout", "1s", srv.URL+"/x")

	// The first frame: the alternate screen and the header. 3 s leaves
	// room for a loaded machine and is still well under termenv's 5 s.
	const firstFrame = 3 * time.Second
	for o := p.out.String(); !strings.Contains(o, altScreenOn) || !strings.Contains(o, "TRAFFICGEN"); o = p.out.String() {
		if time.Since(start) > firstFrame {
			t.Fatalf("no first frame %v after start on a silent terminal; output so far:\n%q", firstFrame, p.tail(2000))
		}
		select {
		case <-pr.done:
			t.Fatalf("exited before the first frame (%v):\n%q", pr.err, p.tail(2000))
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Logf("first frame after %v", time.Since(start))
	if !strings.Contains(p.out.String(), "\x1b]11;?") {
		t.Error("the terminal was never asked for its background colour: this did not test the silent path")
	}
	// Colour in the panes (lipgloss) and in the progress bar (bubbles,
	// through termenv), which comes with the first snapshot: the colour
	// profile was read after TERM came back.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(p.out.String(), "░") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(p.out.String(), "\x1b[38;5;") {
		t.Errorf("no 256-colour codes on an xterm-256color terminal:\n%q", p.tail(2000))
	}
	if !regexp.MustCompile(`\x1b\[38;5;\d+m░`).MatchString(p.out.String()) {
		t.Errorf("the progress bar has no colour:\n%q", p.tail(2000))
	}

	p.master.Write([]byte("q"))
	if code := pr.wait(t, 15*time.Second); code != exitOK {
		t.Errorf("exit %d after q:\n%q", code, p.tail(2000))
	}
	if after := p.termios(t); !sameMode(orig, after) {
		t.Errorf("terminal mode not restored: lflag %#x → %#x", orig.Lflag, after.Lflag)
	}
}
