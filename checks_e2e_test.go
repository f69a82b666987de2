package main

// Response checks and shape drift end to end: the --expect-* flags against
// a server whose answers alternate right and wrong, a malformed check
// refused at start (the flag's name, or the file's line and column), and a
// ramp past the rate at which a server changes its JSON shape, on the
// dashboard (a golden file) and in the summary.

import (
	"bytes"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/trafficgen/trafficgen/internal/inprocess"
	"github.com/trafficgen/trafficgen/loadgen"
	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/stats"
	"github.com/trafficgen/trafficgen/ui"
)

// alternating answers {"ok":true} and {"ok":false} in turn.
func alternating() http.Handler {
	var n atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if n.Add(1)%2 == 0 {
			io.WriteString(w, `{"ok":false}`)
			return
		}
		io.WriteString(w, `{"ok":true}`)
	})
}

// TestExpectFlags: --expect-status 200 --expect-json ok=true against a
// server alternating right and wrong answers counts half the answers as
// check failures, and no HTTP error; checks>=99.9% fails the run.
func TestExpectFlags(t *testing.T) {
	t.Parallel()
	srv := newCounter(t, alternating())
	report := filepath.Join(t.TempDir(), "r.json")
	code, out, errOut := runMain(t, nil, "-n", "400", "-r", "400", "--no-tui", "--report", report,
		"--expect-status", "200", "--expect-json", "ok=true", "--threshold", "checks>=99.9%", srv.URL+"/alt")
	if code != exitThreshold {
		t.Fatalf("exit %d, want %d (checks>=99.9%% fails)\n%s\n%s", code, exitThreshold, out, errOut)
	}
	rep := readReport(t, report)
	e := rep.Endpoints[0]
	share := 100 * float64(e.CheckFailed) / float64(e.Checked)
	t.Logf("%d answers checked, %d failed a check (%.1f%%)", e.Checked, e.CheckFailed, share)
	if e.Checked != int64(srv.count("/alt")) || math.Abs(share-50) > 3 {
		t.Errorf("%d of %d checked failed (%.1f%%), the server answered %d: want about half of them", e.CheckFailed, e.Checked, share, srv.count("/alt"))
	}
	if rep.ErrorKinds["http 4xx"]+rep.ErrorKinds["http 5xx"] != 0 || rep.ErrorKinds["check failed"] != e.CheckFailed {
		t.Errorf("error kinds %v: want only the check failures", rep.ErrorKinds)
	}
	if len(e.Checks) != 2 || e.Checks[0].Name != "status 200" || e.Checks[0].Failed != 0 || e.Checks[1] != (stats.CheckReport{Name: "ok=true", Failed: e.CheckFailed}) {
		t.Errorf("checks %+v", e.Checks)
	}
	for _, want := range []string{"answers checked", "ok=true: ", "FAIL  checks>=99.9%  checks "} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

// TestMalformedChecks: a bad check is refused at start, exit status 2,
// nothing sent: the flag's name and the column for a flag, file:line:col
// for a scenario file.
func TestMalformedChecks(t *testing.T) {
	srv := newCounter(t, nil)
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	os.WriteFile(file, []byte("endpoints:\n  - path: /x\n    checks:\n      - json: 'items.@bogus'\n"), 0o644)
	op := filepath.Join(dir, "op.yaml")
	os.WriteFile(op, []byte("endpoints:\n  - path: /x\n    checks:\n      - {json: ok, name: fine}\n      - json: count=>3\n"), 0o644)
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"--expect-json", "items.@bogus", srv.URL}, `--expect-json: "items.@bogus": column 7: unknown modifier @bogus`},
		{nil, []string{"--expect-json", "count=>3", srv.URL}, `--expect-json: "count=>3": column 6: unknown operator "=>"`},
		{nil, []string{"--expect-header", "Bad Name=1", srv.URL}, `--expect-header: "Bad Name=1": column 1:`},
		{nil, []string{"--expect-status", "200,2oo", srv.URL}, `--expect-status: "200,2oo": column 5:`},
		{map[string]string{"TRAFFICGEN_EXPECT_JSON": "ok\n$.id"}, []string{srv.URL}, `TRAFFICGEN_EXPECT_JSON/--expect-json: "$.id": column 1: "$.id" is JSONPath`},
		{nil, []string{"--scenario", file, "-u", srv.URL}, file + `:4:22: check json "items.@bogus": unknown modifier @bogus`},
		{nil, []string{"--scenario", op, "-u", srv.URL}, op + `:5:20: check json "count=>3": unknown operator "=>"`},
		{nil, []string{"scenario", "check", op}, op + `:5:20: check json "count=>3": unknown operator`},
	} {
		t.Run(strings.Join(c.args[:len(c.args)-1], " "), func(t *testing.T) {
			args := append([]string{"-z", "1s", "--no-tui"}, c.args...)
			if c.args[0] == "scenario" {
				args = c.args
			}
			code, out, errOut := runMain(t, c.env, args...)
			if code != exitUsage || !strings.Contains(errOut+out, c.want) {
				t.Errorf("exit %d, want %d and %q\nstdout: %s\nstderr: %s", code, exitUsage, c.want, out, errOut)
			}
		})
	}
	if n := srv.n.Load(); n != 0 {
		t.Errorf("%d requests sent by runs that were refused", n)
	}
}

// shapeServer answers in one JSON shape, and in another while more than
// 300 requests reached it in the last second.
type shapeServer struct {
	mu       sync.Mutex
	arrivals []time.Time
}

func (s *shapeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	s.mu.Lock()
	s.arrivals = append(s.arrivals, now)
	for len(s.arrivals) > 0 && now.Sub(s.arrivals[0]) >= time.Second {
		s.arrivals = s.arrivals[1:]
	}
	busy := len(s.arrivals) > 300
	s.mu.Unlock()
	if busy {
		io.WriteString(w, `{"id":7,"items":"cached","total":null}`)
		return
	}
	io.WriteString(w, `{"id":7,"items":[{"sku":"a","qty":1}],"total":12.5,"next":"x"}`)
}

// TestDriftUnderRamp: a ramp from 1 to 500 req/s against a server that
// answers 200 in another JSON shape above 300 req/s shows shape drift on
// that route, on the dashboard (golden) and in the summary, naming the
// changed paths. The run is on a fake clock, so the figures are exact.
func TestDriftUnderRamp(t *testing.T) {
	var final stats.Snapshot
	var eng *loadgen.Engine
	synctest.Test(t, func(t *testing.T) {
		scn, err := scenario.Load("cart.yaml", []byte("endpoints:\n  - path: /cart\n    checks: [{json: 'id>0'}]\n"), scenario.Options{})
		if err != nil {
			t.Fatal(err)
		}
		tr := inprocess.Client(&shapeServer{}, 0)
		eng, err = loadgen.New(loadgen.Config{Target: "http://shop.test", Mode: plan.ModeRampUp, RPS: 500, Duration: 10 * time.Second,
			Scenario: scn, Client: tr, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for range eng.Snapshots() {
			}
		}()
		eng.Run(t.Context())
		final = eng.Final()
	})
	// The fake clock's times, in one zone wherever the test runs.
	final.Taken = final.Taken.UTC()
	for i := range final.Run.Events {
		final.Run.Events[i].Time = final.Run.Events[i].Time.UTC()
	}
	sh := final.Endpoints[0].Shape
	if sh.Drifted == 0 {
		t.Fatalf("no drift: %+v", sh)
	}
	var sum bytes.Buffer
	stats.WriteSummary(&sum, final)
	for _, want := range []string{"Shape drift: ", "GET /cart: ", "last: missing next; changed items: array→string, total: number→null"} {
		if !strings.Contains(sum.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, sum.String())
		}
	}

	lipgloss.SetColorProfile(termenv.Ascii)
	defer lipgloss.SetColorProfile(termenv.ColorProfile())
	ch := make(chan stats.Snapshot, 1)
	defer close(ch)
	ch <- final
	tm := teatest.NewTestModel(t, ui.New(eng, ch, ui.Options{}), teatest.WithInitialTermSize(120, 36))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("shape drift on GET /cart")) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	out := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).View()
	for _, want := range []string{"≈ GET /cart", "array→string, total: number→null"} {
		if !strings.Contains(out, want) {
			t.Errorf("dashboard lacks %q:\n%s", want, out)
		}
	}
	teatest.RequireEqualOutput(t, []byte(out))
}
