package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/loadgen"
	"github.com/trafficgen/trafficgen/plan"
)

// mustParse parses and checks args as the run command.
func mustParse(t *testing.T, args ...string) *options {
	t.Helper()
	o, err := parseRun(args)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return o
}

// TestAdHocDefaults: an ad-hoc URL runs a steady rate for a few seconds;
// the scenario keeps the gateway's realistic five minutes.
func TestAdHocDefaults(t *testing.T) {
	t.Setenv("DURATION", "")
	os.Unsetenv("DURATION")
	o := mustParse(t, "http://127.0.0.1:1/x")
	if o.cfg.Mode != plan.ModeSteady || o.cfg.Duration != defaultAdHocDuration || o.cfg.RPS != defaultRPS || o.cfg.DurationSet {
		t.Errorf("ad-hoc: %v mode, %v, %g/s", o.cfg.Mode, o.cfg.Duration, o.cfg.RPS)
	}
	o = mustParse(t, "-u", "http://127.0.0.1:1")
	if o.cfg.Mode != plan.ModeRealistic || o.cfg.Duration != defaultDuration {
		t.Errorf("scenario: %v mode, %v", o.cfg.Mode, o.cfg.Duration)
	}
	if o := mustParse(t, "--mode", "spike", "-z", "90s", "http://127.0.0.1:1/x"); o.cfg.Mode != plan.ModeSpike || o.cfg.Duration != 90*time.Second {
		t.Errorf("given: %v mode, %v", o.cfg.Mode, o.cfg.Duration)
	}
}

// TestDurationFlags: -z (hey's), -t (trafficgen's own) and --duration are
// one option.
func TestDurationFlags(t *testing.T) {
	for _, args := range [][]string{{"-z", "7s"}, {"-t", "7"}, {"--duration", "7s"}, {"-z7s"}} {
		if o := mustParse(t, append(args, "http://127.0.0.1:1/x")...); o.cfg.Duration != 7*time.Second || !o.cfg.DurationSet {
			t.Errorf("%v: %v", args, o.cfg.Duration)
		}
	}
	for _, args := range [][]string{{"-m", "PUT"}, {"-X", "PUT"}, {"--method", "PUT"}, {"--request", "put"}} {
		if o := mustParse(t, append(args, "http://127.0.0.1:1/x")...); o.cfg.Scenario.Endpoints[0].Method != "PUT" {
			t.Errorf("%v: %s", args, o.cfg.Scenario.Endpoints[0].Method)
		}
	}
}

// TestConcurrencyMeansInFlight: -c N is at most N requests at once: the
// closed loop's workers without a rate, the in-flight cap with one.
func TestConcurrencyMeansInFlight(t *testing.T) {
	if o := mustParse(t, "-c", "5", "http://127.0.0.1:1/x"); o.cfg.Mode != plan.ModeMax || o.cfg.Concurrency != 5 {
		t.Errorf("-c 5: %v mode, %d workers", o.cfg.Mode, o.cfg.Concurrency)
	}
	if o := mustParse(t, "-c", "5", "-r", "0", "http://127.0.0.1:1/x"); o.cfg.Mode != plan.ModeMax {
		t.Errorf("-c 5 -r 0: %v mode", o.cfg.Mode)
	}
	o := mustParse(t, "-c", "5", "-r", "100", "http://127.0.0.1:1/x")
	if o.cfg.Mode != plan.ModeSteady || o.cfg.MaxInFlight != 5 || o.cfg.Concurrency != 0 {
		t.Errorf("-c 5 -r 100: %v mode, cap %d", o.cfg.Mode, o.cfg.MaxInFlight)
	}
	if o := mustParse(t, "-c", "5", "-r", "100", "--max-in-flight", "5", "http://127.0.0.1:1/x"); o.cfg.MaxInFlight != 5 {
		t.Errorf("the same cap twice: %d", o.cfg.MaxInFlight)
	}
}

// TestRequestsOption: -n N is N/rate seconds of the steady rate, and wins
// over DURATION from the environment (as any flag does).
func TestRequestsOption(t *testing.T) {
	t.Setenv("DURATION", "300")
	o := mustParse(t, "-n", "250", "-r", "100", "-u", "http://127.0.0.1:1")
	if o.cfg.Mode != plan.ModeSteady || o.cfg.Duration != 2500*time.Millisecond || o.requests != 250 {
		t.Errorf("-n 250 -r 100: %v mode, %v, %d", o.cfg.Mode, o.cfg.Duration, o.requests)
	}
	t.Setenv("TRAFFICGEN_REQUESTS", "10")
	if o := mustParse(t, "-z", "3s", "-u", "http://127.0.0.1:1"); o.requests != 0 || o.cfg.Duration != 3*time.Second {
		t.Errorf("-z over TRAFFICGEN_REQUESTS: %d requests, %v", o.requests, o.cfg.Duration)
	}
}

// TestTransportOptions: the client, HTTP/2, TLS and redirects reach the
// engine's configuration.
func TestTransportOptions(t *testing.T) {
	certs := writeCerts(t, t.TempDir())
	u := "http://127.0.0.1:1/x"
	if o := mustParse(t, u); o.cfg.TLS != nil || o.cfg.HTTP2 || o.cfg.MaxRedirects != 0 || o.cfg.HTTPClient != "" {
		t.Errorf("defaults: %+v", o.cfg)
	}
	if o := mustParse(t, "--http2", u); !o.cfg.HTTP2 || o.cfg.HTTPClient != loadgen.ClientNetHTTP {
		t.Errorf("--http2: client %q, HTTP2 %v", o.cfg.HTTPClient, o.cfg.HTTP2)
	}
	if o := mustParse(t, "-k", u); o.cfg.TLS == nil || !o.cfg.TLS.InsecureSkipVerify {
		t.Errorf("-k: %+v", o.cfg.TLS)
	}
	if o := mustParse(t, "--cacert", certs.cert, u); o.cfg.TLS == nil || o.cfg.TLS.RootCAs == nil || o.cfg.TLS.InsecureSkipVerify {
		t.Errorf("--cacert: %+v", o.cfg.TLS)
	}
	for _, args := range [][]string{{"--cert", certs.cert, "--key", certs.key}, {"--cert", certs.combined}} {
		if o := mustParse(t, append(args, u)...); o.cfg.TLS == nil || len(o.cfg.TLS.Certificates) != 1 {
			t.Errorf("%v: %+v", args, o.cfg.TLS)
		}
	}
	for in, want := range map[string]int{"0": loadgen.NoRedirects, "1": 1, "100": 100} {
		if o := mustParse(t, "--max-redirects", in, u); o.cfg.MaxRedirects != want {
			t.Errorf("--max-redirects %s: %d, want %d", in, o.cfg.MaxRedirects, want)
		}
	}
	t.Setenv("TRAFFICGEN_MAX_REDIRECTS", "0")
	if o := mustParse(t, u); o.cfg.MaxRedirects != loadgen.NoRedirects {
		t.Errorf("TRAFFICGEN_MAX_REDIRECTS=0: %d", o.cfg.MaxRedirects)
	}
	if o := mustParse(t, "--client", "nethttp", u); o.cfg.HTTPClient != loadgen.ClientNetHTTP {
		t.Errorf("--client nethttp: %q", o.cfg.HTTPClient)
	}
}

// TestPrefixedVariables: every variable works with TRAFFICGEN_, which wins
// over the one without; a flag wins over both.
func TestPrefixedVariables(t *testing.T) {
	t.Setenv("MODE", "production")
	t.Setenv("TRAFFICGEN_MODE", "steady")
	t.Setenv("RPS", "7")
	if o := mustParse(t, "-u", "http://127.0.0.1:1"); o.cfg.Mode != plan.ModeSteady || o.cfg.RPS != 7 {
		t.Errorf("TRAFFICGEN_MODE over MODE: %v mode, %g/s", o.cfg.Mode, o.cfg.RPS)
	}
	t.Setenv("TRAFFICGEN_RPS", "9")
	if o := mustParse(t, "-u", "http://127.0.0.1:1"); o.cfg.RPS != 9 {
		t.Errorf("TRAFFICGEN_RPS over RPS: %g", o.cfg.RPS)
	}
	if o := mustParse(t, "-u", "http://127.0.0.1:1", "--mode", "spike", "-r", "3"); o.cfg.Mode != plan.ModeSpike || o.cfg.RPS != 3 {
		t.Errorf("flags over variables: %v mode, %g/s", o.cfg.Mode, o.cfg.RPS)
	}
	os.Unsetenv("TRAFFICGEN_MODE")
	code, out, errOut := runMain(t, nil, "-u", "http://127.0.0.1:1")
	if code != exitUsage || out != "" || !strings.Contains(errOut, "MODE") || !strings.Contains(errOut, "TRAFFICGEN_MODE") {
		t.Errorf("MODE=production alone: exit %d, %q", code, errOut)
	}
}

// TestVersionAndHelp: --version names a version and a revision; help
// [command] is --help of that command.
func TestVersionAndHelp(t *testing.T) {
	code, out, _ := runMain(t, nil, "--version")
	if code != exitOK || !regexp.MustCompile(`^trafficgen \S+ \(revision \S+`).MatchString(out) {
		t.Errorf("--version: exit %d, %q", code, out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"help"}, "Usage: trafficgen run"},
		{[]string{"help", "merge"}, "Usage: trafficgen merge"},
		{[]string{"help", "scenario", "check"}, "Usage: trafficgen scenario check"},
		{[]string{"--help"}, "--requests=N"},
	} {
		code, out, errOut := runMain(t, nil, c.args...)
		if code != exitOK || !strings.Contains(out, c.want) {
			t.Errorf("%v: exit %d, %q%s", c.args, code, out[:min(200, len(out))], errOut)
		}
	}
	if code, _, errOut := runMain(t, nil, "help", "nope"); code != exitUsage || !strings.Contains(errOut, `no command "nope"`) {
		t.Errorf("help nope: exit %d, %q", code, errOut)
	}
}

// TestCompletion: the scripts load in their shells (bash -n checks the
// syntax), and trafficgen answers the shell's request with the run's
// flags at the top level.
func TestCompletion(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		code, out, errOut := runMain(t, nil, "completion", sh)
		if code != exitOK || !strings.Contains(out, "trafficgen") {
			t.Fatalf("completion %s: exit %d %q %q", sh, code, out, errOut)
		}
		if sh != "bash" {
			continue
		}
		bash, err := exec.LookPath("bash")
		if err != nil {
			t.Skip("no bash")
		}
		cmd := exec.Command(bash, "-n")
		cmd.Stdin = strings.NewReader(out)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("bash -n: %v\n%s\n%s", err, b, out)
		}
	}
	for line, want := range map[string]string{
		"trafficgen --mode s":    "spike steady",
		"trafficgen --cli":       "--client",
		"trafficgen --client ":   "h1 nethttp",
		"trafficgen sc":          "scenario",
		"trafficgen completion ": "bash fish zsh",
	} {
		t.Setenv("COMP_LINE", line)
		t.Setenv("COMP_POINT", "")
		code, out, _ := runMain(t, nil, "trafficgen")
		words := strings.Fields(out)
		slices.Sort(words)
		if code != exitOK || strings.Join(words, " ") != want {
			t.Errorf("%q: exit %d, %q, want %q", line, code, out, want)
		}
	}
}

// TestReportToStdout: --report - writes the JSON report alone on stdout
// (jq .summary works) and the human output on stderr.
func TestReportToStdout(t *testing.T) {
	srv := newCounter(t, nil)
	code, out, errOut := runMain(t, nil, "--no-tui", "-n", "40", "-r", "200", srv.URL+"/x", "--report", "-")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var rep struct {
		Summary struct{ Total int64 } `json:"summary"`
		Config  map[string]any        `json:"config"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&rep); err != nil || dec.More() {
		t.Fatalf("stdout is not one JSON document (%v):\n%s", err, out)
	}
	// -n 40 sends 40 when the scheduler keeps up; a stall at the very end
	// may cut the last (the engine's to fix), never add one.
	if n := rep.Summary.Total; n < 1 || n > 40 || n != srv.n.Load() || rep.Config["requests"] != float64(40) {
		t.Errorf("report total %d, server %d, config %v", n, srv.n.Load(), rep.Config)
	}
	if !strings.Contains(errOut, "Final Statistics") || !strings.Contains(errOut, "steady mode") {
		t.Errorf("stderr lacks the summary:\n%s", errOut)
	}
}

// TestReportNeverReplacesALink: a report path that is a symbolic link
// replaces the file it names (the link stays), and one that names a
// device or a pipe is written in place (as root, /dev/stdout was once
// replaced by a regular file).
func TestReportNeverReplacesALink(t *testing.T) {
	srv := newCounter(t, nil)
	dir := t.TempDir()
	target, link := filepath.Join(dir, "real.json"), filepath.Join(dir, "link.json")
	os.WriteFile(target, []byte("old"), 0o644)
	os.Symlink("real.json", link)
	null := filepath.Join(dir, "null.json")
	os.Symlink(os.DevNull, null)
	for _, path := range []string{link, null} {
		if code, _, errOut := runMain(t, nil, "--no-tui", "-n", "5", "-r", "100", srv.URL+"/x", "--report", path); code != exitOK {
			t.Fatalf("--report %s: exit %d, %s", path, code, errOut)
		}
		if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is no longer a link: %v %v", path, fi.Mode(), err)
		}
	}
	b, _ := os.ReadFile(target)
	if !bytes.Contains(b, []byte(`"schemaVersion"`)) {
		t.Errorf("the link's file holds %.40q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("files left in %s: %v", dir, entries)
	}
}

func TestVersionOf(t *testing.T) {
	for _, c := range []struct {
		bi   *debug.BuildInfo
		want string
	}{
		{nil, "trafficgen (devel) (revision unknown;"},
		{&debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "trafficgen v1.2.3 (revision unknown;"},
		{&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20250101120000-abcdef123456"}}, "(revision abcdef123456;"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"}, {Key: "vcs.modified", Value: "true"}}},
			"trafficgen (devel) (revision 0123456789abcdef0123456789abcdef01234567, modified;"},
	} {
		if got := versionOf(c.bi); !strings.HasPrefix(got, c.want) && !strings.Contains(got, c.want) {
			t.Errorf("versionOf(%+v) = %q, want %q", c.bi, got, c.want)
		}
	}
}
