//go:build linux

package main

// The presenter's dashboard on a real (pseudo) terminal: keys that arrive
// in one read each count, and the dashboard stays when the run is over
// until q, which leaves the summary's headline on the screen.

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// TestDashboardKeysInOneWrite: "+++" written to the terminal at once (a
// paste, a macro key, a slow link) raises the rate three times.
func TestDashboardKeysInOneWrite(t *testing.T) {
	t.Parallel()
	p := openPTY(t)
	srv := newCounter(t, nil)
	report := filepath.Join(t.TempDir(), "report.json")
	pr := startOnPTY(t, p, "--mode", "steady", "-r", "20", "-t", "0", "--timeout", "2s", "-u", srv.URL, "--report", report)
	dashboardUp(t, p, pr)
	if _, err := p.master.Write([]byte("+++")); err != nil {
		t.Fatal(err)
	}
	// 20 × 1.1³ = 26.6 req/s.
	until(t, 15*time.Second, "the target raised three times", func() bool {
		return strings.Contains(ansi.Strip(p.out.String()), "/ 27 target")
	})
	p.master.Write([]byte("q"))
	if code := pr.wait(t, 15*time.Second); code != exitOK {
		t.Fatalf("exit %d after q", code)
	}
	var rates []string
	for _, e := range readReport(t, report).Events {
		if e.Kind == "rate" {
			rates = append(rates, e.Text)
		}
	}
	want := []string{"base rate: 22.0 req/s", "base rate: 24.2 req/s", "base rate: 26.6 req/s"}
	if !slices.Equal(rates, want) {
		t.Errorf("rate changes %q, want %q", rates, want)
	}
}

// TestDashboardStaysWhenFinished: with --embedded and a short duration the
// dashboard outlives the run, in its finished state; q then exits 0 and the
// summary's headline is on the last screen of a 120×36 terminal.
func TestDashboardStaysWhenFinished(t *testing.T) {
	t.Parallel()
	p := openPTY(t)
	pr := startOnPTY(t, p, "--embedded", "-t", "2", "--timeout", "1s")
	dashboardUp(t, p, pr)
	until(t, 20*time.Second, "the finished state", func() bool {
		return strings.Contains(ansi.Strip(p.out.String()), "finished — r to run again, q to quit")
	})
	time.Sleep(300 * time.Millisecond)
	select {
	case <-pr.done:
		t.Fatalf("the dashboard left on its own after the run:\n%s", p.tail(2000))
	default:
	}
	p.master.Write([]byte("q"))
	if code := pr.wait(t, 15*time.Second); code != exitOK {
		t.Fatalf("exit %d after q", code)
	}
	time.Sleep(100 * time.Millisecond) // the last output through the pty
	out := p.out.String()
	i := strings.LastIndex(out, altScreenOff)
	if i < 0 {
		t.Fatalf("the dashboard never left the alternate screen:\n%q", p.tail(2000))
	}
	lines := strings.Split(strings.TrimRight(ansi.Strip(out[i+len(altScreenOff):]), "\r\n"), "\n")
	screen := strings.Join(lines[max(len(lines)-36, 0):], "\n")
	for _, want := range []string{"Final Statistics", "Total Requests:", "Successful:", "Errors:", "Average RPS:", "Latency: p50"} {
		if !strings.Contains(screen, want) {
			t.Errorf("%q is not on the last screen:\n%s", want, screen)
		}
	}
}
