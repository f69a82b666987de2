package loadgen

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trafficgen/trafficgen/check"
	"github.com/trafficgen/trafficgen/internal/redact"
	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/stats"
	"github.com/trafficgen/trafficgen/transport"
)

// BodyLimit is how much of a response body is kept for captures, checks
// and shapes; the rest is read and dropped, so the connection is reused.
const BodyLimit = 64 << 10

// The HTTP clients Config.HTTPClient names.
const (
	// ClientH1 is trafficgen's own HTTP/1.1 client (transport.H1), the
	// default: the least CPU per request, kernel receive timestamps.
	ClientH1 = transport.KindH1
	// ClientNetHTTP is Go's net/http (transport.NetHTTP): HTTP/2, h2c,
	// proxies from the environment.
	ClientNetHTTP = transport.KindNetHTTP
)

// defaultClient is the client picked when none is asked for: a variable
// so that a benchmark build can change it with -ldflags -X.
var defaultClient = ClientH1

// DefaultClient names the client picked when none is asked for.
func DefaultClient() string { return defaultClient }

// client renders scenario requests and sends them through a transport.
type client struct {
	tr      transport.Client
	base    string // target URL without a trailing slash
	headers []scenario.Header
	sockets bool // tr uses real sockets, so real time (network)
	rec     *stats.Recorder
	noted   atomic.Uint32 // the kinds whose first failure is in the event log
}

// newClient builds the engine's client for cfg: cfg.Client, or the
// transport chooseClient picks, with its name and, when that is not the
// one asked for, why. net/http's own log lines and the clients' notes
// on a misbehaving server go to rec's event log (eventLimit), and so does
// the first failure of each kind (note).
func newClient(cfg Config, scn *scenario.Scenario, rec *stats.Recorder) (c *client, name, why string, err error) {
	c = &client{tr: cfg.Client, base: strings.TrimRight(cfg.Target, "/"), headers: scn.Headers, rec: rec}
	if c.tr != nil {
		s, ok := c.tr.(interface{ UsesSockets() bool })
		c.sockets = ok && s.UsesSockets()
		return c, "custom", "", nil
	}
	redirects := cfg.MaxRedirects
	switch {
	case redirects == 0:
		redirects = DefaultMaxRedirects
	case redirects == NoRedirects:
		redirects = 0
	case redirects < 0:
		return nil, "", "", fmt.Errorf("max redirects: want %d (none) or more, got %d", NoRedirects, redirects)
	}
	name, why = chooseClient(cfg.HTTPClient, cfg.HTTP2, requestURLs(cfg.Target, scn))
	// The in-flight cap, not the client, limits connections: the
	// automatic cap has no top but the rate's (the + key has none), and
	// connections open only as requests need them.
	conns := cmp.Or(cfg.MaxInFlight, MaxInFlightCap) + max(cfg.Users, cfg.Concurrency) + 64
	lim := &eventLimit{rec: rec}
	c.tr, err = transport.New(transport.Options{
		Kind: name, MaxConnsPerHost: conns, Timeout: cfg.Timeout, TLS: cfg.TLS, HTTP2: cfg.HTTP2, MaxRedirects: redirects,
		Log:  func(line string) { lim.add("error", "net/http: "+line) },
		Note: func(line string) { lim.add("error", line) },
	})
	if err != nil {
		return nil, "", "", err
	}
	c.sockets = true
	return c, name, why, nil
}

// eventLimit passes at most one line a second from the HTTP client to the
// event log, and says how many it skipped: a server that misbehaves on
// every request would otherwise push everything else out of the log.
type eventLimit struct {
	rec     *stats.Recorder
	mu      sync.Mutex
	next    time.Time
	skipped int
}

func (l *eventLimit) add(kind, text string) {
	now := time.Now()
	l.mu.Lock()
	if now.Before(l.next) {
		l.skipped++
		l.mu.Unlock()
		return
	}
	l.next = now.Add(time.Second)
	skipped := l.skipped
	l.skipped = 0
	l.mu.Unlock()
	if skipped > 0 {
		text += fmt.Sprintf(" (and %d more lines since the last one shown)", skipped)
	}
	l.rec.Event(now, kind, redact.Text(text))
}

// network reports whether requests go over real sockets (and so time is
// real): the scheduler sleeps precisely only then. Tests inject in-process
// transports and run on a fake clock.
func (c *client) network() bool { return c.sockets }

// exchange is one request's outcome.
type exchange struct {
	code int
	kind stats.ErrorKind
	err  error
	body []byte // at most BodyLimit bytes (a failure's: stats.MaxFailureBody), valid until the next exchange on the same scratch
	// resent counts the times the client wrote the request, saw its
	// connection die before a byte of the answer, and sent it again: the
	// server may have read each of those attempts (stats.Result.Resent).
	resent int
	// unsent: nothing of the request reached the server; its deadline
	// passed before it tried to connect (transport.ErrUnsent).
	unsent bool
	// arrived is when the last byte of the response reached this host
	// (a kernel receive timestamp), when the client knows it; else zero.
	arrived time.Time
	// redirects are the redirects followed before the answer: each one a
	// request the server answered (valid as body is).
	redirects []transport.Redirect
	// checked says the request's response checks ran (checkAnswer);
	// checkFailed has a bit for each that failed, numbered as the route's
	// checks are (stats.Result.CheckFailed), and failStep says one of them
	// fails a journey step.
	checked     bool
	checkFailed uint64
	failStep    bool
}

// doneAt is when the exchange ended: when the response arrived, if
// known and after sent, else now (when the engine had read it). An
// arrival is never later than the clock read that converted it, so it
// needs no second read here.
func (ex *exchange) doneAt(sent time.Time) time.Time {
	if ex.arrived.After(sent) {
		return ex.arrived
	}
	return time.Now()
}

// scratch is a goroutine's reusable request and response.
type scratch struct {
	req  transport.Request
	resp transport.Response
	val  []byte // a header value being rendered
	// sample keeps the next answer's body for its route's shape
	// (shapeSample), and checked is what the checks read.
	sample  bool
	checked check.Response
}

// do sends req as rendered in env at now (the caller's clock reading; zero:
// none), ending it by deadline (or sooner, by ctx), and reads the response.
func (c *client) do(ctx context.Context, req *scenario.Request, env *scenario.Env, sc *scratch, now, deadline time.Time) exchange {
	c.render(&sc.req, req, env, sc)
	sc.req.Now, sc.req.Deadline = now, deadline
	err := c.tr.Send(ctx, &sc.req, &sc.resp)
	r := &sc.resp
	ex := exchange{code: r.Status, resent: r.Resent, arrived: r.Arrived, redirects: r.Redirects}
	if err != nil {
		ex.err, ex.kind = err, errorKind(err)
		if r.Resent == 0 && len(r.Redirects) == 0 && errors.Is(err, transport.ErrUnsent) {
			ex.unsent = true // the caller counts it as dropped, not as an answer
			return ex
		}
		c.note(ex.kind, err)
		if k := stats.KindForStatus(r.Status); r.Status != 0 && k != stats.KindNone {
			ex.kind = k // the status arrived, its body broke off
		}
		ex.body = r.Body
		return ex
	}
	ex.kind = stats.KindForStatus(r.Status)
	if sc.req.BodyLimit > 0 || ex.kind != stats.KindNone {
		ex.body = r.Body // a failure's: its start (transport.Request.ErrorBodyLimit)
	}
	return ex
}

// note puts the first failure of each kind into the event log, with its
// message (user info in URLs masked): the summary counts the kinds, the
// event log says what went wrong.
func (c *client) note(kind stats.ErrorKind, err error) {
	bit := uint32(1) << (kind % 32)
	if c.rec == nil || c.noted.Load()&bit != 0 || c.noted.Or(bit)&bit != 0 {
		return
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, kind.String()) {
		msg = kind.String() + ": " + msg
	}
	c.rec.Event(time.Now(), "error", "first "+redact.Text(msg))
}

// render writes req, rendered in env, into r: the one place a scenario
// request becomes what the transport sends. A request's own header
// replaces a scenario-wide one of the same name; the body is kept only
// for a request that captures from it.
func (c *client) render(r *transport.Request, req *scenario.Request, env *scenario.Env, sc *scratch) {
	r.Method = req.Method
	r.URL = append(r.URL[:0], c.base...)
	r.URL = req.Path.Append(r.URL, env)
	if rest := r.URL[len(c.base):]; absolute(rest) {
		r.URL = append(r.URL[:0], rest...) // an absolute URL in the scenario wins over the target
	}
	r.Header.Reset()
	for _, h := range c.headers {
		if !overridden(h.Name, req.Headers) {
			sc.val = h.Value.Append(sc.val[:0], env)
			r.Header.Add(h.Name, sc.val)
		}
	}
	for _, h := range req.Headers {
		sc.val = h.Value.Append(sc.val[:0], env)
		r.Header.Add(h.Name, sc.val)
	}
	r.Body = r.Body[:0]
	if req.Body != nil {
		r.Body = req.Body.Append(r.Body, env)
	}
	r.BodyLimit = 0
	if req.ReadsBody() || sc.sample {
		// A byte more than is used tells a body cut at the limit from one
		// that fits (checkAnswer).
		r.BodyLimit = BodyLimit + 1
	}
	r.KeepHeaders = req.CheckHeaders()
	r.ErrorBodyLimit = stats.MaxFailureBody
}

// absolute says whether a rendered path is an absolute http(s) URL.
func absolute(p []byte) bool {
	if len(p) < 7 || p[0] != 'h' && p[0] != 'H' {
		return false // a path, as nearly all are: no copy to compare
	}
	return strings.EqualFold(string(p[:7]), "http://") || len(p) >= 8 && strings.EqualFold(string(p[:8]), "https://")
}

// overridden says whether a request header of the same name replaces a
// scenario-wide one.
func overridden(name string, hs []scenario.Header) bool {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return true
		}
	}
	return false
}

// errorKind names the kind of a failed Send for the stats. A request the
// run's end cut short (its context cancelled) waited as long as the run
// allowed: a timeout.
func errorKind(err error) stats.ErrorKind {
	switch transport.FailureOf(err) {
	case transport.FailTimeout, transport.FailCanceled:
		return stats.KindTimeout
	case transport.FailRefused:
		return stats.KindRefused
	case transport.FailReset:
		return stats.KindReset
	case transport.FailDNS:
		return stats.KindDNS
	case transport.FailTLS:
		return stats.KindTLS
	case transport.FailRedirects:
		return stats.KindRedirect
	case transport.FailMalformed:
		return stats.KindMalformed
	case transport.FailHeaderTooLarge:
		return stats.KindHeaderTooLarge
	}
	return stats.KindOther
}

// chooseClient returns the client to use when kind was asked for ("" for
// the default) for requests to urls, and why, when that is not kind
// itself: HTTP/2, or a proxy from the environment (HTTP_PROXY,
// HTTPS_PROXY, NO_PROXY) that applies to one of the urls, needs net/http.
// (H1 refuses a host a proxy applies to, should a redirect lead there.)
func chooseClient(kind string, http2 bool, urls []string) (string, string) {
	switch {
	case kind != "":
		return kind, ""
	case defaultClient == ClientNetHTTP:
		return defaultClient, ""
	case http2:
		return ClientNetHTTP, "HTTP/2 was asked for (" + defaultClient + " speaks HTTP/1.1)"
	}
	for _, u := range urls {
		pu, err := url.Parse(u)
		if err != nil {
			continue
		}
		if p, err := http.ProxyFromEnvironment(&http.Request{URL: pu}); err == nil && p != nil {
			return ClientNetHTTP, fmt.Sprintf("a proxy from the environment applies to %s://%s (%s has no proxy support)", pu.Scheme, pu.Host, defaultClient)
		}
	}
	return defaultClient, ""
}

// shownTarget is where the requests go, for the event log, the dashboard
// and the summary: the target, or without one the ad-hoc URLs, each with
// its user info masked.
func shownTarget(target string, scn *scenario.Scenario) string {
	urls := requestURLs(target, scn)
	if target != "" {
		urls = urls[:1]
	}
	for i, u := range urls {
		urls[i] = redact.URL(u)
	}
	return strings.Join(urls, " ")
}

// requestURLs returns where the scenario's requests go: the target, and
// each request's own absolute URL (ad-hoc URLs; a scenario file's paths
// are relative to the target).
func requestURLs(target string, scn *scenario.Scenario) []string {
	var out []string
	if target != "" {
		out = append(out, target)
	}
	for r := range scn.Requests() {
		if r.Path.Static() {
			if u := r.Path.Append(nil, nil); absolute(u) {
				out = append(out, string(u))
			}
		}
	}
	return out
}
