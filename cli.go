package main

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alecthomas/kong"
	"github.com/posener/complete"

	"github.com/trafficgen/trafficgen/ui"
)

// cli is the command line: kong reads it from the flags, the environment
// and the positional arguments, then runs each node's Validate.
type cli struct {
	Version versionFlag `help:"Print the version and exit."`

	Run        runCmd        `cmd:"" default:"withargs" help:"Send traffic (the default command): trafficgen [flags] [URL...]. Other commands: serve, scenario show|check, merge, replay, help, completion (each with --help)."`
	Serve      serveCmd      `cmd:"" help:"Run the built-in demo API (users, orders, payments behind one gateway)."`
	Scenario   scenarioCmd   `cmd:"" help:"Show or check scenario files."`
	Merge      mergeCmd      `cmd:"" help:"Merge JSON reports from several instances (shards) into one."`
	Replay     replayCmd     `cmd:"" help:"Show a recording (--record) in the dashboard again, or turn it into a report."`
	Help       helpCmd       `cmd:"" help:"Show the help of a command: trafficgen help [command]."`
	Completion completionCmd `cmd:"" help:"Print a shell completion script: source <(trafficgen completion bash)."`
}

// runCmd is the run's options as given. Options whose default depends on
// the run (ad-hoc URLs or a scenario) or whose mere presence changes it are
// pointers: nil when neither a flag nor a variable gave them. Validate
// turns them into the options the run uses (opts).
type runCmd struct {
	URLs []string `arg:"" optional:"" name:"url" help:"Ad-hoc target URLs (URL or URL@weight), curl-style; without them the scenario runs against --gateway-url."`

	GatewayURL   string `name:"gateway-url" short:"u" env:"GATEWAY_URL" default:"http://localhost:18080" help:"Target base URL of the scenario; a path prefix works as a base path."`
	APIKey       string `name:"api-key" env:"API_KEY" placeholder:"KEY" help:"Sent as X-API-Key where the scenario sends it (the built-in one does; default: the demo key, test…345). Never printed in full."`
	ScenarioFile string `name:"scenario" env:"SCENARIO" placeholder:"FILE" predictor:"yaml" help:"Scenario YAML file (default: the built-in gateway scenario)."`
	Embedded     bool   `env:"EMBEDDED" help:"Start the built-in demo API in-process on a free loopback port and aim at it."`

	Mode        *string `env:"MODE" placeholder:"MODE" predictor:"mode" help:"Load mode: steady, ramp-up, spike, realistic, demo or knee (find the highest sustained rate; --knee-*) (default: realistic; steady for ad-hoc URLs)."`
	RPS         *string `name:"rps" short:"r" env:"RPS" placeholder:"RATE" help:"Base request rate per second (default 20)."`
	Duration    *string `short:"z" aliases:"t" env:"DURATION" placeholder:"DURATION" help:"Run length (-t works too): seconds, or a Go duration such as 90s or 5m; 0 runs until you quit (default: 5m; 10s for ad-hoc URLs)."`
	Requests    *int64  `short:"n" env:"TRAFFICGEN_REQUESTS" placeholder:"N" help:"Send N requests at the steady rate, then stop (in place of a duration)."`
	Concurrency int     `short:"c" env:"CONCURRENCY" placeholder:"N" help:"At most N requests at once: without a rate, N workers send back to back (the closed-loop max-throughput mode); with --rps, the in-flight cap."`
	Users       *string `name:"users" env:"CONCURRENT_USERS" placeholder:"N" help:"Journey virtual users (default 10; realistic and demo modes, others only when set)."`

	SpikeMultiplier float64       `env:"SPIKE_MULTIPLIER" default:"5" help:"A live spike adds this many times the base rate."`
	SpikeDuration   time.Duration `env:"SPIKE_DURATION" default:"3s" help:"How long a live spike lasts."`
	MaxInFlight     int           `env:"MAX_IN_FLIGHT" default:"0" help:"Cap on outstanding requests; a request due while it is full is dropped and counted. 0: 1000, or 100ms of the target rate if more."`
	Timeout         time.Duration `env:"REQUEST_TIMEOUT" default:"10s" help:"Per-request timeout, and the longest the final drain waits."`
	Think           string        `env:"THINK_TIME" placeholder:"MIN-MAX" help:"Think time between a user's journeys, e.g. 2s-5s (default: the scenario's)."`
	StatsInterval   time.Duration `env:"STATS_INTERVAL" default:"5s" help:"Headless output: how often a stats block prints."`
	Report          string        `env:"REPORT" placeholder:"FILE" predictor:"file" help:"Write a JSON report (mergeable) to this file at the end; - writes it to standard output (the summary then goes to standard error)."`
	NoTUI           bool          `name:"no-tui" env:"NO_TUI" help:"Print periodic stats instead of the dashboard, even on a terminal."`
	Thresholds      []string      `name:"threshold" sep:"none" env:"TRAFFICGEN_THRESHOLD" placeholder:"EXPR" help:"Fail the run (exit status 3) unless EXPR holds at its end: p50, p90, p95, p99, p99.9 or max <300ms; errors<1%; rate>=99%; dropped==0; checks>=99.9%; 'ROUTE: EXPR' for one route (repeatable; one a line in the variable)."`
	AbortOnFail     bool          `name:"abort-on-fail" env:"TRAFFICGEN_ABORT_ON_FAIL" help:"Stop the run at the first threshold that fails once its figure covers 100 requests or 5 s."`
	Baseline        string        `env:"TRAFFICGEN_BASELINE" placeholder:"REPORT" predictor:"file" help:"Compare the run with an earlier run's report (--report): the summary gives each route's change, the dashboard its deltas, thresholds may be relative to it (p99<baseline*1.2), and each route's JSON answers are compared with the shape it kept from the first answer on."`
	Theme           string        `env:"TRAFFICGEN_THEME" default:"auto" enum:"auto,dark,light,high-contrast" help:"Dashboard colours: auto (the terminal's background if it says, else colours that read on any), dark, light or high-contrast."`
	Shard           string        `env:"SHARD" placeholder:"I/N" help:"i/N: this instance's share of a distributed run (1/N of every rate and of the users); N alone in a Kubernetes Indexed Job, whose JOB_COMPLETION_INDEX picks i."`
	Record          string        `env:"TRAFFICGEN_RECORD" placeholder:"FILE" predictor:"file" help:"Record the run as it goes, for trafficgen replay FILE: the dashboard's every figure, the events and the settings (the key masked); compressed, a few MB for ten minutes."`
	MetricsAddr     string        `name:"metrics-addr" env:"TRAFFICGEN_METRICS_ADDR" placeholder:"HOST:PORT" help:"Serve Prometheus metrics at http://HOST:PORT/metrics during the run: 127.0.0.1:9464 (loopback only) or :9464 (every interface)."`
	Seed            uint64        `env:"SEED" placeholder:"N" help:"Seed for the randomness (0 = random)."`

	Client       string `env:"CLIENT" placeholder:"h1|nethttp" predictor:"client" help:"HTTP client: h1 (the default: trafficgen's own HTTP/1.1 client, the least CPU per request) or nethttp (Go's net/http: HTTP/2 and proxies; chosen by default when HTTP_PROXY or HTTPS_PROXY applies to the target)."`
	HTTP2        bool   `name:"http2" env:"TRAFFICGEN_HTTP2" help:"Use HTTP/2 (net/http): negotiated over TLS, h2c (prior knowledge) for an http:// target."`
	Insecure     bool   `short:"k" env:"TRAFFICGEN_INSECURE" help:"Do not verify the server's TLS certificate."`
	CACert       string `name:"cacert" env:"TRAFFICGEN_CACERT" placeholder:"FILE" predictor:"file" help:"Verify the server against the CA certificates in this PEM file (in place of the system's)."`
	Cert         string `name:"cert" env:"TRAFFICGEN_CERT" placeholder:"FILE" predictor:"file" help:"Client certificate (PEM) for servers that ask for one; with its key in --key, or in the same file."`
	Key          string `name:"key" env:"TRAFFICGEN_KEY" placeholder:"FILE" predictor:"file" help:"Private key (PEM) of --cert."`
	MaxRedirects *int   `env:"TRAFFICGEN_MAX_REDIRECTS" placeholder:"N" help:"Follow at most N redirects per request; 0 follows none (default 10)."`

	KneeStart     float64       `name:"knee-start" env:"TRAFFICGEN_KNEE_START" default:"50" group:"Knee finder (--mode knee, or K on the dashboard)" help:"Knee mode: the first step's rate, in req/s."`
	KneeFactor    float64       `name:"knee-factor" env:"TRAFFICGEN_KNEE_FACTOR" default:"1.5" group:"Knee finder (--mode knee, or K on the dashboard)" help:"Knee mode: each step's rate is the last one's × this."`
	KneeIncrement float64       `name:"knee-increment" env:"TRAFFICGEN_KNEE_INCREMENT" default:"0" group:"Knee finder (--mode knee, or K on the dashboard)" help:"Knee mode: add this many req/s a step, in place of --knee-factor."`
	KneeRefine    float64       `name:"knee-refine" env:"TRAFFICGEN_KNEE_REFINE" default:"1.1" group:"Knee finder (--mode knee, or K on the dashboard)" help:"Knee mode: after the first break, climb again from the last good rate by this factor a step; 1: stop at the first break."`
	KneeStep      time.Duration `name:"knee-step" env:"TRAFFICGEN_KNEE_STEP" default:"10s" group:"Knee finder (--mode knee, or K on the dashboard)" help:"Knee mode: how long each step lasts."`
	KneeSettle    time.Duration `name:"knee-settle" env:"TRAFFICGEN_KNEE_SETTLE" default:"2s" group:"Knee finder (--mode knee, or K on the dashboard)" help:"Knee mode: the start of a step its judgement leaves out."`
	KneeCeiling   float64       `name:"knee-ceiling" env:"TRAFFICGEN_KNEE_CEILING" default:"10000" group:"Knee finder (--mode knee, or K on the dashboard)" help:"Knee mode: the highest rate offered, in req/s."`
	KneeP99       time.Duration `name:"knee-p99" env:"TRAFFICGEN_KNEE_P99" default:"0s" group:"Knee finder (--mode knee, or K on the dashboard)" help:"Knee mode: a step breaks with its p99 above this; 0: the first step's p99 plus its p50 (at least 50ms more)."`
	KneeErrors    string        `name:"knee-max-errors" env:"TRAFFICGEN_KNEE_MAX_ERRORS" default:"5%" group:"Knee finder (--mode knee, or K on the dashboard)" help:"Knee mode: a step breaks with more errors than this share of its requests."`
	KneeAchieved  string        `name:"knee-min-achieved" env:"TRAFFICGEN_KNEE_MIN_ACHIEVED" default:"90%" group:"Knee finder (--mode knee, or K on the dashboard)" help:"Knee mode: a step breaks when fewer requests a second than this share of its rate complete."`
	KneeDropped   string        `name:"knee-max-dropped" env:"TRAFFICGEN_KNEE_MAX_DROPPED" default:"0.1%" group:"Knee finder (--mode knee, or K on the dashboard)" help:"Knee mode: a step breaks with more of its requests dropped (in-flight cap full) than this share."`
	ExpectStatus  string        `name:"expect-status" env:"TRAFFICGEN_EXPECT_STATUS" placeholder:"CODES" help:"Check every answer's status: 200,201, 2xx or 200-299 (a status outside 200-399 stays an HTTP error). A failed check counts as a check failure, apart from HTTP errors."`
	ExpectBody    []string      `name:"expect-body" sep:"none" env:"TRAFFICGEN_EXPECT_BODY" placeholder:"TEXT" help:"Check that every answer's body contains TEXT (repeatable; one a line in the variable)."`
	ExpectJSON    []string      `name:"expect-json" sep:"none" env:"TRAFFICGEN_EXPECT_JSON" placeholder:"EXPR" help:"Check a JSON path (gjson) of every answer: ok=true, items.#>0, id, !error, 'name~^A' (repeatable; one a line in the variable)."`
	ExpectHeader  []string      `name:"expect-header" sep:"none" env:"TRAFFICGEN_EXPECT_HEADER" placeholder:"EXPR" help:"Check a response header of every answer: Content-Type~json, X-Cache=HIT, !Set-Cookie (repeatable; one a line in the variable)."`

	Method  string   `short:"X" aliases:"m,method" name:"request" env:"TRAFFICGEN_METHOD" placeholder:"METHOD" help:"Ad-hoc URLs: HTTP method (default GET, or POST with -d); -m and --method work too."`
	Headers []string `short:"H" name:"header" sep:"none" env:"TRAFFICGEN_HEADER" placeholder:"'NAME: VALUE'" help:"Ad-hoc URLs: a request header 'Name: value' (repeatable)."`
	Data    string   `short:"d" name:"data" env:"TRAFFICGEN_DATA" placeholder:"BODY" help:"Ad-hoc URLs: request body, or @file to read it from a file."`

	opts *options `kong:"-"` // set by Validate
}

// Help is the serve command's help after its summary: what it answers.
func (s *serveCmd) Help() string {
	return "It answers on --addr: the API under /api (users, orders, payments; each request with an accepted " +
		"X-API-Key), /health, /metrics (Prometheus: requests served, the capacity queue, the faults on) and " +
		"/admin/faults (GET, POST or DELETE a fault; from loopback, or with --admin-token). " +
		"Stop it with Ctrl-C or SIGTERM."
}

// Help is the run command's help after its summary: what runs without
// URLs, where the output goes, the dashboard's keys (as ? lists them),
// the variables and the exit statuses.
func (r *runCmd) Help() string {
	var b strings.Builder
	b.WriteString("Without URLs, the built-in gateway scenario (or --scenario FILE) runs against --gateway-url, " +
		"or against the demo API started in-process with --embedded. On a terminal a full-screen dashboard shows " +
		"the run; piped, or with --no-tui, a stats block prints every --stats-interval, then the summary.\n\n" +
		"Keys on the dashboard (? lists them too):\n\n")
	writeKeys(&b, ui.KeyHelp())
	b.WriteString("\nEvery option is also an environment variable, named beside it; a flag wins over its variable, and " +
		envPrefix + "NAME over NAME.\n\n" +
		"Exit status: 0 the run finished; 1 it could not start, or its report or recording could not be written; " +
		"2 bad usage (nothing was sent); 3 a threshold failed; 130 interrupted twice.")
	return b.String()
}

// writeKeys writes keys as a two-column block that go/doc, which kong
// formats help with, keeps as it is.
func writeKeys(b *strings.Builder, keys [][2]string) {
	w := 0
	for _, k := range keys {
		w = max(w, utf8.RuneCountInString(k[0]))
	}
	for _, k := range keys {
		fmt.Fprintf(b, "    %s%s  %s\n", k[0], strings.Repeat(" ", w-utf8.RuneCountInString(k[0])), k[1])
	}
}

type serveCmd struct {
	Addr         string   `env:"SERVE_ADDR" default:"127.0.0.1:18080" help:"Listen address (loopback unless you say otherwise)."`
	LatencyScale float64  `env:"LATENCY_SCALE" default:"1" help:"Service latency scale: 1 as the real services, 0 none."`
	RateLimit    int      `env:"RATE_LIMIT" placeholder:"N" help:"Per-key requests per second before 429 (0 = unlimited)."`
	Fault        []string `sep:"none" placeholder:"SERVICE=KIND[:N]" help:"Start with a fault (repeatable): users, orders, payments or all = slow:FACTOR, errors:PERCENT or outage, e.g. payments=slow:5."`
	APIKeys      []string `sep:"none" name:"api-key" env:"API_KEY" placeholder:"KEY" help:"Accepted X-API-Key values (default: the demo key, test…345)."`
	AdminToken   string   `env:"ADMIN_TOKEN" placeholder:"TOKEN" help:"Token a non-loopback caller needs for /admin/faults."`
	MaxRecords   int      `env:"MAX_RECORDS" placeholder:"N" help:"Records kept per store, oldest evicted (default 10000)."`
	Seed         int64    `placeholder:"N" help:"Seed for the latency and failure randomness (0 = random)."`
	Capacity     float64  `env:"TRAFFICGEN_CAPACITY" default:"60" help:"Requests a second the services handle together (at latency scale 1) before a queue forms and latency rises; past a 2s queue they shed load with 503s. 0: no limit."`
}

type scenarioCmd struct {
	Show  struct{} `cmd:"" help:"Print the built-in scenario (a starting point for your own)."`
	Check struct {
		Files []string `arg:"" predictor:"yaml" help:"Scenario files to validate."`
	} `cmd:"" help:"Validate scenario files; errors name file, line and column."`
}

type mergeCmd struct {
	Reports []string `arg:"" type:"existingfile" predictor:"file" help:"JSON reports (--report) of the instances of one run."`
	Output  string   `short:"o" type:"path" placeholder:"FILE" predictor:"file" help:"Write the merged report here (default: standard output)."`
}

type helpCmd struct {
	Command []string `arg:"" optional:"" help:"The command, e.g. merge or scenario check."`
}

type completionCmd struct {
	Shell string `arg:"" enum:"bash,zsh,fish" help:"bash, zsh or fish."`
}

// versionFlag prints the version and exits, before anything else is
// checked (kong's BeforeApply hook).
type versionFlag bool

func (versionFlag) BeforeApply(k *kong.Kong) error {
	fmt.Fprintln(k.Stdout, versionText())
	k.Exit(exitOK)
	return nil
}

// envPrefix is the prefix every variable can also be given with; it wins
// over the variable without it.
const envPrefix = "TRAFFICGEN_"

// newParser builds the command line's parser, writing to stdout and
// stderr. exit is called for --help, --version and completions.
func newParser(c *cli, stdout, stderr io.Writer, exit func(int)) (*kong.Kong, error) {
	return kong.New(c,
		kong.Name("trafficgen"),
		kong.Description("A live traffic generator for HTTP APIs, with a full-screen terminal dashboard."),
		kong.Writers(stdout, stderr),
		kong.Exit(exit),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, WrapUpperBound: 100}),
		kong.PostBuild(prefixEnvs),
	)
}

// prefixEnvs gives every variable a twin with envPrefix, listed first so
// that it wins: a CI job that sets MODE for something else can give
// trafficgen TRAFFICGEN_MODE.
func prefixEnvs(k *kong.Kong) error {
	var visit func(n *kong.Node)
	visit = func(n *kong.Node) {
		for _, f := range n.Flags {
			var envs []string
			for _, e := range f.Envs {
				if !strings.HasPrefix(e, envPrefix) {
					envs = append(envs, envPrefix+e)
				}
			}
			envs = append(envs, f.Envs...)
			f.Envs, f.Value.Tag.Envs = envs, envs
		}
		for _, c := range n.Children {
			visit(c)
		}
	}
	visit(k.Model.Node)
	return nil
}

// predictors complete flag values in the shell.
func predictors() map[string]complete.Predictor {
	return map[string]complete.Predictor{
		"yaml":   complete.PredictFiles("*.y*ml"),
		"file":   complete.PredictFiles("*"),
		"mode":   complete.PredictSet("steady", "ramp-up", "spike", "realistic", "demo", "knee"),
		"client": complete.PredictSet("h1", "nethttp"),
	}
}
