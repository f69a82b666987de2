// Command demostory runs the demo against the embedded demo API, headless,
// and reads its report: the spike phase must tell a latency story, its p99
// at least three times the steady phase's. A phase's p99 is the median of
// the per-second p99s of the seconds wholly inside it (seconds are the
// seconds the responses arrived in).
//
//	go run ./scripts/demostory -bin ./trafficgen [-duration 60]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/trafficgen/trafficgen/stats"
)

func main() {
	bin := flag.String("bin", "trafficgen", "the trafficgen binary")
	duration := flag.Int("duration", 60, "the demo's length in seconds (its phases scale to it)")
	flag.Parse()
	if err := run(*bin, *duration); err != nil {
		fmt.Fprintln(os.Stderr, "demostory:", err)
		os.Exit(1)
	}
}

func run(bin string, duration int) error {
	dir, err := os.MkdirTemp("", "demostory")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	report := filepath.Join(dir, "report.json")
	cmd := exec.Command(bin, "--embedded", "--mode", "demo", "-t", fmt.Sprint(duration), "--no-tui", "--report", report)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	f, err := os.Open(report)
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := stats.ReadReport(f)
	if err != nil {
		return err
	}
	starts := map[string]time.Duration{}
	var names []string
	for _, e := range rep.Events {
		if e.Kind == "phase" {
			name := e.Text[strings.IndexByte(e.Text, ' ')+1:]
			starts[name] = time.Duration(e.ElapsedMs * float64(time.Millisecond))
			names = append(names, name)
		}
	}
	if len(names) != 4 {
		return fmt.Errorf("phase events %q, want the demo's four", names)
	}
	end := time.Duration(rep.ElapsedMs * float64(time.Millisecond))
	fmt.Printf("demo, %d s, against the embedded demo API at its default capacity\n", duration)
	p99 := map[string]time.Duration{}
	for i, name := range names {
		to := end
		if i+1 < len(names) {
			to = starts[names[i+1]]
		}
		p99[name] = stats.MedianP99(points(rep.Series), starts[name], to)
		fmt.Printf("  phase %d %-20s from %5.1fs to %5.1fs: p99 %s\n", i+1, name, starts[name].Seconds(), to.Seconds(), stats.Dur(p99[name]))
	}
	steady, spike := p99[names[1]], p99[names[2]]
	ratio := float64(spike) / float64(max(steady, 1))
	fmt.Printf("spike phase p99 / steady phase p99 = %.1f (want ≥ 3)\n", ratio)
	if ratio < 3 {
		return fmt.Errorf("the spike phase's p99 is %.1f× the steady phase's, want ≥ 3", ratio)
	}
	return nil
}

// points turns the report's per-second series back into stats points.
func points(series []stats.SeriesPoint) []stats.Point {
	out := make([]stats.Point, len(series))
	for i, p := range series {
		out[i] = stats.Point{Second: p.Second, Success: p.Success, Errors: p.Errors, Dropped: p.Dropped,
			Target: p.TargetRPS, P99: time.Duration(p.P99Ms * float64(time.Millisecond))}
	}
	return out
}
