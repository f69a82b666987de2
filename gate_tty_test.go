//go:build linux

package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

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
	until(t, 20*time.Second, "the failing threshold, then the finished dashboard", func() bool {
		o := ansi.Strip(p.out.String())
		return strings.Contains(o, "✗ p99<50ms 10") && strings.Contains(o, "finished")
	})
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
