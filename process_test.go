//go:build unix

package main

// Tests that run the built binary as a process: signals, exit statuses,
// overload, and what it prints (the API key never in full).

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/demoapi"
	"github.com/trafficgen/trafficgen/internal/redact"
)

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// proc is a running trafficgen.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr lockedBuffer
	done           chan struct{}
	err            error
}

func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(binary(t), args...), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill() // our own child, by its PID
			<-p.done
		}
	})
	return p
}

// wait waits up to d for the process to exit and returns its status.
func (p *proc) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		t.Fatalf("still running after %v\nstdout:\n%s\nstderr:\n%s", d, p.stdout.String(), p.stderr.String())
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		t.Fatal(p.err)
	}
	return 0
}

func (p *proc) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// until polls cond for up to d.
func until(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var totalRE = regexp.MustCompile(`Total Requests: (\d+)\n`)

// TestSignalsStopCleanly: SIGINT or SIGTERM stops a headless run: the
// requests in flight drain, the summary prints, the report is complete
// JSON, and it exits 0. The server saw what the report says.
func TestSignalsStopCleanly(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			api := demoapi.New(demoapi.Options{LatencyScale: 0.2, Seed: 1})
			srv := newCounter(t, api)
			report := filepath.Join(t.TempDir(), "report.json")
			p := start(t, nil, "--mode", "realistic", "-r", "200", "-t", "0", "--users", "5", "--think", "50ms-100ms",
				"-u", srv.URL, "--report", report, "--stats-interval", "500ms")
			until(t, 10*time.Second, "traffic", func() bool { return srv.n.Load() > 200 })
			p.signal(t, sig)
			if code := p.wait(t, 15*time.Second); code != exitOK {
				t.Fatalf("exit %d after %v, want 0\nstderr: %s", code, sig, p.stderr.String())
			}
			out := p.stdout.String()
			if !strings.Contains(out, "Final Statistics") || !strings.Contains(out, "Report written to") {
				t.Fatalf("no summary or report line:\n%s", out)
			}
			if !strings.Contains(p.stderr.String(), "stopping: draining") {
				t.Errorf("stderr does not say it is stopping: %s", p.stderr.String())
			}
			rep := readReport(t, report)
			m := totalRE.FindStringSubmatch(out)
			if m == nil || m[1] != strconv.FormatInt(rep.Total, 10) {
				t.Errorf("summary total %v, report total %d", m, rep.Total)
			}
			if rep.Total != srv.n.Load() || rep.Total != rep.Success+rep.Errors {
				t.Errorf("server saw %d; report total %d = %d ok + %d errors", srv.n.Load(), rep.Total, rep.Success, rep.Errors)
			}
			if rep.Journeys.Started == 0 {
				t.Errorf("no journeys in %+v", rep.Journeys)
			}
			entries, _ := os.ReadDir(filepath.Dir(report))
			if len(entries) != 1 {
				t.Errorf("%d files beside the report, want none: %v", len(entries)-1, entries)
			}
		})
	}
}

// newSilentServer counts requests and answers none until the client gives
// up or the test ends.
func newSilentServer(t *testing.T) *counter {
	release := make(chan struct{})
	srv := newCounter(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release) }) // before the server closes (cleanups run last-first)
	return srv
}

// TestSecondInterruptExitsAtOnce: while the first Ctrl-C drains requests a
// silent server holds, a second one exits at once with status 130.
func TestSecondInterruptExitsAtOnce(t *testing.T) {
	t.Parallel()
	srv := newSilentServer(t)
	report := filepath.Join(t.TempDir(), "report.json")
	p := start(t, nil, "--mode", "steady", "-r", "50", "-t", "0", "--timeout", "60s", "-u", srv.URL, "--report", report)
	until(t, 10*time.Second, "requests in flight", func() bool { return srv.n.Load() >= 10 })
	p.signal(t, syscall.SIGINT)
	until(t, 5*time.Second, "the stopping message", func() bool { return strings.Contains(p.stderr.String(), "stopping") })
	time.Sleep(200 * time.Millisecond)
	select {
	case <-p.done:
		t.Fatalf("exited on the first interrupt with requests held for 60 s\n%s", p.stderr.String())
	default:
	}
	sent := time.Now()
	p.signal(t, syscall.SIGINT)
	if code := p.wait(t, 3*time.Second); code != exitInterrupted {
		t.Fatalf("exit %d, want %d\nstderr: %s", code, exitInterrupted, p.stderr.String())
	}
	if d := time.Since(sent); d > 2*time.Second {
		t.Errorf("took %v to exit after the second interrupt", d)
	}
	if _, err := os.Stat(report); err == nil {
		t.Errorf("an interrupted run wrote a report")
	}
	if entries, _ := os.ReadDir(filepath.Dir(report)); len(entries) != 0 {
		t.Errorf("an interrupted run left %v behind", entries)
	}
}

// TestInterruptAgainstASilentServer: against a server that never answers,
// one SIGINT 2 s into a 5-s run ends the process within the timeout (2 s)
// and a margin, with every request counted as a timeout and the server's
// count the reported total.
func TestInterruptAgainstASilentServer(t *testing.T) {
	t.Parallel()
	srv := newSilentServer(t)
	report := filepath.Join(t.TempDir(), "report.json")
	p := start(t, nil, "--no-tui", "--mode", "steady", "-r", "50", "-t", "5s", "--timeout", "2s", "-u", srv.URL, "--report", report)
	until(t, 10*time.Second, "requests in flight", func() bool { return srv.n.Load() >= 50 })
	sent := time.Now()
	p.signal(t, syscall.SIGINT)
	if code := p.wait(t, 10*time.Second); code != exitOK {
		t.Fatalf("exit %d, want 0\nstderr: %s", code, p.stderr.String())
	}
	if d := time.Since(sent); d > 2*time.Second+time.Second {
		t.Errorf("took %v to exit after the interrupt, want the timeout (2s) and a margin", d)
	}
	rep := readReport(t, report)
	if rep.Total == 0 || rep.Success != 0 || rep.ErrorKinds["timeout"] != rep.Total || rep.Total != srv.n.Load() {
		t.Errorf("report: total %d, ok %d, kinds %v; the server saw %d", rep.Total, rep.Success, rep.ErrorKinds, srv.n.Load())
	}
}

// TestOverloadBinary: --rps 1000000 against a loopback server: headless
// blocks keep coming, dropped climbs and is shown, memory stays bounded,
// and Ctrl-C stops it within the timeout.
func TestOverloadBinary(t *testing.T) {
	t.Parallel()
	srv := newCounter(t, nil)
	const timeout = 2 * time.Second
	p := start(t, nil, "--mode", "steady", "-r", "1000000", "-t", "0", "--timeout", timeout.String(),
		"--max-in-flight", "500", "--stats-interval", "500ms", "-u", srv.URL)
	until(t, 10*time.Second, "traffic", func() bool { return srv.n.Load() > 1000 })
	var rss []int
	for range 6 {
		time.Sleep(250 * time.Millisecond)
		rss = append(rss, vmRSS(p.cmd.Process.Pid))
	}
	p.signal(t, syscall.SIGINT)
	sent := time.Now()
	if code := p.wait(t, timeout+5*time.Second); code != exitOK {
		t.Fatalf("exit %d\n%s", code, p.stderr.String())
	}
	if d := time.Since(sent); d > timeout+time.Second {
		t.Errorf("stopped %v after Ctrl-C, want within the %v timeout", d, timeout)
	}
	out := p.stdout.String()
	blocks := regexp.MustCompile(`Dropped: (\d+)`).FindAllStringSubmatch(out, -1)
	if len(blocks) < 2 {
		t.Fatalf("%d stats blocks in ~2 s at a 500ms interval: not responsive\n%s", len(blocks), out)
	}
	var last int64 = -1
	for _, b := range blocks {
		n, _ := strconv.ParseInt(b[1], 10, 64)
		if n <= last {
			t.Errorf("dropped did not climb: %v", blocks)
			break
		}
		last = n
	}
	if last < 100_000 {
		t.Errorf("dropped only %d at a million a second", last)
	}
	m := regexp.MustCompile(`Dropped \(due, never sent\): (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("summary does not show dropped:\n%s", out)
	}
	for _, kb := range rss {
		if kb > 512<<10 {
			t.Errorf("resident memory %d MB", kb>>10)
		}
	}
	t.Logf("overload: RSS %v kB; %s dropped", rss, m[1])
}

// vmRSS reads a process's resident set in kB (0 where /proc is missing).
func vmRSS(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// secretKey is distinctive so that any leak is found by a plain search.
const secretKey = "sk-live-Q7wV2pZr9XkT4mNb8JdE"

// TestAPIKeyNeverPrinted runs with a distinctive key: the server receives
// it, and it appears in no output, error or report (nor the password of a
// URL).
func TestAPIKeyNeverPrinted(t *testing.T) {
	t.Parallel()
	api := demoapi.New(demoapi.Options{LatencyScale: 0.05, APIKeys: []string{secretKey}, Seed: 1})
	srv := newCounter(t, api)
	report := filepath.Join(t.TempDir(), "report.json")
	target := strings.Replace(srv.URL, "http://", "http://admin:"+secretKey+"-pw@", 1)
	p := start(t, []string{"API_KEY=" + secretKey}, "--mode", "realistic", "-r", "100", "-t", "1.5", "--users", "3",
		"--think", "10ms-20ms", "--stats-interval", "500ms", "-u", target, "--report", report)
	if code := p.wait(t, 20*time.Second); code != exitOK {
		t.Fatalf("exit %d\n%s", code, p.stderr.String())
	}
	srv.mu.Lock()
	withKey := srv.keys[secretKey]
	srv.mu.Unlock()
	if withKey == 0 || int64(withKey) != srv.n.Load() {
		t.Fatalf("%d of %d requests carried the key", withKey, srv.n.Load())
	}
	rep, _ := os.ReadFile(report)
	for name, text := range map[string]string{"stdout": p.stdout.String(), "stderr": p.stderr.String(), "report": string(rep)} {
		if strings.Contains(text, secretKey) || strings.Contains(text, secretKey[4:len(secretKey)-3]) {
			t.Errorf("the key appears in %s", name)
		}
		if name != "stderr" && !strings.Contains(text, redact.Secret(secretKey)) {
			t.Errorf("%s does not show the masked key %s", name, redact.Secret(secretKey))
		}
	}
}
