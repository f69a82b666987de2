package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/trafficgen/trafficgen/internal/redact"
	"github.com/trafficgen/trafficgen/loadgen"
	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/stats"
	"github.com/trafficgen/trafficgen/threshold"
	"github.com/trafficgen/trafficgen/ui"
)

// defaultAPIKey is the key the original tool and the demo API use.
const defaultAPIKey = "test-api-key-12345"

// Defaults that depend on the run: a scenario runs the gateway's realistic
// mode for five minutes; ad-hoc URLs, for poking one endpoint, a steady
// rate for a few seconds (200 requests at the default rate, as hey sends).
const (
	defaultRPS           = 20
	defaultUsers         = 10
	defaultDuration      = 300 * time.Second
	defaultAdHocDuration = 10 * time.Second
	maxRPS               = 10_000_000
	maxUsers             = 100_000
	maxRequests          = 1_000_000_000
	maxRedirects         = 100
	maxRunLength         = 365 * 24 * time.Hour
	// maxBodyFile is the largest -d @file: a body is held in memory and
	// written with every request.
	maxBodyFile = 1 << 20
)

// options is a run's checked configuration.
type options struct {
	cfg    loadgen.Config
	apiKey string
	// keySent says the scenario sends API_KEY (it reads {{env API_KEY}}):
	// only then do the start line and the report mention it.
	keySent  bool
	report   string // a path, "-" for standard output, "" for none
	record   string // --record: a path, "" for none
	interval time.Duration
	tui      bool
	theme    ui.Theme
	embedded bool
	requests int64 // -n, 0 when a duration ends the run
	shardI   int
	shardN   int
	// shown is the target as the start line shows it: every URL with its
	// user info masked.
	shown string
	// reportLabel names the report option in messages.
	reportLabel string
	// thresholds are the scenario file's and --threshold's; abortOnFail
	// stops the run at the first that fails.
	thresholds  []threshold.Threshold
	abortOnFail bool
	// baseline is what --baseline read, nil without one.
	baseline *stats.Baseline
}

// checker turns a runCmd into options, one step at a time; each step
// reads what the ones before it set.
type checker struct {
	r     *runCmd
	src   sources
	o     *options
	adHoc bool
	rps   float64 // the base rate of the whole run, before --shard
	rate  bool    // a rate was given
}

// Validate checks the run's options, after kong has read them, and keeps
// the result for run: a bad value is a usageError naming the variable and
// the flag, before anything is sent.
func (r *runCmd) Validate(kctx *kong.Context) error {
	c := &checker{r: r, src: newSources(kctx), adHoc: len(r.URLs) > 0,
		o: &options{interval: r.StatsInterval, embedded: r.Embedded, apiKey: r.APIKey}}
	c.o.reportLabel = c.src.label("report")
	for _, step := range []func() error{
		c.target, c.mode, c.rateAndLength, c.concurrency, c.requests, c.users,
		c.limits, c.transport, c.report, c.recording, c.shard, c.scenario, c.checks, c.thresholds, c.knee, c.baseline,
	} {
		if err := step(); err != nil {
			return err
		}
	}
	c.o.tui = !r.NoTUI && isTerminal(kctx.Stdout) && os.Getenv("TERM") != "dumb"
	c.o.theme, _ = ui.ParseTheme(r.Theme) // kong's enum has checked it
	r.opts = c.o
	return nil
}

// bad is a usage error about option name, noting where its value came
// from when that was the environment.
func (c *checker) bad(name, format string, args ...any) error {
	return usagef("%s: %s%s", c.src.label(name), fmt.Sprintf(format, args...), c.src.origin(name))
}

// target checks what is aimed at: ad-hoc URLs, a scenario file, the
// built-in scenario or the embedded demo API.
func (c *checker) target() error {
	r := c.r
	if c.o.apiKey == "" {
		c.o.apiKey = defaultAPIKey
	}
	if !scenario.ValidHeaderValue(c.o.apiKey) {
		return c.bad("api-key", "contains a control character (a stray newline?); it cannot be sent in a header")
	}
	switch {
	case r.Embedded && c.adHoc:
		return usagef("--embedded aims at the built-in demo API; it cannot be combined with ad-hoc URLs")
	case r.ScenarioFile != "" && c.adHoc:
		return c.bad("scenario", "a scenario runs against -u/--gateway-url; ad-hoc URLs are a scenario of their own: give one or the other (trafficgen --scenario %s -u %s)", r.ScenarioFile, redact.URL(r.URLs[0]))
	case !c.adHoc && (r.Method != "" || len(r.Headers) > 0 || r.Data != ""):
		return usagef("-X, -H and -d apply to ad-hoc URLs; give one (e.g. trafficgen -X POST -d @body.json http://127.0.0.1:8080/x)")
	case !c.adHoc && !r.Embedded:
		if err := checkURL(r.GatewayURL); err != nil {
			return c.bad("gateway-url", "%v", err)
		}
		c.o.cfg.Target = r.GatewayURL
	}
	return nil
}

// mode is the load mode: as given, else realistic, or steady for ad-hoc
// URLs.
func (c *checker) mode() error {
	c.o.cfg.Mode = plan.ModeRealistic
	if c.adHoc {
		c.o.cfg.Mode = plan.ModeSteady
	}
	if c.r.Mode == nil {
		return nil
	}
	m, err := plan.ParseMode(*c.r.Mode)
	if err != nil {
		return c.bad("mode", "%q is not a mode: want steady, ramp-up, spike, realistic, demo or knee", *c.r.Mode)
	}
	c.o.cfg.Mode = m
	return nil
}

// rateAndLength reads the base rate and the run's length.
func (c *checker) rateAndLength() error {
	cfg := &c.o.cfg
	c.rps = defaultRPS
	if c.r.RPS != nil {
		text := *c.r.RPS
		rps, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		switch {
		case err != nil:
			return c.bad("rps", "%q is not a number", text)
		case rps < 0 || math.IsNaN(rps) || math.IsInf(rps, 0):
			return c.bad("rps", "must be 0 or more, got %s", text)
		case rps > maxRPS:
			return c.bad("rps", "%s is beyond what one machine can send; use --shard across machines", text)
		}
		c.rps, c.rate = rps, true
	}
	cfg.Duration = defaultDuration
	if c.adHoc {
		cfg.Duration = defaultAdHocDuration
	}
	if c.r.Duration != nil {
		d, err := parseSeconds(*c.r.Duration)
		if err != nil {
			return c.bad("duration", "%v", err)
		}
		cfg.Duration, cfg.DurationSet = d, true
	}
	return nil
}

// concurrency gives -c its one meaning, at most N requests at once:
// without a rate the closed loop's N workers, with one the in-flight cap.
func (c *checker) concurrency() error {
	cfg, n := &c.o.cfg, c.r.Concurrency
	switch {
	case n < 0 || n > maxUsers:
		return c.bad("concurrency", "want 0 to %d, got %d", maxUsers, n)
	case n > 0 && (!c.rate || c.rps == 0) && cfg.Mode != plan.ModeKnee:
		cfg.Mode, cfg.Concurrency = plan.ModeMax, n
	case n > 0:
		if c.r.MaxInFlight != 0 && c.r.MaxInFlight != n {
			return c.bad("concurrency", "with a rate, -c %d is the in-flight cap, and %s says %d: give one", n, c.src.label("max-in-flight"), c.r.MaxInFlight)
		}
		cfg.MaxInFlight = n
	case c.rps == 0:
		return c.bad("rps", "0 needs -c N (the closed-loop max-throughput mode)")
	}
	return nil
}

// requests makes -n N a steady run N requests long: N/rate seconds, over
// which the scheduler issues exactly N.
func (c *checker) requests() error {
	if c.r.Requests == nil {
		return nil
	}
	if c.r.Duration != nil {
		// A flag wins over a variable; two of a kind are a conflict.
		switch flagN, flagZ := c.src.given["requests"], c.src.given["duration"]; {
		case flagN == flagZ:
			return c.bad("requests", "ends the run after N requests; %s ends it after a time: give one", c.src.label("duration"))
		case flagZ:
			return nil
		}
	}
	cfg, n := &c.o.cfg, *c.r.Requests
	switch {
	case n < 1 || n > maxRequests:
		return c.bad("requests", "want 1 to %d requests, got %d", maxRequests, n)
	case cfg.Mode == plan.ModeMax:
		return c.bad("requests", "counts the requests of a rate: give one (-r), or a duration (-z) for the workers of -c")
	case c.r.Mode != nil && cfg.Mode != plan.ModeSteady:
		return c.bad("requests", "runs at a steady rate; %s asks for %s", c.src.label("mode"), cfg.Mode)
	}
	length := math.Ceil(float64(n) / c.rps * float64(time.Second))
	if length > float64(maxRunLength) {
		return c.bad("requests", "%d requests at %g/s take more than a year", n, c.rps)
	}
	cfg.Mode, cfg.Duration, cfg.DurationSet = plan.ModeSteady, time.Duration(length), true
	c.o.requests = n
	return nil
}

// users reads the journey users.
func (c *checker) users() error {
	cfg := &c.o.cfg
	cfg.Users = defaultUsers
	if c.r.Users == nil {
		return nil
	}
	text := *c.r.Users
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil || n < 0 || n > maxUsers {
		return c.bad("users", "want a whole number from 0 to %d, got %q", maxUsers, text)
	}
	cfg.Users, cfg.UsersSet = n, true
	return nil
}

// limits checks the options with a plain range.
func (c *checker) limits() error {
	r, cfg := c.r, &c.o.cfg
	switch {
	case !(r.SpikeMultiplier > 0 && r.SpikeMultiplier <= 1000): // NaN too
		return c.bad("spike-multiplier", "want more than 0 and at most 1000, got %g", r.SpikeMultiplier)
	case r.SpikeDuration <= 0:
		return c.bad("spike-duration", "must be positive, got %v", r.SpikeDuration)
	case r.MaxInFlight < 0 || r.MaxInFlight > loadgen.MaxInFlightCap:
		return c.bad("max-in-flight", "want 0 (automatic) to %d, got %d", loadgen.MaxInFlightCap, r.MaxInFlight)
	case r.Timeout <= 0:
		return c.bad("timeout", "must be positive, got %v", r.Timeout)
	case r.StatsInterval < 100*time.Millisecond:
		return c.bad("stats-interval", "at least 100ms, got %v", r.StatsInterval)
	}
	cfg.SpikeMultiplier, cfg.SpikeDuration, cfg.Timeout, cfg.Seed = r.SpikeMultiplier, r.SpikeDuration, r.Timeout, r.Seed
	if cfg.MaxInFlight == 0 {
		cfg.MaxInFlight = r.MaxInFlight
	}
	if r.Think != "" {
		think, err := parseRange(r.Think)
		if err != nil {
			return c.bad("think", "%v", err)
		}
		cfg.Think = think
	}
	return nil
}

// transport checks how requests are sent: the client, HTTP/2, TLS and
// redirects.
func (c *checker) transport() error {
	r, cfg := c.r, &c.o.cfg
	switch r.Client {
	case "", loadgen.ClientH1, loadgen.ClientNetHTTP:
	default:
		return c.bad("client", "want h1 or nethttp, got %q", r.Client)
	}
	cfg.HTTPClient, cfg.HTTP2 = r.Client, r.HTTP2
	if r.HTTP2 {
		if r.Client == loadgen.ClientH1 {
			return c.bad("client", "h1 speaks HTTP/1.1 only, and --http2 asks for HTTP/2: use nethttp")
		}
		cfg.HTTPClient = loadgen.ClientNetHTTP
	}
	var err error
	if cfg.TLS, err = r.tlsConfig(c.src); err != nil {
		return err
	}
	if r.MaxRedirects != nil {
		switch n := *r.MaxRedirects; {
		case n < 0 || n > maxRedirects:
			return c.bad("max-redirects", "want 0 (follow none) to %d, got %d", maxRedirects, n)
		case n == 0:
			cfg.MaxRedirects = loadgen.NoRedirects
		default:
			cfg.MaxRedirects = n
		}
	}
	return nil
}

// report reads where the report goes; run checks that it can be written
// there before anything is sent.
func (c *checker) report() error {
	switch c.r.Report {
	case "": // an empty REPORT means no report, like an unset one
	case "-":
		c.o.report = "-"
	default:
		c.o.report = kong.ExpandPath(c.r.Report)
	}
	return nil
}

// shard takes this instance's share of the rate and the users.
func (c *checker) shard() error {
	o, cfg := c.o, &c.o.cfg
	o.shardI, o.shardN = 1, 1
	if c.r.Shard != "" {
		var err error
		if o.shardI, o.shardN, err = parseShardIn(c.r.Shard, os.Getenv(jobIndexVar)); err != nil {
			return c.bad("shard", "%v", err)
		}
	}
	cfg.RPS = c.rps / float64(o.shardN)
	if o.shardN > 1 {
		cfg.Users = cfg.Users/o.shardN + boolInt(o.shardI <= cfg.Users%o.shardN)
	}
	return nil
}

// scenario builds what is sent: the ad-hoc URLs, a scenario file or the
// built-in scenario.
func (c *checker) scenario() error {
	r, o := c.r, c.o
	getenv := func(name string) string {
		if name == "API_KEY" {
			o.keySent = true
			return o.apiKey
		}
		return os.Getenv(name)
	}
	var err error
	switch {
	case c.adHoc:
		err = c.adHocScenario()
	case r.ScenarioFile != "":
		path := kong.ExpandPath(r.ScenarioFile)
		src, rerr := scenario.ReadFile(path)
		if rerr != nil {
			return c.bad("scenario", "%v", rerr)
		}
		o.cfg.Scenario, err = scenario.Load(r.ScenarioFile, src, scenario.Options{Getenv: getenv})
	default:
		if o.cfg.Scenario, err = scenario.Default(scenario.Options{Getenv: getenv}); err != nil {
			return fmt.Errorf("built-in scenario: %w", err)
		}
	}
	if err != nil {
		return err
	}
	if o.requests > 0 && o.cfg.UsersSet && o.cfg.Users > 0 && len(o.cfg.Scenario.Journeys) > 0 {
		return c.bad("requests", "counts the requests of the steady rate; the journeys of %s would add more: give --users 0", c.src.label("users"))
	}
	o.shown = shownTarget(o.cfg.Target, r.URLs)
	return nil
}

// adHocScenario builds the scenario of the ad-hoc URLs, -X, -H and -d.
func (c *checker) adHocScenario() error {
	r := c.r
	body := r.Data
	if file, ok := strings.CutPrefix(body, "@"); ok {
		b, err := readBounded(file, maxBodyFile)
		if err != nil {
			return usagef("-d: %v", err)
		}
		body = string(b)
	}
	scn, err := scenario.FromAdHoc(scenario.AdHoc{URLs: r.URLs, Method: r.Method, Headers: r.Headers, Body: body})
	if err != nil {
		return usagef("%v", err)
	}
	c.o.cfg.Scenario, c.o.cfg.Target = scn, ""
	return nil
}

// readBounded reads a file of at most limit bytes.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d KiB", path, limit>>10)
	}
	return b, nil
}

// thresholds reads --threshold (one a line in the variable) after the
// scenario file's, with their routes checked against the run's.
func (c *checker) thresholds() error {
	o := c.o
	var ts []threshold.Threshold
	for _, given := range c.r.Thresholds {
		for _, expr := range strings.Split(given, "\n") {
			if strings.TrimSpace(expr) == "" && strings.Contains(given, "\n") {
				continue // a blank line in the variable
			}
			t, err := threshold.Parse(expr)
			if err != nil {
				return c.bad("threshold", "%q: %v", expr, err)
			}
			ts = append(ts, t)
		}
	}
	ts, err := threshold.Resolve(ts, o.cfg.Scenario.Routes())
	if err != nil {
		return c.bad("threshold", "%v", err)
	}
	o.thresholds = append(slices.Clone(o.cfg.Scenario.Thresholds), ts...)
	for _, t := range o.thresholds {
		if t.Metric == threshold.Rate && o.cfg.Mode == plan.ModeMax {
			return c.bad("threshold", "%q: -c without a rate sends back to back, with no target rate to reach", t.Expr)
		}
		if err := checksThreshold(t, o.cfg.Scenario); err != nil {
			return c.bad("threshold", "%v", err)
		}
	}
	if c.r.AbortOnFail && len(o.thresholds) == 0 {
		return c.bad("abort-on-fail", "stops the run when a threshold fails: give one (--threshold 'p99<300ms')")
	}
	o.abortOnFail = c.r.AbortOnFail
	return nil
}
