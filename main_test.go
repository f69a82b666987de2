package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
		// teatest's own SIGINT watcher (TestDriftUnderRamp's dashboard)
		goleak.IgnoreTopFunction("github.com/charmbracelet/x/exp/teatest.NewTestModel.func2"),
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
		binPath = filepath.Join(binDir, "trafficgen")
		binErr = goBuild(binPath, ".")
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// goBuild builds pkg into out, stamped with the VCS revision where there
// is one.
func goBuild(out, pkg string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	if b, err := exec.Command(goBin, "build", "-buildvcs=auto", "-o", out, pkg).CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
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
// It is long because it is one table of cases, read best side by side.
func TestBadInput(t *testing.T) {
	srv := newCounter(t, nil)
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, []byte("x"), 0o644)
	badYAML := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badYAML, []byte("endpoints: [\n"), 0o644)
	goodYAML := filepath.Join(dir, "good.yaml")
	os.WriteFile(goodYAML, []byte("endpoints: [{path: /x}]\n"), 0o644)
	bigYAML := filepath.Join(dir, "big.yaml")
	os.WriteFile(bigYAML, []byte("endpoints: [{path: /x}]\ndata: {x: ["+strings.Repeat("a,", 5<<20)+"a]}\n"), 0o644)
	os.WriteFile(bigYAML+"x", make([]byte, maxBodyFile+1), 0o644)
	deepYAML := filepath.Join(dir, "deep.yaml")
	os.WriteFile(deepYAML, []byte(strings.Repeat("[", 60000)), 0o644)
	pem := writeCerts(t, dir)
	u := srv.URL

	type tc struct {
		name string
		env  map[string]string
		args []string
		want string // in the message
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
		{name: "key with newline", env: map[string]string{"API_KEY": "abc\ndef-ghi-jkl"}, args: []string{"-u", u}, want: "API_KEY/--api-key"},
		{name: "scenario invalid", args: []string{"-u", u, "--scenario", badYAML}, want: "bad.yaml"},
		// ad-hoc request options
		{name: "method without url", args: []string{"-u", u, "-X", "POST"}, want: "-X"},
		{name: "header without url", args: []string{"-u", u, "-H", "A: b"}, want: "-H"},
		{name: "data without url", args: []string{"-u", u, "-d", "{}"}, want: "-d"},
		{name: "bad method", args: []string{"-X", "GET ME", u + "/x"}, want: "-X"},
		{name: "header without colon", args: []string{"-H", "nocolon", u + "/x"}, want: "-H"},
		{name: "data file missing", args: []string{"-d", "@" + filepath.Join(dir, "nope.json"), u + "/x"}, want: "-d"},
		{name: "unknown flag", args: []string{"-u", u, "--turbo"}, want: "--turbo"},
		// a header that would inject another on the wire
		{name: "header name with CRLF", args: []string{"-H", "X-Test\r\nInjected: 1", u + "/x"}, want: "-H"},
		{name: "header value with CRLF", args: []string{"-H", "X-Test: a\r\nInjected: 1", u + "/x"}, want: "-H"},
		{name: "header value with NUL", args: []string{"-H", "X-Test: a\x00b", u + "/x"}, want: "-H"},
		{name: "header name with space", args: []string{"-H", "X Test: 1", u + "/x"}, want: "-H"},
		{name: "url with a space", args: []string{u + "/a b"}, want: "a space"},
		{name: "scenario with ad-hoc url", args: []string{"--scenario", goodYAML, u + "/x"}, want: "SCENARIO/--scenario"},
		{name: "scenario too large", args: []string{"-u", u, "--scenario", bigYAML}, want: "larger than 64 KiB"},
		{name: "scenario too deep", args: []string{"-u", u, "--scenario", deepYAML}, want: "nested more than 32 levels"},
		{name: "data file too large", args: []string{"-d", "@" + bigYAML + "x", u + "/x"}, want: "-d"},
		// the seed's variable set for something else
		{name: "MODE of another tool", env: map[string]string{"MODE": "production"}, args: []string{"-u", u}, want: "(from MODE; TRAFFICGEN_MODE wins over it)"},
		{name: "prefixed variable bad", env: map[string]string{"MODE": "steady", "TRAFFICGEN_MODE": "x"}, args: []string{"-u", u}, want: "from TRAFFICGEN_MODE"},
		{name: "prefixed timeout bad", env: map[string]string{"TRAFFICGEN_REQUEST_TIMEOUT": "x"}, args: []string{"-u", u}, want: "REQUEST_TIMEOUT/--timeout"},
		// options of the transport
		{name: "client fasthttp", args: []string{"-u", u, "--client", "fasthttp"}, want: `CLIENT/--client: want h1 or nethttp, got "fasthttp"`},
		{name: "client unknown", env: map[string]string{"CLIENT": "curl"}, args: []string{"-u", u}, want: "want h1 or nethttp"},
		{name: "http2 with h1", args: []string{"-u", u, "--http2", "--client", "h1"}, want: "CLIENT/--client"},
		{name: "cacert missing", args: []string{"-u", u, "--cacert", filepath.Join(dir, "nope.pem")}, want: "TRAFFICGEN_CACERT/--cacert"},
		{name: "cacert not PEM", args: []string{"-u", u, "--cacert", goodYAML}, want: "TRAFFICGEN_CACERT/--cacert: no PEM certificate"},
		{name: "key without cert", args: []string{"-u", u, "--key", pem.key}, want: "TRAFFICGEN_KEY/--key"},
		{name: "cert without key", args: []string{"-u", u, "--cert", pem.cert}, want: "--cert"},
		{name: "cert with a wrong key", args: []string{"-u", u, "--cert", pem.cert, "--key", pem.otherKey}, want: "TRAFFICGEN_KEY/--key"},
		{name: "cert unreadable", env: map[string]string{"TRAFFICGEN_CERT": dir}, args: []string{"-u", u}, want: "TRAFFICGEN_CERT/--cert"},
		// -n and -c
		{name: "requests with a duration", args: []string{"-u", u, "-n", "10", "-z", "5"}, want: "TRAFFICGEN_REQUESTS/--requests"},
		{name: "requests in the closed loop", args: []string{"-u", u, "-n", "10", "-c", "4"}, want: "TRAFFICGEN_REQUESTS/--requests"},
		{name: "requests in spike mode", args: []string{"-u", u, "-n", "10", "--mode", "spike"}, want: "MODE/--mode asks for spike"},
		{name: "requests with journeys", args: []string{"-u", u, "-n", "10", "--users", "3"}, want: "CONCURRENT_USERS/--users"},
		{name: "concurrency against max in flight", args: []string{"-u", u, "-c", "5", "-r", "100", "--max-in-flight", "7"}, want: "CONCURRENCY/--concurrency"},
	}

	// The options with a variable and a flag: a case is named "<name>
	// <what>" and its message must name "<env>/<flag>". The flag is given as
	// short (when set) or flag and the value; a negative value as
	// flag=value, the one way it is not taken for a flag.
	type values map[string]string // what is wrong → the value
	options := []struct {
		name, env, flag, short string
		inEnv, inFlag          values
	}{
		{"mode", "MODE", "--mode", "", values{"unknown": "turbo", "empty": ""},
			values{"flag unknown": "fast"}},
		{"rps", "RPS", "--rps", "", values{"empty": "", "words": "abc"},
			values{"negative": "-5", "zero": "0", "NaN": "NaN", "Inf": "Inf", "huge": "1e12"}},
		{"duration", "DURATION", "--duration", "-z", values{"empty": ""},
			values{"words": "soon", "negative": "-1", "negative go": "-5s", "NaN": "NaN", "huge": "1e12"}},
		{"users", "CONCURRENT_USERS", "--users", "", values{"empty": ""},
			values{"negative": "-1", "words": "ten", "fraction": "2.5", "huge": "10000000"}},
		{"concurrency", "CONCURRENCY", "--concurrency", "-c", values{"empty": ""},
			values{"negative": "-1", "words": "many", "huge": "100000000", "overflow": "99999999999999999999999"}},
		{"spike multiplier", "SPIKE_MULTIPLIER", "--spike-multiplier", "", values{"empty": ""},
			values{"zero": "0", "negative": "-2", "NaN": "NaN", "huge": "1e9", "words": "x"}},
		{"spike duration", "SPIKE_DURATION", "--spike-duration", "", values{"empty": ""},
			values{"zero": "0s", "negative": "-3s", "words": "3"}},
		{"max in flight", "MAX_IN_FLIGHT", "--max-in-flight", "", values{"empty": ""},
			values{"negative": "-1", "huge": "2000000", "words": "lots"}},
		{"timeout", "REQUEST_TIMEOUT", "--timeout", "", values{"empty": ""},
			values{"zero": "0s", "negative": "-1s", "words": "abc"}},
		{"think", "THINK_TIME", "--think", "", nil,
			values{"words": "abc", "reversed": "5s-2s", "negative": "-1s", "half": "1s-x"}},
		{"stats interval", "STATS_INTERVAL", "--stats-interval", "", values{"empty": ""},
			values{"zero": "0s", "tiny": "1ms", "words": "often"}},
		{"report", "REPORT", "--report", "", nil, values{
			"in a missing directory":   filepath.Join(dir, "missing", "r.json"),
			"is a directory":           dir,
			"under a file":             filepath.Join(notDir, "r.json"),
			"in a read-only directory": "/proc/self/report.json",
		}},
		{"requests", "TRAFFICGEN_REQUESTS", "--requests", "-n", nil,
			values{"zero": "0", "negative": "-3", "words": "lots", "huge": "10000000000"}},
		{"max redirects", "TRAFFICGEN_MAX_REDIRECTS", "--max-redirects", "", values{"words": "few"},
			values{"negative": "-1", "huge": "101"}},
		{"scenario", "SCENARIO", "--scenario", "", nil, values{"missing": filepath.Join(dir, "nope.yaml")}},
		{"embedded", "EMBEDDED", "--embedded", "", values{"words": "maybe", "empty": ""}, nil},
		{"no tui", "NO_TUI", "--no-tui", "", values{"words": "perhaps"}, nil},
		{"shard", "SHARD", "--shard", "", nil,
			values{"zero": "0/2", "beyond": "3/2", "of none": "1/0", "words": "one of two", "negative": "-1/2", "three parts": "1/2/3"}},
		{"seed", "SEED", "--seed", "", values{"empty": ""},
			values{"negative": "-1", "words": "lucky"}},
	}
	for _, o := range options {
		want := o.env + "/" + o.flag
		for _, what := range slices.Sorted(maps.Keys(o.inEnv)) {
			cases = append(cases, tc{name: o.name + " " + what, env: map[string]string{o.env: o.inEnv[what]}, args: []string{"-u", u}, want: want})
		}
		for _, what := range slices.Sorted(maps.Keys(o.inFlag)) {
			args := []string{"-u", u, cmp.Or(o.short, o.flag), o.inFlag[what]}
			if v := o.inFlag[what]; strings.HasPrefix(v, "-") {
				args = []string{"-u", u, o.flag + "=" + v}
			}
			cases = append(cases, tc{name: o.name + " " + what, args: args, want: want})
		}
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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

// parseRun parses and checks args as the run command without running it.
func parseRun(args []string) (*options, error) {
	var c cli
	parser, err := newParser(&c, io.Discard, io.Discard, func(int) {})
	if err != nil {
		return nil, err
	}
	if _, err := parser.Parse(args); err != nil {
		return nil, err
	}
	return c.Run.opts, nil
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

// TestMaxInFlightAutomatic: 0, in the environment or as a flag, is the
// automatic cap (the default), not an error.
func TestMaxInFlightAutomatic(t *testing.T) {
	srv := newCounter(t, nil)
	for _, c := range []struct {
		env  map[string]string
		args []string
	}{
		{map[string]string{"MAX_IN_FLIGHT": "0"}, nil},
		{nil, []string{"--max-in-flight", "0"}},
	} {
		before := srv.n.Load()
		args := append([]string{"--no-tui", "--mode", "steady", "-r", "50", "-t", "0.2", "-u", srv.URL}, c.args...)
		if code, out, errOut := runMain(t, c.env, args...); code != exitOK || srv.n.Load() == before {
			t.Fatalf("%v %v: exit %d, %d sent\n%s\n%s", c.env, c.args, code, srv.n.Load()-before, out, errOut)
		}
	}
}

// TestAdHocCurlStyle: `trafficgen -X POST -H 'Content-Type: application/json'
// -d '{"a":1}' URL` sends exactly that request, at the given rate, and
// nothing else.
func TestAdHocCurlStyle(t *testing.T) {
	t.Parallel()
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
