// Command trafficgen generates live HTTP traffic and shows it on a
// full-screen terminal dashboard (or prints it, when not on a terminal).
//
// main.go only wires things together: flags and environment into a
// loadgen.Config, the dashboard or the headless printer, the demo API.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/alecthomas/kong"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/mattn/go-isatty"

	"github.com/trafficgen/trafficgen/demoapi"
	"github.com/trafficgen/trafficgen/loadgen"
	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/stats"
	"github.com/trafficgen/trafficgen/ui"
)

// Exit statuses.
const (
	exitOK          = 0
	exitFailure     = 1 // the run could not start or its report not be written
	exitUsage       = 2 // bad flags, environment or scenario; nothing was sent
	exitInterrupted = 130
)

// defaultAPIKey is the key the original tool and the demo API use.
const defaultAPIKey = "test-api-key-12345"

type cli struct {
	Run      runCmd      `cmd:"" default:"withargs" help:"Send traffic (the default command): trafficgen [flags] [URL...]. Other commands: serve, scenario show, scenario check, merge (each with --help)."`
	Serve    serveCmd    `cmd:"" help:"Run the built-in demo API (users, orders, payments behind one gateway)."`
	Scenario scenarioCmd `cmd:"" help:"Show or check scenario files."`
	Merge    mergeCmd    `cmd:"" help:"Merge JSON reports from several instances (shards) into one."`
}

type runCmd struct {
	URLs []string `arg:"" optional:"" name:"url" help:"Ad-hoc target URLs (URL or URL@weight), curl-style; without them the scenario runs against --gateway-url."`

	GatewayURL      string        `name:"gateway-url" short:"u" env:"GATEWAY_URL" default:"http://localhost:18080" help:"Target base URL; a path prefix works as a base path."`
	APIKey          string        `name:"api-key" env:"API_KEY" help:"Sent as X-API-Key (default: the demo key, test…345). Never printed in full."`
	Mode            string        `env:"MODE" default:"realistic" enum:"steady,ramp-up,rampup,spike,realistic,demo" help:"Load mode: steady, ramp-up, spike, realistic or demo."`
	RPS             string        `name:"rps" short:"r" env:"RPS" default:"20" help:"Base request rate per second; 0 with --concurrency runs the closed-loop max-throughput mode."`
	Duration        string        `short:"t" env:"DURATION" default:"300" help:"Run length: seconds, or a Go duration such as 90s or 5m; 0 runs until you quit."`
	Users           string        `name:"users" env:"CONCURRENT_USERS" default:"10" help:"Journey virtual users (realistic and demo modes; others only when set)."`
	Concurrency     int           `short:"c" env:"CONCURRENCY" help:"Max-throughput mode: this many workers send back to back (with no rate given, or RPS=0)."`
	SpikeMultiplier float64       `env:"SPIKE_MULTIPLIER" default:"5" help:"A live spike adds this many times the base rate."`
	SpikeDuration   time.Duration `env:"SPIKE_DURATION" default:"3s" help:"How long a live spike lasts."`
	MaxInFlight     int           `env:"MAX_IN_FLIGHT" default:"0" help:"Cap on outstanding requests; a request due while it is full is dropped and counted. 0: 1000, or 100ms of the target rate if more."`
	Timeout         time.Duration `env:"REQUEST_TIMEOUT" default:"10s" help:"Per-request timeout, and the longest the final drain waits."`
	Think           string        `env:"THINK_TIME" help:"Think time between a user's journeys, e.g. 2s-5s (default: the scenario's)."`
	StatsInterval   time.Duration `env:"STATS_INTERVAL" default:"5s" help:"Headless output: how often a stats block prints."`
	Report          string        `env:"REPORT" help:"Write a JSON report (mergeable) to this file at the end."`
	ScenarioFile    string        `name:"scenario" env:"SCENARIO" help:"Scenario YAML file (default: the built-in gateway scenario)."`
	Embedded        bool          `env:"EMBEDDED" help:"Start the built-in demo API in-process on a free loopback port and aim at it."`
	NoTUI           bool          `name:"no-tui" env:"NO_TUI" help:"Print periodic stats instead of the dashboard, even on a terminal."`
	Theme           string        `env:"THEME" default:"auto" enum:"auto,dark,light,high-contrast" help:"Dashboard colours: auto (the terminal's background if it says, else colours that read on any), dark, light or high-contrast."`
	Shard           string        `env:"SHARD" help:"i/N: this instance's share of a distributed run (1/N of every rate and of the users)."`
	Seed            uint64        `env:"SEED" help:"Seed for the randomness (0 = random)."`
	Client          string        `env:"CLIENT" placeholder:"h1|fasthttp|nethttp" help:"HTTP client: h1 (the default: trafficgen's own HTTP/1.1 client, the least CPU per request), fasthttp (github.com/valyala/fasthttp, HTTP/1.1) or nethttp (Go's net/http: HTTP/2 and proxies; chosen by default when HTTP_PROXY or HTTPS_PROXY applies to the target)."`

	Method  string   `short:"X" name:"request" help:"Ad-hoc URLs: HTTP method (default GET, or POST with -d)."`
	Headers []string `short:"H" name:"header" sep:"none" help:"Ad-hoc URLs: a request header 'Name: value' (repeatable)."`
	Data    string   `short:"d" name:"data" help:"Ad-hoc URLs: request body, or @file to read it from a file."`

	args []string `kong:"-"` // the command line, to tell given options from defaults
}

type serveCmd struct {
	Addr         string   `env:"SERVE_ADDR" default:"127.0.0.1:18080" help:"Listen address (loopback unless you say otherwise)."`
	LatencyScale float64  `env:"LATENCY_SCALE" default:"1" help:"Service latency scale: 1 as the real services, 0 none."`
	RateLimit    int      `env:"RATE_LIMIT" help:"Per-key requests per second before 429 (0 = unlimited)."`
	Fault        []string `sep:"none" help:"Start with a fault: SERVICE=KIND[:N], e.g. payments=slow:5, all=errors:30, orders=outage (repeatable)."`
	APIKeys      []string `sep:"none" name:"api-key" env:"API_KEY" help:"Accepted X-API-Key values (default: the demo key, test…345)."`
	AdminToken   string   `env:"ADMIN_TOKEN" help:"Token a non-loopback caller needs for /admin/faults."`
	MaxRecords   int      `env:"MAX_RECORDS" help:"Records kept per store, oldest evicted (default 10000)."`
	Seed         int64    `help:"Seed for the latency and failure randomness (0 = random)."`
	Capacity     float64  `env:"CAPACITY" default:"60" help:"Requests a second the services handle together (at latency scale 1) before a queue forms and latency rises; past a 2s queue they shed load with 503s. 0: no limit."`
}

type scenarioCmd struct {
	Show  struct{} `cmd:"" help:"Print the built-in scenario (a starting point for your own)."`
	Check struct {
		Files []string `arg:"" type:"existingfile" help:"Scenario files to validate."`
	} `cmd:"" help:"Validate scenario files; errors name file, line and column."`
}

type mergeCmd struct {
	Reports []string `arg:"" type:"existingfile" help:"Reports to merge."`
	Output  string   `short:"o" type:"path" help:"Write the merged report here (default: standard output)."`
}

func main() {
	if os.Getenv("GOGC") == "" {
		// See gcPercent.
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// gcPercent is the collector's target (GOGC) unless the environment sets
// one. The request path allocates next to nothing, so at Go's default of
// 100 the heap took a minute or two to fill to the collector's 4 MB
// minimum, and the resident size crept up by 12–17 % between 10 s and
// 60 s at 20,000 req/s; at 50 the minimum is 2 MB, reached early, and
// the resident size stays within 4 % at about 2 MB less, for no CPU
// measurable per request (BENCHMARKS.md, sixth round).
const gcPercent = 50

func run(args []string, stdout, stderr io.Writer) int {
	var c cli
	exit := -1
	parser, err := kong.New(&c,
		kong.Name("trafficgen"),
		kong.Description("A live traffic generator for HTTP APIs, with a full-screen terminal dashboard.\n\n"+
			"Environment variables set every option; a flag wins over its variable.\n"+
			"Keys on the dashboard: s spike, 1-5 mode, +/- rate, ]/[ users, p pause, f fault (--embedded), ? help, q quit."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exit = code }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, WrapUpperBound: 100}),
	)
	if err != nil {
		fmt.Fprintln(stderr, "trafficgen:", err)
		return exitFailure
	}
	kctx, err := parser.Parse(helpForRun(args))
	if exit >= 0 { // --help
		return exit
	}
	if err != nil {
		fmt.Fprintf(stderr, "trafficgen: %s\n", nameVariable(parser, err.Error()))
		return exitUsage
	}
	c.Run.args = args
	switch kctx.Command() {
	case "serve":
		return c.Serve.run(stdout, stderr)
	case "scenario show":
		stdout.Write(scenario.DefaultSource())
		return exitOK
	case "scenario check <files>":
		return checkScenarios(c.Scenario.Check.Files, stdout, stderr)
	case "merge <reports>":
		return c.Merge.run(stdout, stderr)
	default:
		return c.Run.run(stdout, stderr)
	}
}

// nameVariable adds the environment variable to a kong error that names
// only the flag ("--mode must be one of …" becomes "MODE/--mode must be
// one of …"), as the run's own checks do.
func nameVariable(parser *kong.Kong, msg string) string {
	var best *kong.Flag
	var visit func(n *kong.Node)
	visit = func(n *kong.Node) {
		for _, f := range n.Flags {
			long := "--" + f.Name
			if len(f.Envs) == 0 || !strings.HasPrefix(msg, long) || len(msg) == len(long) {
				continue
			}
			if c := msg[len(long)]; (c == ':' || c == ' ') && (best == nil || len(f.Name) > len(best.Name)) {
				best = f
			}
		}
		for _, c := range n.Children {
			visit(c)
		}
	}
	visit(parser.Model.Node)
	if best == nil {
		return msg
	}
	return best.Envs[0] + "/" + msg
}

// helpForRun makes `trafficgen --help` show the options of the default
// run command, which is what people look for, with the other commands.
func helpForRun(args []string) []string {
	for _, a := range args {
		switch a {
		case "run", "serve", "scenario", "merge":
			return args
		case "-h", "--help":
			return append([]string{"run"}, args...)
		}
	}
	return args
}

// options is a run's checked configuration.
type options struct {
	cfg         loadgen.Config
	apiKey      string
	report      string
	interval    time.Duration
	tui         bool
	embedded    bool
	shardI      int
	shardN      int
	description string
}

// usageError is a bad flag or variable: exit status 2, nothing sent.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func (r *runCmd) options(stdout io.Writer) (*options, error) {
	o := &options{apiKey: r.APIKey, interval: r.StatsInterval, embedded: r.Embedded}
	if o.apiKey == "" {
		o.apiKey = defaultAPIKey
	}
	if !validHeaderValue(o.apiKey) {
		return nil, usagef("API_KEY/--api-key: contains a control character (a stray newline?); it cannot be sent in a header")
	}
	if r.Report != "" { // an empty REPORT means no report, like an unset one
		o.report = kong.ExpandPath(r.Report)
	}
	mode, err := plan.ParseMode(r.Mode)
	if err != nil {
		return nil, usagef("MODE/--mode: %v", err)
	}
	rps, err := strconv.ParseFloat(strings.TrimSpace(r.RPS), 64)
	switch {
	case err != nil:
		return nil, usagef("RPS/--rps: %q is not a number", r.RPS)
	case rps < 0 || math.IsNaN(rps) || math.IsInf(rps, 0):
		return nil, usagef("RPS/--rps: must be 0 or more, got %s", r.RPS)
	case rps > 10_000_000:
		return nil, usagef("RPS/--rps: %s is beyond what one machine can send; use --shard across machines", r.RPS)
	}
	dur, err := parseSeconds(r.Duration)
	if err != nil {
		return nil, usagef("DURATION/--duration: %v", err)
	}
	users, err := strconv.Atoi(strings.TrimSpace(r.Users))
	if err != nil || users < 0 || users > 100_000 {
		return nil, usagef("CONCURRENT_USERS/--users: want a whole number from 0 to 100000, got %q", r.Users)
	}
	switch {
	case r.Concurrency < 0 || r.Concurrency > 100_000:
		return nil, usagef("CONCURRENCY/--concurrency: want 0 to 100000, got %d", r.Concurrency)
	case !(r.SpikeMultiplier > 0 && r.SpikeMultiplier <= 1000): // NaN too
		return nil, usagef("SPIKE_MULTIPLIER/--spike-multiplier: want more than 0 and at most 1000, got %g", r.SpikeMultiplier)
	case r.SpikeDuration <= 0:
		return nil, usagef("SPIKE_DURATION/--spike-duration: must be positive, got %v", r.SpikeDuration)
	case r.MaxInFlight < 0 || r.MaxInFlight > loadgen.MaxInFlightCap:
		return nil, usagef("MAX_IN_FLIGHT/--max-in-flight: want 0 (automatic) to %d, got %d", loadgen.MaxInFlightCap, r.MaxInFlight)
	case r.Timeout <= 0:
		return nil, usagef("REQUEST_TIMEOUT/--timeout: must be positive, got %v", r.Timeout)
	case r.StatsInterval < 100*time.Millisecond:
		return nil, usagef("STATS_INTERVAL/--stats-interval: at least 100ms, got %v", r.StatsInterval)
	}
	switch r.Client {
	case "", loadgen.ClientH1, loadgen.ClientNetHTTP, loadgen.ClientFastHTTP:
	default:
		return nil, usagef("CLIENT/--client: want h1, fasthttp or nethttp, got %q", r.Client)
	}
	var think scenario.Range
	if r.Think != "" {
		if think, err = parseRange(r.Think); err != nil {
			return nil, usagef("THINK_TIME/--think: %v", err)
		}
	}
	if o.report != "" {
		if err := checkReportPath(o.report); err != nil {
			return nil, usagef("REPORT/--report: %v", err)
		}
	}
	target := r.GatewayURL
	if !r.Embedded && len(r.URLs) == 0 {
		if err := checkURL(target); err != nil {
			return nil, usagef("GATEWAY_URL/--gateway-url: %v", err)
		}
	}
	if r.Embedded && len(r.URLs) > 0 {
		return nil, usagef("--embedded aims at the built-in demo API; it cannot be combined with ad-hoc URLs")
	}
	o.shardI, o.shardN = 1, 1
	if r.Shard != "" {
		if o.shardI, o.shardN, err = parseShard(r.Shard); err != nil {
			return nil, usagef("SHARD/--shard: %v", err)
		}
	}
	if o.shardN > 1 {
		rps /= float64(o.shardN)
		users = users/o.shardN + boolInt(o.shardI <= users%o.shardN)
	}
	rpsSet, usersSet, durationSet := r.isSet("RPS", "rps", "r"), r.isSet("CONCURRENT_USERS", "users", ""), r.isSet("DURATION", "duration", "t")
	if r.Concurrency > 0 && (rps == 0 || !rpsSet) {
		mode = plan.ModeMax
	} else if rps == 0 && mode != plan.ModeMax {
		return nil, usagef("RPS/--rps: 0 needs --concurrency N (the closed-loop max-throughput mode)")
	}
	o.cfg = loadgen.Config{
		Target: target, Mode: mode, RPS: rps, Duration: dur, DurationSet: durationSet,
		Users: users, UsersSet: usersSet, SpikeMultiplier: r.SpikeMultiplier, SpikeDuration: r.SpikeDuration,
		MaxInFlight: r.MaxInFlight, Timeout: r.Timeout, Think: think, Concurrency: r.Concurrency, Seed: r.Seed, HTTPClient: r.Client,
	}
	getenv := func(name string) string {
		if name == "API_KEY" {
			return o.apiKey
		}
		return os.Getenv(name)
	}
	switch {
	case len(r.URLs) > 0:
		body := r.Data
		if strings.HasPrefix(body, "@") {
			b, err := os.ReadFile(body[1:])
			if err != nil {
				return nil, usagef("-d: %v", err)
			}
			body = string(b)
		}
		scn, err := scenario.FromAdHoc(scenario.AdHoc{URLs: r.URLs, Method: r.Method, Headers: r.Headers, Body: body})
		if err != nil {
			return nil, usagef("%v", err)
		}
		o.cfg.Scenario, o.cfg.Target = scn, ""
	case r.ScenarioFile != "":
		src, err := os.ReadFile(kong.ExpandPath(r.ScenarioFile))
		if err != nil {
			return nil, usagef("SCENARIO/--scenario: %v", err)
		}
		if o.cfg.Scenario, err = scenario.Load(r.ScenarioFile, src, scenario.Options{Getenv: getenv}); err != nil {
			return nil, usagef("%v", err)
		}
	default:
		if o.cfg.Scenario, err = scenario.Default(scenario.Options{Getenv: getenv}); err != nil {
			return nil, fmt.Errorf("built-in scenario: %w", err)
		}
	}
	if r.Method != "" || len(r.Headers) > 0 || r.Data != "" {
		if len(r.URLs) == 0 {
			return nil, usagef("-X, -H and -d apply to ad-hoc URLs; give one (e.g. trafficgen -X POST -d @body.json http://127.0.0.1:8080/x)")
		}
	}
	o.tui = !r.NoTUI && isTerminal(stdout) && os.Getenv("TERM") != "dumb"
	return o, nil
}

// isSet reports whether an option was given on the command line or in the
// environment (kong does not tell defaults from given values).
func (r *runCmd) isSet(env, long, short string) bool {
	if _, ok := os.LookupEnv(env); ok {
		return true
	}
	for _, a := range r.args {
		if a == "--" {
			break
		}
		if a == "--"+long || strings.HasPrefix(a, "--"+long+"=") || (short != "" && strings.HasPrefix(a, "-"+short)) {
			return true
		}
	}
	return false
}

// validHeaderValue says whether s can be sent as an HTTP header value.
func validHeaderValue(s string) bool {
	for _, c := range []byte(s) {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// isTerminal says whether w is a terminal: the dashboard needs one.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

// checkReportPath fails when a report could not be written to path, so a
// run does not send its traffic only to lose the report at the end.
func checkReportPath(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("directory %s: %v", dir, errors.Unwrap(err))
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// parseSeconds reads a duration given in seconds ("300", "2.5") or as a Go
// duration ("90s", "5m").
func parseSeconds(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f < 0 || math.IsNaN(f) || f > 365*24*3600 {
			return 0, fmt.Errorf("want 0 to a year in seconds, got %s", s)
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is neither seconds nor a duration like 90s or 5m", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("must not be negative, got %s", s)
	}
	return d, nil
}

// parseRange reads "2s-5s", "3s" or "500ms-1s".
func parseRange(s string) (scenario.Range, error) {
	lo, hi, found := strings.Cut(strings.TrimSpace(s), "-")
	a, err := time.ParseDuration(strings.TrimSpace(lo))
	if err != nil {
		return scenario.Range{}, fmt.Errorf("%q: want a duration or a range like 2s-5s", s)
	}
	b := a
	if found {
		if b, err = time.ParseDuration(strings.TrimSpace(hi)); err != nil {
			return scenario.Range{}, fmt.Errorf("%q: want a duration or a range like 2s-5s", s)
		}
	}
	if a < 0 || b < a {
		return scenario.Range{}, fmt.Errorf("%q: want 0 ≤ min ≤ max", s)
	}
	if b == 0 {
		b = time.Nanosecond // "0s": no think time at all
	}
	return scenario.Range{Min: a, Max: b}, nil
}

func parseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return 0, 0, fmt.Errorf("want i/N with 1 ≤ i ≤ N, got %q", s)
	}
	return i, n, nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http:// or https:// URL", s)
	}
	return nil
}

// maskKey shows the first 4 and last 3 characters of a secret.
func maskKey(k string) string {
	if len(k) <= 8 {
		return strings.Repeat("*", len(k))
	}
	return k[:4] + "…" + k[len(k)-3:]
}

func (r *runCmd) run(stdout, stderr io.Writer) int {
	o, err := r.options(stdout)
	if err != nil {
		fmt.Fprintf(stderr, "trafficgen: %v\n", err)
		var ue usageError
		var se scenario.Errors
		if errors.As(err, &ue) || errors.As(err, &se) {
			return exitUsage
		}
		return exitFailure
	}
	var emb *demoapi.Embedded
	if o.embedded {
		if emb, err = demoapi.StartEmbedded(demoapi.Options{LatencyScale: 1, APIKeys: []string{o.apiKey}, Capacity: demoapi.CapacityFor(o.cfg.RPS)}); err != nil {
			fmt.Fprintf(stderr, "trafficgen: start the embedded demo API: %v\n", err)
			return exitFailure
		}
		defer emb.Close()
		o.cfg.Target = emb.URL
	}
	eng, err := loadgen.New(o.cfg)
	if err != nil {
		fmt.Fprintf(stderr, "trafficgen: %v\n", err)
		return exitUsage
	}
	target := loadgen.RedactURL(o.cfg.Target) // shown, so never with a password
	if target == "" {
		var urls []string
		for _, u := range r.URLs {
			urls = append(urls, loadgen.RedactURL(u))
		}
		target = strings.Join(urls, " ")
	}
	if warn := probe(target, o.cfg.Scenario); warn != "" {
		eng.Note("error", warn)
		if !o.tui {
			fmt.Fprintln(stderr, "trafficgen: warning:", warn)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	interrupted, stopSignals := watchSignals(cancel, stderr)
	defer stopSignals()
	done := make(chan struct{})
	go func() {
		defer close(done)
		eng.Run(ctx)
	}()

	writeSummary := stats.WriteSummary
	if o.tui {
		theme, _ := ui.ParseTheme(r.Theme)
		opts := ui.Options{SpikeMultiplier: o.cfg.SpikeMultiplier, SpikeDuration: o.cfg.SpikeDuration, Theme: theme,
			FaultUnavailable: "f: faults need --embedded (the target is " + target + ")"}
		if emb != nil {
			opts.CycleFault = func() string { return demoapi.Story(demoapi.All, emb.API.CycleFault(demoapi.All)) }
		}
		// r on the finished dashboard: a new engine with the same settings.
		var runMu sync.Mutex
		opts.Restart = func() (ui.Engine, <-chan stats.Snapshot, error) {
			next, err := loadgen.New(o.cfg)
			if err != nil {
				return nil, nil, err
			}
			nextDone := make(chan struct{})
			go func() { defer close(nextDone); next.Run(ctx) }()
			runMu.Lock()
			eng, done = next, nextDone
			runMu.Unlock()
			return next, next.Snapshots(), nil
		}
		p := tea.NewProgram(ui.New(eng, eng.Snapshots(), opts), tea.WithAltScreen(), tea.WithFPS(30),
			tea.WithContext(ctx), tea.WithoutSignalHandler())
		if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
			fmt.Fprintf(stderr, "trafficgen: dashboard: %v\n", err)
		}
		cancel()
		runMu.Lock()
		defer runMu.Unlock()
		if n := eng.Recorder().InFlight(); n > 0 {
			fmt.Fprintf(stderr, "draining %d requests in flight (up to %v)…\n", n, o.cfg.Timeout)
		}
		<-done
		// The headline last, on the screen the dashboard leaves.
		writeSummary = stats.WriteSummaryHeadlineLast
	} else {
		fmt.Fprintln(stdout, describe(o, target))
		headless(eng, o.interval, stdout)
		<-done
	}
	final := eng.Final()
	writeSummary(stdout, final)
	code := exitOK
	if o.report != "" {
		if err := writeReport(eng, o, target); err != nil {
			fmt.Fprintf(stderr, "trafficgen: %v\n", err)
			code = exitFailure
		} else {
			fmt.Fprintf(stdout, "\nReport written to %s\n", o.report)
		}
	}
	if interrupted() && code == exitOK {
		return exitOK
	}
	return code
}

// describe is the headless start line.
func describe(o *options, target string) string {
	c := o.cfg
	var b strings.Builder
	fmt.Fprintf(&b, "trafficgen: %s mode", c.Mode)
	if c.Mode == plan.ModeMax {
		fmt.Fprintf(&b, ", %d workers back to back", c.Concurrency)
	} else {
		fmt.Fprintf(&b, ", %g req/s", c.RPS)
	}
	if len(c.Scenario.Journeys) > 0 && (c.Mode == plan.ModeRealistic || c.Mode == plan.ModeDemo || c.UsersSet) {
		fmt.Fprintf(&b, ", %d journey users", c.Users)
	}
	if c.Duration > 0 {
		fmt.Fprintf(&b, ", %v", c.Duration)
	} else {
		b.WriteString(", until stopped")
	}
	fmt.Fprintf(&b, " → %s (key %s)", target, maskKey(o.apiKey))
	if o.shardN > 1 {
		fmt.Fprintf(&b, ", shard %d/%d", o.shardI, o.shardN)
	}
	return b.String()
}

// headless prints a stats block every interval until the run ends.
func headless(eng *loadgen.Engine, interval time.Duration, w io.Writer) {
	next := time.Now().Add(interval)
	for s := range eng.Snapshots() {
		if s.Run.Done {
			return
		}
		if s.Taken.Before(next) {
			continue
		}
		next = next.Add(interval)
		stats.WriteBlock(w, s)
	}
}

// watchSignals cancels the run on the first SIGINT, SIGTERM or SIGHUP (the
// terminal went away: the dashboard restores it as far as it still can,
// and the summary and report are still written) and exits at once with
// status 130 on a second one. interrupted reports whether a signal came;
// stop ends the watch.
func watchSignals(cancel context.CancelFunc, stderr io.Writer) (interrupted func() bool, stop func()) {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	got, quit, exited := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		select {
		case <-ch:
		case <-quit:
			return
		}
		close(got)
		fmt.Fprintln(stderr, "\nstopping: draining requests in flight (interrupt again to quit at once)")
		cancel()
		select {
		case <-ch:
		case <-quit:
			return
		}
		fmt.Fprintln(stderr, "interrupted")
		os.Exit(exitInterrupted)
	}()
	interrupted = func() bool {
		select {
		case <-got:
			return true
		default:
			return false
		}
	}
	stop = func() {
		signal.Stop(ch)
		close(quit)
		<-exited
	}
	return interrupted, stop
}

// probe checks at start that the target answers, and returns a warning
// when it does not. The run goes on either way, so a presenter can bring the
// target up mid-run.
func probe(target string, scn *scenario.Scenario) string {
	u, err := url.Parse(strings.Fields(target + " x")[0])
	if err != nil || u.Host == "" {
		return ""
	}
	host := u.Host
	if u.Port() == "" {
		if u.Scheme == "https" {
			host = net.JoinHostPort(u.Hostname(), "443")
		} else {
			host = net.JoinHostPort(u.Hostname(), "80")
		}
	}
	conn, err := net.DialTimeout("tcp", host, time.Second)
	if err != nil {
		return fmt.Sprintf("target %s is not answering (%v); the run goes on and traffic flows once it is up", u.Host, err)
	}
	conn.Close()
	return ""
}

func writeReport(eng *loadgen.Engine, o *options, target string) error {
	c := o.cfg
	conf := map[string]any{
		"target": target, "mode": c.Mode.String(), "rps": c.RPS, "durationSeconds": c.Duration.Seconds(),
		"users": c.Users, "maxInFlight": c.MaxInFlight, "timeoutSeconds": c.Timeout.Seconds(),
		"spikeMultiplier": c.SpikeMultiplier, "spikeSeconds": c.SpikeDuration.Seconds(),
		"apiKey": maskKey(o.apiKey), "scenario": c.Scenario.Name, "shard": fmt.Sprintf("%d/%d", o.shardI, o.shardN), "client": eng.ClientName(),
	}
	if c.Mode == plan.ModeMax {
		conf["concurrency"] = c.Concurrency
	}
	rep, err := eng.Report(conf)
	if err != nil {
		return fmt.Errorf("build report: %w", err)
	}
	if err := writeFileAtomic(o.report, rep.Write); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// writeFileAtomic writes path through a temporary file of its own in the
// same directory, renamed into place once complete: a reader never sees a
// half-written file, an existing file is replaced only by a complete one,
// and nothing is left behind on failure.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = write(f)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

func checkScenarios(files []string, stdout, stderr io.Writer) int {
	code := exitOK
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err == nil {
			_, err = scenario.Load(f, src, scenario.Options{})
		}
		if err != nil {
			fmt.Fprintln(stderr, err)
			code = exitUsage
			continue
		}
		fmt.Fprintf(stdout, "%s: ok\n", f)
	}
	return code
}

func (s *serveCmd) run(stdout, stderr io.Writer) int {
	opts := demoapi.Options{LatencyScale: s.LatencyScale, Seed: s.Seed, APIKeys: s.APIKeys,
		RateLimit: s.RateLimit, MaxRecords: s.MaxRecords, AdminToken: s.AdminToken}
	switch {
	case s.LatencyScale < 0 || s.LatencyScale > 1000:
		fmt.Fprintf(stderr, "trafficgen serve: LATENCY_SCALE/--latency-scale: want 0 to 1000, got %g\n", s.LatencyScale)
		return exitUsage
	case s.RateLimit < 0:
		fmt.Fprintf(stderr, "trafficgen serve: RATE_LIMIT/--rate-limit: must not be negative, got %d\n", s.RateLimit)
		return exitUsage
	case s.MaxRecords < 0:
		fmt.Fprintf(stderr, "trafficgen serve: MAX_RECORDS/--max-records: must not be negative, got %d\n", s.MaxRecords)
		return exitUsage
	}
	if _, _, err := net.SplitHostPort(s.Addr); err != nil {
		fmt.Fprintf(stderr, "trafficgen serve: SERVE_ADDR/--addr: %v\n", err)
		return exitUsage
	}
	if s.Capacity < 0 {
		fmt.Fprintf(stderr, "trafficgen serve: CAPACITY/--capacity: must not be negative, got %g\n", s.Capacity)
		return exitUsage
	}
	opts.Capacity = s.Capacity
	api := demoapi.New(opts)
	for _, f := range s.Fault {
		svc, fault, err := demoapi.ParseFault(f)
		if err != nil {
			fmt.Fprintf(stderr, "trafficgen serve: --fault: %v\n", err)
			return exitUsage
		}
		api.SetFault(svc, fault)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	if err := demoapi.ServeAPI(ctx, s.Addr, api, stdout); err != nil {
		fmt.Fprintf(stderr, "trafficgen serve: %v\n", err)
		return exitFailure
	}
	return exitOK
}

func (m *mergeCmd) run(stdout, stderr io.Writer) int {
	var reps []*stats.Report
	for _, path := range m.Reports {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintf(stderr, "trafficgen merge: %v\n", err)
			return exitUsage
		}
		rep, err := stats.ReadReport(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "trafficgen merge: %s: %v\n", path, err)
			return exitUsage
		}
		reps = append(reps, rep)
	}
	merged, err := stats.Merge(reps...)
	if err != nil {
		fmt.Fprintf(stderr, "trafficgen merge: %v\n", err)
		return exitUsage
	}
	if m.Output != "" {
		err = writeFileAtomic(m.Output, merged.Write)
	} else {
		err = merged.Write(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "trafficgen merge: %v\n", err)
		return exitFailure
	}
	if m.Output != "" {
		fmt.Fprintf(stdout, "merged %d reports (%d instances): %d requests, %.1f%% success, p99 %.2fms → %s\n",
			len(reps), merged.Instances, merged.Total, merged.SuccessRate, merged.Latency.P99Ms, m.Output)
	}
	return exitOK
}
