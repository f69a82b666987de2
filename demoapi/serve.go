package demoapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// ShutdownTimeout bounds how long Serve and Embedded.Close wait for requests
// in flight (which may be sleeping out their latency) before closing their
// connections.
const ShutdownTimeout = 5 * time.Second

func newServer(h http.Handler, errLog io.Writer) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(errLog, "demoapi: ", 0),
	}
}

// shutdown stops srv gracefully, closing it outright after ShutdownTimeout,
// and waits for its Serve call (whose result arrives on served) to return.
func shutdown(srv *http.Server, served <-chan error) error {
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, srv.Close())
	}
	if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// Embedded is a demo API running in-process on a free loopback port, for
// `trafficgen --embedded`.
type Embedded struct {
	// URL is the base URL to aim the generator at, e.g.
	// http://127.0.0.1:41234.
	URL string
	// API is the running API, for fault switching and its counters.
	API *API

	srv    *http.Server
	served chan error
	once   sync.Once
	err    error
}

// StartEmbedded starts an API with opts on 127.0.0.1 at a free port. Close
// it when done.
func StartEmbedded(opts Options) (*Embedded, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start embedded demo API: %w", err)
	}
	api := New(opts)
	e := &Embedded{
		URL:    "http://" + ln.Addr().String(),
		API:    api,
		srv:    newServer(api, io.Discard),
		served: make(chan error, 1),
	}
	go func() { e.served <- e.srv.Serve(ln) }()
	return e, nil
}

// Close shuts the server down gracefully (see ShutdownTimeout) and waits for
// it to stop. It is safe to call more than once.
func (e *Embedded) Close() error {
	e.once.Do(func() { e.err = shutdown(e.srv, e.served) })
	return e.err
}

// Serve runs an API alone, for `trafficgen serve`. It listens on addr
// (DefaultAddr, loopback only, when empty), writes a start line and then one
// line per second in which anything was served (the count and status
// classes, and any faults in force) to logw, and returns after a graceful
// shutdown once ctx is cancelled. It returns an error if it cannot listen or
// the server fails.
func Serve(ctx context.Context, addr string, opts Options, logw io.Writer) error {
	return ServeAPI(ctx, addr, New(opts), logw)
}

// ServeAPI is Serve for an API built by the caller (with faults already
// set, say).
func ServeAPI(ctx context.Context, addr string, api *API, logw io.Writer) error {
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve demo API: %w", err)
	}
	return serve(ctx, ln, api, logw)
}

func serve(ctx context.Context, ln net.Listener, api *API, logw io.Writer) error {
	if logw == nil {
		logw = io.Discard
	}
	srv := newServer(withMetrics(api), logw)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	keys := make([]string, len(api.opts.APIKeys))
	for i, k := range api.opts.APIKeys {
		keys[i] = maskKey(k)
	}
	admin := "loopback callers only"
	if api.opts.AdminToken != "" {
		admin = "loopback callers or the admin token"
	}
	capacity := "no capacity limit"
	if q := api.queue; q != nil {
		capacity = fmt.Sprintf("capacity %.0f req/s, queue up to %v", float64(time.Second)/float64(q.interval), q.limit)
	}
	fmt.Fprintf(logw, "demo API listening on http://%s (API keys %s; admin endpoint /admin/faults: %s; %s)\n",
		ln.Addr(), strings.Join(keys, ", "), admin, capacity)

	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var last [6]int64
	for {
		select {
		case <-ctx.Done():
			err := shutdown(srv, served)
			total, _ := api.statusCounts()
			fmt.Fprintf(logw, "demo API stopped after serving %d responses\n", total)
			return err
		case err := <-served:
			return fmt.Errorf("serve demo API: %w", err)
		case now := <-tick.C:
			_, cur := api.statusCounts()
			if line := logLine(now, last, cur, api.Faults()); line != "" {
				if w := api.QueueWait(); w > 0 {
					line = strings.TrimSuffix(line, "\n") + fmt.Sprintf(" | queue %v\n", w.Round(time.Millisecond))
				}
				io.WriteString(logw, line) //nolint:errcheck // best-effort log
			}
			last = cur
		}
	}
}

// logLine describes one second of serving: the responses between the status
// class counts prev and cur, and the faults in force. It is empty when
// nothing was served.
func logLine(now time.Time, prev, cur [6]int64, faults map[Service]Fault) string {
	var d [6]int64
	var n int64
	for i := range cur {
		d[i] = cur[i] - prev[i]
		n += d[i]
	}
	if n == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s served %d:", now.Format("15:04:05"), n)
	for c := 1; c <= 5; c++ {
		if d[c] > 0 || c == 2 || c == 4 || c == 5 {
			fmt.Fprintf(&b, " %dxx=%d", c, d[c])
		}
	}
	var fs []string
	for _, s := range Services() {
		if f := faults[s]; f.Kind != FaultNone {
			fs = append(fs, string(s)+" "+f.String())
		}
	}
	if len(fs) > 0 {
		b.WriteString(" | faults: " + strings.Join(fs, ", "))
	}
	b.WriteByte('\n')
	return b.String()
}
