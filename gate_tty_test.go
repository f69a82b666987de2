//go:build linux

package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// failing is p99<50ms failing on screen, with its figure.
var failing = regexp.MustCompile(`✗ p99<50ms [0-9.]+(ms|s)`)

// TestDashboardThresholdFailing: on a terminal, the dashboard shows a
// failing threshold with its figure while the run goes on; --abort-on-fail
// ends the run and leaves the dashboard up, finished; q then prints the
// summary with the verdict and exits 3.
func TestDashboardThresholdFailing(t *testing.T) {
	t.Parallel()
	p := openPTY(t)
	srv := newCounter(t, slowHandler(100*time.Millisecond))
	report := filepath.Join(t.TempDir(), "report.json")
	pr := startOnPTY(t, p, "-r", "100", "-z", "60s", "--threshold", "p99<50ms", "--threshold", "errors<1%",
		"--abort-on-fail", "--report", report, srv.URL+"/slow")
	dashboardUp(t, p, pr)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		o := ansi.Strip(p.out.String())
		if failing.MatchString(o) && strings.Contains(o, "finished") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no failing threshold and finished dashboard after 20 s; the server saw %d:\n%s", srv.n.Load(), ansi.Strip(p.tail(4000)))
		}
	}
	if o := ansi.Strip(p.out.String()); !strings.Contains(o, "✓ errors<1% 0.00%") {
		t.Errorf("no passing errors<1%% on screen:\n%s", p.tail(3000))
	}
	select {
	case <-pr.done:
		t.Fatal("the dashboard left when the run was aborted")
	default:
	}
	p.master.Write([]byte("q"))
	if code := pr.wait(t, 15*time.Second); code != exitThreshold {
		t.Fatalf("exit %d, want %d", code, exitThreshold)
	}
	until(t, 5*time.Second, "the summary", func() bool {
		return strings.Contains(p.out.String(), "Thresholds: 1 of 2 failed")
	})
	if rep := readReport(t, report); !strings.HasPrefix(rep.Aborted, "Aborted at ") || rep.Total != srv.n.Load() {
		t.Errorf("report: aborted %q, total %d; the server saw %d", rep.Aborted, rep.Total, srv.n.Load())
	}
}
