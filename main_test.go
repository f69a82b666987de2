package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/alecthomas/kong"
	"go.uber.org/goleak"

	"github.com/trafficgen/trafficgen/demoapi"
	"github.com/trafficgen/trafficgen/stats"
)

// binDir holds the trafficgen binary the process tests build (once).
var binDir string

func TestMain(m *testing.M) {
	var err error
	if binDir, err = os.MkdirTemp("", "trafficgen-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	goleak.VerifyTestMain(m,
		// fasthttp's per-host idle-connection cleaner ends on its own
		// after the idle timeout.
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*HostClient).connsCleaner"),
		goleak.Cleanup(func(code int) {
			os.RemoveAll(binDir)
			os.Exit(code)
		}))
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds trafficgen once for the tests that run it as a process
// (signals, exit statuses, the terminal).
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
		}
		binPath = filepath.Join(binDir, "trafficgen")
		out, err := exec.Command(goBin, "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// counter is a loopback server that counts the requests it receives and
// remembers their paths and keys. Behind it is h (a 200 with {"id":1} when
// nil).
type counter struct {
	*httptest.Server
	n     atomic.Int64
	mu    sync.Mutex
	paths map[string]int
	keys  map[string]int
}

func newCounter(t *testing.T, h http.Handler) *counter {
	t.Helper()
	return newCounterOn(t, "127.0.0.1:0", h)
}

func newCounterOn(t *testing.T, addr string, h http.Handler) *counter {
	t.Helper()
	if h == nil {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id":1,"amount":10,"status":"SUCCESS"}`)
		})
	}
	c := &counter{paths: map[string]int{}, keys: map[string]int{}}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("listen %s: %v", addr, err)
	}
	c.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.n.Add(1)
		c.mu.Lock()
		c.paths[r.URL.Path]++
		c.keys[r.Header.Get("X-API-Key")]++
		c.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	c.Server.Listener.Close()
	c.Server.Listener = ln
	c.Start()
	t.Cleanup(c.Close)
	return c
}

func (c *counter) count(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.paths[path]
}

func (c *counter) pathList() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for p := range c.paths {
		out = append(out, p)
	}
	return out
}

// runMain calls run as main does, with the given environment (set for the
// test; such tests cannot be parallel).
func runMain(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestBadInput tries every option of the run command with bad values: each
// is one line naming the variable or flag, exit status 2, and nothing sent.
func TestBadInput(t *testing.T) {
	srv := newCounter(t, nil)
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, []byte("x"), 0o644)
	badYAML := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badYAML, []byte("endpoints: [\n"), 0o644)
	u := srv.URL

	type tc struct {
		name string
		env  map[string]string
		args []string
		want string // in the message
	}
	flag := func(name, want string, args ...string) tc {
		return tc{name: name, args: append([]string{"-u", u}, args...), want: want}
	}
	env := func(name, want, k, v string) tc {
		return tc{name: name, env: map[string]string{k: v}, args: []string{"-u", u}, want: want}
	}
	cases := []tc{
		// target
		{name: "url empty", args: []string{"-u", ""}, want: "GATEWAY_URL/--gateway-url"},
		{name: "url env empty", env: map[string]string{"GATEWAY_URL": ""}, want: "GATEWAY_URL/--gateway-url"},
		{name: "url without scheme", args: []string{"-u", "127.0.0.1:8080"}, want: "GATEWAY_URL/--gateway-url"},
		{name: "url host:port without scheme", args: []string{"-u", "localhost:8080"}, want: "GATEWAY_URL/--gateway-url"},
		{name: "url ftp", args: []string{"-u", "ftp://127.0.0.1/"}, want: "GATEWAY_URL/--gateway-url"},
		{name: "url no host", args: []string{"-u", "http://"}, want: "GATEWAY_URL/--gateway-url"},
		{name: "url words", env: map[string]string{"GATEWAY_URL": "not a url"}, want: "GATEWAY_URL/--gateway-url"},
		{name: "ad-hoc url without scheme", args: []string{"127.0.0.1:8080/x"}, want: "127.0.0.1:8080/x"},
		{name: "ad-hoc url bad weight", args: []string{u + "/x@-1"}, want: "@-1"},
		{name: "ad-hoc url ftp", args: []string{"ftp://127.0.0.1/x"}, want: "ftp://"},
		{name: "embedded with urls", args: []string{"--embedded", u + "/x"}, want: "--embedded"},
		// key
		{name: "key with newline", env: map[string]string{"API_KEY": "abc\ndef-ghi-jkl"}, args: []string{"-u", u}, want: "API_KEY/--api-key"},
		// mode
		env("mode unknown", "MODE/--mode", "MODE", "turbo"),
		env("mode empty", "MODE/--mode", "MODE", ""),
		flag("mode flag unknown", "MODE/--mode", "--mode", "fast"),
		// rps
		env("rps empty", "RPS/--rps", "RPS", ""),
		env("rps words", "RPS/--rps", "RPS", "abc"),
		flag("rps negative", "RPS/--rps", "--rps=-5"),
		flag("rps zero", "RPS/--rps", "--rps", "0"),
		flag("rps NaN", "RPS/--rps", "--rps", "NaN"),
		flag("rps Inf", "RPS/--rps", "--rps", "Inf"),
		flag("rps huge", "RPS/--rps", "--rps", "1e12"),
		// duration
		env("duration empty", "DURATION/--duration", "DURATION", ""),
		flag("duration words", "DURATION/--duration", "-t", "soon"),
		flag("duration negative", "DURATION/--duration", "--duration=-1"),
		flag("duration negative go", "DURATION/--duration", "--duration=-5s"),
		flag("duration NaN", "DURATION/--duration", "-t", "NaN"),
		flag("duration huge", "DURATION/--duration", "-t", "1e12"),
		// users
		env("users empty", "CONCURRENT_USERS/--users", "CONCURRENT_USERS", ""),
		flag("users negative", "CONCURRENT_USERS/--users", "--users=-1"),
		flag("users words", "CONCURRENT_USERS/--users", "--users", "ten"),
		flag("users fraction", "CONCURRENT_USERS/--users", "--users", "2.5"),
		flag("users huge", "CONCURRENT_USERS/--users", "--users", "10000000"),
		// concurrency
		env("concurrency empty", "CONCURRENCY/--concurrency", "CONCURRENCY", ""),
		flag("concurrency negative", "CONCURRENCY/--concurrency", "--concurrency=-1"),
		flag("concurrency words", "CONCURRENCY/--concurrency", "-c", "many"),
		flag("concurrency huge", "CONCURRENCY/--concurrency", "-c", "100000000"),
		flag("concurrency overflow", "CONCURRENCY/--concurrency", "-c", "99999999999999999999999"),
		// spike
		env("spike multiplier empty", "SPIKE_MULTIPLIER/--spike-multiplier", "SPIKE_MULTIPLIER", ""),
		flag("spike multiplier zero", "SPIKE_MULTIPLIER/--spike-multiplier", "--spike-multiplier", "0"),
		flag("spike multiplier negative", "SPIKE_MULTIPLIER/--spike-multiplier", "--spike-multiplier=-2"),
		flag("spike multiplier NaN", "SPIKE_MULTIPLIER/--spike-multiplier", "--spike-multiplier", "NaN"),
		flag("spike multiplier huge", "SPIKE_MULTIPLIER/--spike-multiplier", "--spike-multiplier", "1e9"),
		flag("spike multiplier words", "SPIKE_MULTIPLIER/--spike-multiplier", "--spike-multiplier", "x"),
		env("spike duration empty", "SPIKE_DURATION/--spike-duration", "SPIKE_DURATION", ""),
		flag("spike duration zero", "SPIKE_DURATION/--spike-duration", "--spike-duration", "0s"),
		flag("spike duration negative", "SPIKE_DURATION/--spike-duration", "--spike-duration=-3s"),
		flag("spike duration words", "SPIKE_DURATION/--spike-duration", "--spike-duration", "3"),
		// in-flight cap
		env("max in flight empty", "MAX_IN_FLIGHT/--max-in-flight", "MAX_IN_FLIGHT", ""),
		flag("max in flight zero", "MAX_IN_FLIGHT/--max-in-flight", "--max-in-flight", "0"),
		flag("max in flight negative", "MAX_IN_FLIGHT/--max-in-flight", "--max-in-flight=-1"),
		flag("max in flight huge", "MAX_IN_FLIGHT/--max-in-flight", "--max-in-flight", "2000000"),
		flag("max in flight words", "MAX_IN_FLIGHT/--max-in-flight", "--max-in-flight", "lots"),
		// timeout
		env("timeout empty", "REQUEST_TIMEOUT/--timeout", "REQUEST_TIMEOUT", ""),
		flag("timeout zero", "REQUEST_TIMEOUT/--timeout", "--timeout", "0s"),
		flag("timeout negative", "REQUEST_TIMEOUT/--timeout", "--timeout=-1s"),
		flag("timeout words", "REQUEST_TIMEOUT/--timeout", "--timeout", "abc"),
		// think time
		flag("think words", "THINK_TIME/--think", "--think", "abc"),
		flag("think reversed", "THINK_TIME/--think", "--think", "5s-2s"),
		flag("think negative", "THINK_TIME/--think", "--think=-1s"),
		flag("think half", "THINK_TIME/--think", "--think", "1s-x"),
		// stats interval
		env("stats interval empty", "STATS_INTERVAL/--stats-interval", "STATS_INTERVAL", ""),
		flag("stats interval zero", "STATS_INTERVAL/--stats-interval", "--stats-interval", "0s"),
		flag("stats interval tiny", "STATS_INTERVAL/--stats-interval", "--stats-interval", "1ms"),
		flag("stats interval words", "STATS_INTERVAL/--stats-interval", "--stats-interval", "often"),
		// report
		flag("report in a missing directory", "REPORT/--report", "--report", filepath.Join(dir, "missing", "r.json")),
		flag("report is a directory", "REPORT/--report", "--report", dir),
		flag("report under a file", "REPORT/--report", "--report", filepath.Join(notDir, "r.json")),
		// scenario
		flag("scenario missing", "SCENARIO/--scenario", "--scenario", filepath.Join(dir, "nope.yaml")),
		flag("scenario invalid", "bad.yaml", "--scenario", badYAML),
		// booleans
		env("embedded words", "EMBEDDED/--embedded", "EMBEDDED", "maybe"),
		env("embedded empty", "EMBEDDED/--embedded", "EMBEDDED", ""),
		env("no tui words", "NO_TUI/--no-tui", "NO_TUI", "perhaps"),
		// shard
		flag("shard zero", "SHARD/--shard", "--shard", "0/2"),
		flag("shard beyond", "SHARD/--shard", "--shard", "3/2"),
		flag("shard of none", "SHARD/--shard", "--shard", "1/0"),
		flag("shard words", "SHARD/--shard", "--shard", "one of two"),
		flag("shard negative", "SHARD/--shard", "--shard=-1/2"),
		flag("shard three parts", "SHARD/--shard", "--shard", "1/2/3"),
		// seed
		env("seed empty", "SEED/--seed", "SEED", ""),
		flag("seed negative", "SEED/--seed", "--seed=-1"),
		flag("seed words", "SEED/--seed", "--seed", "lucky"),
		// ad-hoc request options
		flag("method without url", "-X", "-X", "POST"),
		flag("header without url", "-H", "-H", "A: b"),
		flag("data without url", "-d", "-d", "{}"),
		{name: "bad method", args: []string{"-X", "GET ME", u + "/x"}, want: "-X"},
		{name: "header without colon", args: []string{"-H", "nocolon", u + "/x"}, want: "-H"},
		{name: "data file missing", args: []string{"-d", "@" + filepath.Join(dir, "nope.json"), u + "/x"}, want: "-d"},
		// unknown
		flag("unknown flag", "--turbo", "--turbo"),
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, ok := c.env["DURATION"]; !ok {
				// Should a case be accepted after all, it ends soon.
				t.Setenv("DURATION", "1")
			}
			code, out, errOut := runMain(t, c.env, c.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, exitUsage, out, errOut)
			}
			if !strings.Contains(errOut, c.want) {
				t.Errorf("message %q does not name %q", errOut, c.want)
			}
			if n := strings.Count(strings.TrimSpace(errOut), "\n"); n > 0 && !strings.Contains(c.name, "scenario") {
				t.Errorf("message is %d lines, want one:\n%s", n+1, errOut)
			}
			if out != "" {
				t.Errorf("stdout not empty: %q", out)
			}
		})
	}
	if n := srv.n.Load(); n != 0 {
		t.Fatalf("bad input sent %d requests", n)
	}
}

// TestGoodTargets: a path prefix works as a base path, with or without a
// trailing slash; an IPv6 loopback URL works; ad-hoc URLs go where they
// say.
func TestGoodTargets(t *testing.T) {
	run1 := func(t *testing.T, args ...string) string {
		t.Helper()
		args = append([]string{"--no-tui", "--mode", "steady", "-r", "100", "-t", "0.3", "--timeout", "2s"}, args...)
		code, out, errOut := runMain(t, nil, args...)
		if code != exitOK {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
		}
		if !strings.Contains(out, "Final Statistics") {
			t.Fatalf("no summary:\n%s", out)
		}
		return out
	}
	for _, suffix := range []string{"/v2", "/v2/", "/base/v2/"} {
		t.Run("prefix "+suffix, func(t *testing.T) {
			srv := newCounter(t, nil)
			run1(t, "-u", srv.URL+suffix)
			want := strings.TrimSuffix(suffix, "/") + "/api/"
			paths := srv.pathList()
			if len(paths) == 0 {
				t.Fatal("nothing sent")
			}
			for _, p := range paths {
				if !strings.HasPrefix(p, want) || strings.Contains(p, "//") {
					t.Errorf("path %q, want it under %q", p, want)
				}
			}
		})
	}
	t.Run("ipv6 loopback", func(t *testing.T) {
		srv := newCounterOn(t, "[::1]:0", nil)
		if !strings.Contains(srv.URL, "[::1]") {
			t.Fatalf("server URL %s", srv.URL)
		}
		run1(t, "-u", srv.URL)
		if srv.n.Load() == 0 {
			t.Fatal("nothing sent to [::1]")
		}
	})
	t.Run("ipv6 ad-hoc", func(t *testing.T) {
		srv := newCounterOn(t, "[::1]:0", nil)
		run1(t, srv.URL+"/health@2", srv.URL+"/x")
		if srv.n.Load() == 0 || srv.count("/health") == 0 || srv.count("/x") == 0 {
			t.Fatalf("sent %d: %v", srv.n.Load(), srv.pathList())
		}
	})
}

// TestNothingLostThroughMain: the server saw as many requests as the
// summary and the report say, and the report file is the only file written.
func TestNothingLostThroughMain(t *testing.T) {
	api := demoapi.New(demoapi.Options{LatencyScale: 0.02, Seed: 1})
	api.SetFault(demoapi.All, demoapi.Fault{Kind: demoapi.FaultErrors, Percent: 20})
	srv := newCounter(t, api)
	dir := t.TempDir()
	report := filepath.Join(dir, "report.json")
	code, out, errOut := runMain(t, nil, "--no-tui", "--mode", "realistic", "-r", "200", "-t", "1",
		"--users", "5", "--think", "10ms-50ms", "-u", srv.URL, "--report", report)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	rep := readReport(t, report)
	if rep.Total != srv.n.Load() || rep.Total != rep.Success+rep.Errors || rep.Errors == 0 {
		t.Fatalf("server saw %d; report total %d = %d ok + %d errors", srv.n.Load(), rep.Total, rep.Success, rep.Errors)
	}
	if !strings.Contains(out, fmt.Sprintf("Total Requests: %d\n", rep.Total)) {
		t.Errorf("summary does not say %d requests:\n%s", rep.Total, out)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("files in the report directory: %v, want only report.json", names)
	}
}

func readReport(t *testing.T, path string) *stats.Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) {
		t.Fatalf("report is not valid JSON: %.200s…", b)
	}
	rep, err := stats.ReadReport(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestMergeOutput: merge writes its output whole, and a failed merge leaves
// nothing behind.
func TestMergeOutput(t *testing.T) {
	srv := newCounter(t, nil)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	for i, p := range []string{a, b} {
		code, out, errOut := runMain(t, nil, "--no-tui", "--mode", "steady", "-r", "50", "-t", "0.2",
			"-u", srv.URL, "--report", p, "--shard", fmt.Sprintf("%d/2", i+1))
		if code != exitOK {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
	}
	merged := filepath.Join(dir, "merged.json")
	if code, out, errOut := runMain(t, nil, "merge", a, b, "-o", merged); code != exitOK {
		t.Fatalf("merge exit %d\n%s\n%s", code, out, errOut)
	}
	ra, rb, rm := readReport(t, a), readReport(t, b), readReport(t, merged)
	if rm.Total != ra.Total+rb.Total || rm.Instances != 2 || rm.Total != srv.n.Load() {
		t.Fatalf("merged %d (%d instances), parts %d + %d, server saw %d", rm.Total, rm.Instances, ra.Total, rb.Total, srv.n.Load())
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"schema":"trafficgen.report/v1","latency":{"histogram":"!!"}}`), 0o644)
	out2 := filepath.Join(dir, "out2.json")
	if code, _, errOut := runMain(t, nil, "merge", a, bad, "-o", out2); code != exitUsage || !strings.Contains(errOut, "bad.json") && !strings.Contains(errOut, "histogram") {
		t.Fatalf("merge with a bad report: exit %d, %s", code, errOut)
	}
	if _, err := os.Stat(out2); err == nil {
		t.Errorf("a failed merge wrote %s", out2)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 4 {
		t.Errorf("%d files in %s, want a, b, merged and bad: %v", len(entries), dir, entries)
	}
}

// parseRun parses args as the run command without running it.
func parseRun(args []string) (*runCmd, error) {
	var c cli
	parser, err := kong.New(&c, kong.Name("trafficgen"), kong.Writers(io.Discard, io.Discard), kong.Exit(func(int) {}))
	if err != nil {
		return nil, err
	}
	if _, err := parser.Parse(args); err != nil {
		return nil, err
	}
	c.Run.args = args
	return &c.Run, nil
}

// TestServeListensOnLoopbackByDefault: `trafficgen serve` binds 127.0.0.1
// unless told otherwise (demoapi's TestServeDefaultAddr checks the server
// side, TestAdmin the admin endpoint's loopback-or-token rule).
func TestServeListensOnLoopbackByDefault(t *testing.T) {
	var c cli
	parser, err := kong.New(&c, kong.Exit(func(int) {}), kong.Writers(io.Discard, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.Parse([]string{"serve"}); err != nil {
		t.Fatal(err)
	}
	host, _, err := net.SplitHostPort(c.Serve.Addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		t.Fatalf("serve listens on %q by default, want a loopback address", c.Serve.Addr)
	}
}

// TestEmptyOptionalVariables: an empty optional variable (as docker compose
// passes one) means "not set", not "the current directory" or "0/0".
func TestEmptyOptionalVariables(t *testing.T) {
	srv := newCounter(t, nil)
	env := map[string]string{"SCENARIO": "", "SHARD": "", "THINK_TIME": "", "API_KEY": "", "REPORT": ""}
	code, out, errOut := runMain(t, env, "--no-tui", "--mode", "steady", "-r", "50", "-t", "0.2", "-u", srv.URL)
	if code != exitOK || srv.n.Load() == 0 {
		t.Fatalf("exit %d, %d sent\n%s\n%s", code, srv.n.Load(), out, errOut)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.keys[defaultAPIKey] != int(srv.n.Load()) {
		t.Errorf("an empty API_KEY did not send the default key: %v", srv.keys)
	}
}

// TestAdHocCurlStyle: `trafficgen -X POST -H 'Content-Type: application/json'
// -d '{"a":1}' URL` sends exactly that request, at the given rate, and
// nothing else.
func TestAdHocCurlStyle(t *testing.T) {
	var mu sync.Mutex
	wrong := []string{}
	srv := newCounter(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != "POST" || r.URL.Path != "/x" || r.Header.Get("Content-Type") != "application/json" || string(b) != `{"a":1}` {
			mu.Lock()
			wrong = append(wrong, fmt.Sprintf("%s %s %q %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"), b))
			mu.Unlock()
		}
	}))
	code, out, errOut := runMain(t, nil, "--no-tui", "--mode", "steady", "-r", "100", "-t", "2",
		"-X", "POST", "-H", "Content-Type: application/json", "-d", `{"a":1}`, srv.URL+"/x")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if n := srv.n.Load(); n < 198 || n > 202 || len(wrong) > 0 {
		t.Fatalf("server saw %d requests (want 200), %d not as given: %v", n, len(wrong), wrong[:min(3, len(wrong))])
	}
	if !strings.Contains(out, fmt.Sprintf("Total Requests: %d\n", srv.n.Load())) || !strings.Contains(out, "POST /x") {
		t.Errorf("summary:\n%s", out)
	}
}
