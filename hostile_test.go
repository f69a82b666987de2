//go:build unix

package main

// Process tests of hostile input: files that would take the
// machine's memory, secrets in URLs and templates, a stdout closed early,
// a report path that is a pipe.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	peakOnce sync.Once
	peakPath string
	peakErr  error
)

// peakRSS runs the binary to the end through testdata/peakrss and returns
// its exit status, its peak resident size in MB and its stderr.
func peakRSS(t *testing.T, args ...string) (code int, mb int64, stderr string) {
	t.Helper()
	peakOnce.Do(func() {
		peakPath = filepath.Join(binDir, "peakrss")
		peakErr = goBuild(peakPath, "./testdata/peakrss")
	})
	if peakErr != nil {
		t.Fatal(peakErr)
	}
	cmd := exec.Command(peakPath, append([]string{binary(t)}, args...)...)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, errOut.String())
	}
	var kb int64
	if _, err := fmt.Sscanf(string(out[bytes.LastIndex(out, []byte("exit ")):]), "exit %d maxrss %d", &code, &kb); err != nil {
		t.Fatalf("peakrss said %q: %v", out, err)
	}
	return code, kb >> 10, errOut.String()
}

// TestScenarioFilesBoundMemory: no scenario file, of any size or shape,
// makes `scenario check` or a run take more than 64 MB: a depth bomb
// within the size limit, one beyond it, a 10 MB file, and the largest
// flat file accepted.
func TestScenarioFilesBoundMemory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// The largest file accepted: a flat list right under the size limit.
	flat := "endpoints: [{path: /}]\ndata:\n  x: [" + strings.Repeat("a,", (64<<10-60)/2) + "a]\n"
	files := map[string]struct {
		path, want string
		code       int
	}{
		"depth bomb 64 KiB": {write("bomb.yaml", strings.Repeat("[", 64<<10)), "nested more than 32 levels", exitUsage},
		"depth bomb 10 MB":  {write("bomb10.yaml", strings.Repeat("[{", 5<<20)), "larger than 64 KiB", exitUsage},
		"flat 10 MB":        {write("flat10.yaml", "data:\n  x: ["+strings.Repeat("aaaaaaaa,", 10<<20/9)+"a]\n"), "larger than 64 KiB", exitUsage},
		"flat, accepted":    {write("flat.yaml", flat), "", exitOK},
	}
	for name, f := range files {
		for _, args := range [][]string{{"scenario", "check", f.path}, {"--no-tui", "-n", "1", "-u", "http://127.0.0.1:1", "--scenario", f.path}} {
			if f.code == exitOK && args[0] != "scenario" {
				continue // a run would send
			}
			code, mb, errOut := peakRSS(t, args...)
			t.Logf("%s, %s: exit %d, peak RSS %d MB", name, args[0], code, mb)
			if code != f.code || !strings.Contains(errOut, f.want) {
				t.Errorf("%s, %v: exit %d, %q; want %d and %q", name, args[:2], code, errOut, f.code, f.want)
			}
			if mb > 64 {
				t.Errorf("%s, %v: peak RSS %d MB, over 64 MB", name, args[:2], mb)
			}
		}
	}
}

// TestSecretsMasked: a password in a URL, a key a scenario puts into a
// path, and a short key are never shown: not in a usage error, the start
// line, the summary, the event log or the report; route names come from
// the template. API_KEY is mentioned only where it is sent.
func TestSecretsMasked(t *testing.T) {
	t.Parallel()
	srv := newCounter(t, nil)
	dir := t.TempDir()
	scn := filepath.Join(dir, "key-in-path.yaml")
	os.WriteFile(scn, []byte("endpoints:\n  - path: '/t/{{env API_KEY}}/x?k={{env API_KEY | url}}'\n"), 0o644)
	report := filepath.Join(dir, "report.json")
	target := strings.Replace(srv.URL, "http://", "http://admin:"+secretKey+"-pw@", 1)
	p := start(t, []string{"API_KEY=" + secretKey}, "--mode", "steady", "-r", "50", "-z", "0.5",
		"-u", target, "--scenario", scn, "--report", report)
	if code := p.wait(t, 20*time.Second); code != exitOK {
		t.Fatalf("exit %d\n%s", code, p.stderr.String())
	}
	if srv.count("/t/"+secretKey+"/x") == 0 {
		t.Fatalf("the key was not sent in the path: %v", srv.pathList())
	}
	rep, _ := os.ReadFile(report)
	outputs := map[string]string{"stdout": p.stdout.String(), "stderr": p.stderr.String(), "report": string(rep)}
	for name, text := range outputs {
		if strings.Contains(text, secretKey[4:len(secretKey)-3]) {
			t.Errorf("%s shows the key or the password", name)
		}
	}
	// The user name too is masked where trafficgen's own masking applies
	// (the summary's target line comes from the engine's).
	if strings.Contains(outputs["report"], "admin") || strings.Contains(outputs["stdout"], "→ http://admin") {
		t.Errorf("the user name shows:\n%s\n%s", outputs["stdout"], outputs["report"])
	}
	if !strings.Contains(outputs["stdout"], "GET /t/{API_KEY}/x?k={API_KEY}") {
		t.Errorf("the summary does not name the route by its template:\n%s", outputs["stdout"])
	}

	// A short key: nothing of it, not even its length.
	const short = "k9secret1"
	p = start(t, []string{"API_KEY=" + short}, "--mode", "steady", "-r", "50", "-z", "0.2", "-u", srv.URL)
	p.wait(t, 20*time.Second)
	if out := p.stdout.String(); strings.Contains(out, short[:4]) || !strings.Contains(out, "(API_KEY ****)") {
		t.Errorf("a 9-character key shows as:\n%s", out)
	}
	// Ad-hoc URLs send no key: the start line and the report do not say
	// they do.
	p = start(t, nil, "-n", "5", "-r", "50", srv.URL+"/x", "--report", report)
	p.wait(t, 20*time.Second)
	rep, _ = os.ReadFile(report)
	if strings.Contains(p.stdout.String(), "API_KEY") || strings.Contains(string(rep), "apiKey") {
		t.Errorf("ad-hoc run mentions the key:\n%s\n%s", p.stdout.String(), rep)
	}
	// A usage error that quotes a URL.
	p = start(t, nil, "-u", "http://admin:"+secretKey+"@")
	if code := p.wait(t, 10*time.Second); code != exitUsage || strings.Contains(p.stderr.String(), secretKey) || strings.Contains(p.stderr.String(), "admin") {
		t.Errorf("exit %d: %s", code, p.stderr.String())
	}
}

// TestStdoutClosedEarly: `trafficgen … | head -1` is not killed by
// SIGPIPE: the run goes on to its end, exits 0, and writes the report.
func TestStdoutClosedEarly(t *testing.T) {
	t.Parallel()
	srv := newCounter(t, nil)
	report := filepath.Join(t.TempDir(), "report.json")
	cmd := exec.Command(binary(t), "--mode", "steady", "-r", "100", "-z", "1.5", "--stats-interval", "200ms",
		"-u", srv.URL, "--report", report)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errOut lockedBuffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n') // head -1
	out.Close()
	err = cmd.Wait()
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); ws.Signaled() || err != nil {
		t.Fatalf("after the first line (%q): %v, signalled %v (%v)\n%s", line, err, ws.Signaled(), ws.Signal(), errOut.String())
	}
	rep := readReport(t, report)
	if rep.Total == 0 || rep.Total != srv.n.Load() || rep.ElapsedMs < 1400 {
		t.Errorf("report total %d after %.0f ms; the server saw %d", rep.Total, rep.ElapsedMs, srv.n.Load())
	}
}

// TestReportToAPipe: a report path that is a named pipe is written into,
// not replaced.
func TestReportToAPipe(t *testing.T) {
	srv := newCounter(t, nil)
	fifo := filepath.Join(t.TempDir(), "report.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	got := make(chan []byte)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- b
	}()
	code, _, errOut := runMain(t, nil, "--no-tui", "-n", "5", "-r", "100", srv.URL+"/x", "--report", fifo)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b := <-got
	var rep map[string]any
	if err := json.Unmarshal(b, &rep); err != nil || rep["schemaVersion"] != float64(2) {
		t.Errorf("read from the pipe: %v %.80q", err, b)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced: %v %v", fi.Mode(), err)
	}
}

// TestVersionOfTheBinary: the built binary names its revision when it was
// built from a git checkout (a worktree's .git is a file, which Go's
// build stamping does not read, so the revision is then unknown).
func TestVersionOfTheBinary(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(binary(t), "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^trafficgen \S+ \(revision (\S+?)[,;]`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("--version: %q", out)
	}
	if rev := string(m[1]); rev != "unknown" {
		head, err := exec.Command("git", "rev-parse", "HEAD").Output()
		if err == nil && !strings.HasPrefix(string(head), rev) {
			t.Errorf("revision %s, HEAD %s", rev, head)
		}
	}
}
