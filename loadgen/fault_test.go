package loadgen

// The fault suite: a misbehaving target must not stop the run, lose a count
// or make the numbers lie. Every test checks "nothing lost": the requests
// the server saw = the reported total = successes + errors (dropped
// requests were never sent and are counted apart). Real loopback sockets
// where the socket is the point (closed ports, resets, closes, timeouts,
// big bodies); synctest and the in-process transport elsewhere.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/trafficgen/trafficgen/demoapi"
	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/stats"
)

// nothingLost checks the counting invariants of a finished run against what
// the server saw: every request reported reached the server, and the
// server saw no more than those plus the attempts the client resent (it
// may or may not have read those).
func nothingLost(t *testing.T, s stats.Snapshot, serverSaw int64) {
	t.Helper()
	if s.Total != s.Success+s.Errors || serverSaw < s.Total || serverSaw > s.Total+s.Resent {
		t.Errorf("server saw %d; reported total %d = %d ok + %d errors, %d resent", serverSaw, s.Total, s.Success, s.Errors, s.Resent)
	}
	var kinds, rows, codes int64
	for _, k := range s.ErrorKinds {
		kinds += k.Count
	}
	for _, e := range s.Endpoints {
		rows += e.Total
	}
	for _, c := range s.StatusCodes {
		codes += c.Count
	}
	if kinds != s.Errors || rows != s.Total || codes != s.Total {
		t.Errorf("error kinds add to %d (errors %d), endpoint rows to %d, status codes to %d (total %d)", kinds, s.Errors, rows, codes, s.Total)
	}
	if s.InFlight != 0 {
		t.Errorf("%d still in flight after the run", s.InFlight)
	}
}

// waitSaw waits for a server's count to reach want (waitCount).
func waitSaw(n *atomic.Int64, want int64) int64 {
	return waitCount(n.Load, want)
}

// waitCount waits for count() to reach want and returns it. A server may
// read a request well after the client gave up on it: on a starved
// machine its accept loop and readers wait for a CPU while the requests
// sit in the kernel's buffers. So it waits while the count still grows,
// and gives up only after three seconds without growth.
func waitCount(count func() int64, want int64) int64 {
	last, since := count(), time.Now()
	for last < want && time.Since(since) < 3*time.Second {
		time.Sleep(5 * time.Millisecond)
		if c := count(); c != last {
			last, since = c, time.Now()
		}
	}
	return last
}

// adhoc is a scenario of GETs to the given absolute URLs.
func adhoc(t *testing.T, urls ...string) *scenario.Scenario {
	t.Helper()
	scn, err := scenario.FromAdHoc(scenario.AdHoc{URLs: urls})
	if err != nil {
		t.Fatal(err)
	}
	return scn
}

// rawServer accepts connections on loopback and gives each to serve, which
// reads requests with readRequest. It counts the requests read, and the
// connections that ended without a byte (emptyConn).
type rawServer struct {
	ln    net.Listener
	addr  string
	saw   atomic.Int64
	empty atomic.Int64
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
}

func newRawServer(t *testing.T, serve func(s *rawServer, c net.Conn, br *bufio.Reader)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln, addr: ln.Addr().String()}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.wg.Go(func() { serve(s, c, bufio.NewReader(c)) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// readRequest reads one request (headers and any body) and counts it.
func (s *rawServer) readRequest(br *bufio.Reader) bool {
	req, err := http.ReadRequest(br)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, req.Body)
	s.saw.Add(1)
	return true
}

// emptyConn says whether c's client closed it before sending a byte, and
// counts it then. A request sent with little of its time left may time
// out while its connection is made, or before its write (docs/design.md,
// "Stopping on time"): it is counted, and the server sees a connection
// that carried nothing. On a busy machine the pool hands out requests
// that late.
func (s *rawServer) emptyConn(br *bufio.Reader) bool {
	if _, err := br.Peek(1); err != nil {
		s.empty.Add(1)
		return true
	}
	return false
}

// sawOrEmpty waits for the requests read plus the connections that carried
// nothing to reach want (waitCount), and returns them.
func (s *rawServer) sawOrEmpty(want int64) int64 {
	return waitCount(func() int64 { return s.saw.Load() + s.empty.Load() }, want)
}

// reset closes c with an RST instead of a FIN.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}

const okResponse = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n{\"id\":1}"

// TestFaultPortOpensMidRun: the target's port is closed at the start and
// opened a second later; the run counts the refusals and picks the traffic
// up without a restart. The run lasts into its fourth second, so that the
// last whole second in the series (the third) comes after the port
// opened, however late in the second one it did.
func TestFaultPortOpensMidRun(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	var saw atomic.Int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		saw.Add(1)
		io.WriteString(w, `{"id":1}`)
	})}
	served := make(chan struct{})
	go func() {
		defer close(served)
		time.Sleep(time.Second)
		var ln net.Listener
		for range 50 { // the port is ours unless another process took it
			if ln, err = net.Listen("tcp", addr); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			t.Errorf("reopen %s: %v", addr, err)
			return
		}
		srv.Serve(ln)
	}()
	_, s := runEngine(t, Config{
		Mode: plan.ModeSteady, RPS: 100, Duration: 3200 * time.Millisecond, Timeout: time.Second,
		Scenario: adhoc(t, "http://"+addr+"/x"),
	})
	srv.Close()
	<-served
	refused := kindCount(s, stats.KindRefused)
	if refused < 50 || s.Success < 100 || s.Errors != refused {
		t.Errorf("refused %d, ok %d, errors %d: want ~100 refused, then ~220 ok", refused, s.Success, s.Errors)
	}
	if last := s.Series[len(s.Series)-1]; last.Success == 0 || last.Errors != 0 {
		t.Errorf("last second %+v: traffic did not pick up", last)
	}
	nothingLost(t, s, saw.Load()+refused)
}

// TestFaultNeverAnswers: a server that accepts and reads requests but never
// answers. Every request times out at the configured timeout, the in-flight
// cap holds, and requests due while it is full are dropped and counted.
func TestFaultNeverAnswers(t *testing.T) {
	t.Parallel()
	srv := newRawServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
		if s.emptyConn(br) {
			return
		}
		for s.readRequest(br) {
		}
	})
	const limit, timeout = 10, 300 * time.Millisecond
	e, err := New(Config{
		Mode: plan.ModeSteady, RPS: 100, Duration: 2 * time.Second, Timeout: timeout, MaxInFlight: limit,
		Scenario: adhoc(t, "http://"+srv.addr+"/x"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var maxInFlight int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for s := range e.Snapshots() {
			maxInFlight = max(maxInFlight, s.InFlight)
		}
	}()
	e.Run(context.Background())
	<-done
	s := e.Final()
	if maxInFlight > limit {
		t.Errorf("in flight reached %d, cap %d", maxInFlight, limit)
	}
	if kindCount(s, stats.KindTimeout) != s.Total || s.Total < 40 {
		t.Errorf("total %d, kinds %+v: want every request a timeout", s.Total, s.ErrorKinds)
	}
	if s.Dropped < 100 || s.Total+s.Dropped < 195 || s.Total+s.Dropped > 205 {
		t.Errorf("sent %d, dropped %d: want ~200 due, most dropped", s.Total, s.Dropped)
	}
	// Latency runs from the due time, and a timeout is recorded at the
	// request's deadline.
	if s.Latency.P50 < timeout || s.Latency.Max > hdrMargin(timeout) {
		t.Errorf("latency p50 %v max %v, want the %v timeout", s.Latency.P50, s.Latency.Max, timeout)
	}
	var b strings.Builder
	stats.WriteSummary(&b, s)
	if !strings.Contains(b.String(), fmt.Sprintf("Dropped (due, never sent): %d", s.Dropped)) {
		t.Errorf("summary does not show the dropped requests:\n%s", b.String())
	}
	nothingLost(t, s, srv.sawOrEmpty(s.Total))
}

// TestFaultResets: a server that resets the connection before answering,
// or in the middle of the body. Each is a "connection reset", none lost.
func TestFaultResets(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		write string
	}{
		{"before the status", ""},
		{"mid-headers", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"},
		{"mid-body", "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + strings.Repeat("x", 5000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newRawServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
				if s.readRequest(br) {
					io.WriteString(c, tc.write)
					time.Sleep(5 * time.Millisecond)
				}
				reset(c)
			})
			// The timeout is not under test: on a starved machine (the race
			// detector, beside other tests) a reset may reach its reader a
			// second late, which would make it a timeout.
			_, s := runEngine(t, Config{
				Mode: plan.ModeSteady, RPS: 100, Duration: time.Second, Timeout: 10 * time.Second,
				Scenario: adhoc(t, "http://"+srv.addr+"/x"),
			})
			if n := kindCount(s, stats.KindReset); n != s.Total || s.Total == 0 || s.Total+s.Dropped < 95 {
				t.Errorf("total %d, kinds %+v: want every request a reset", s.Total, s.ErrorKinds)
			}
			nothingLost(t, s, waitSaw(&srv.saw, s.Total))
		})
	}
}

// TestFaultHugeBody: 50 MB responses are read to the end (so the
// connection is reused) but kept only up to BodyLimit: memory stays flat.
// Not parallel, so that the allocation count is this test's alone.
func TestFaultHugeBody(t *testing.T) {
	const size = 50 << 20
	chunk := make([]byte, 64<<10)
	var saw, conns atomic.Int64
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			saw.Add(1)
			w.Header().Set("Content-Length", fmt.Sprint(size))
			for n := 0; n < size; n += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}),
		ConnState: func(c net.Conn, st http.ConnState) {
			if st == http.StateNew {
				conns.Add(1)
			}
		},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, s := runEngine(t, Config{
		Mode: plan.ModeSteady, RPS: 4, Duration: time.Second, Timeout: 20 * time.Second,
		Scenario: adhoc(t, "http://"+ln.Addr().String()+"/big"),
	})
	runtime.ReadMemStats(&after)
	if s.Success != s.Total || s.Total == 0 || s.Total+s.Dropped < 4 {
		t.Fatalf("total %d ok %d kinds %+v", s.Total, s.Success, s.ErrorKinds)
	}
	if conns.Load() >= s.Total {
		t.Errorf("%d connections for %d requests: bodies not drained, connections not reused", conns.Load(), s.Total)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	if alloc > 32<<20 {
		t.Errorf("allocated %d MB to receive %d × 50 MB", alloc>>20, s.Total)
	}
	t.Logf("%d × 50 MB received with %.1f MB allocated in all", s.Total, float64(alloc)/(1<<20))
	nothingLost(t, s, saw.Load())
}

// badAPI is the demo API with one route's successful responses replaced.
type badAPI struct {
	api     http.Handler
	method  string
	path    string
	body    string
	mu      sync.Mutex
	saw     int64
	replace int64
}

func (b *badAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	b.saw++
	b.mu.Unlock()
	if r.Method == b.method && r.URL.Path == b.path {
		b.mu.Lock()
		b.replace++
		b.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, b.body)
		return
	}
	b.api.ServeHTTP(w, r)
}

// TestFaultJourneyBadResponses: a journey step answered with invalid JSON,
// or with JSON lacking the id the next step needs, fails the journey at
// that step with the reason, counted as a "bad response"; no later step is
// sent with a missing id.
func TestFaultJourneyBadResponses(t *testing.T) {
	for _, tc := range []struct {
		name, body, reason string
	}{
		{"invalid JSON", `{"id": 12, "amount": `, "id"},
		{"missing id", `{"orderNumber":"ORDER-001","amount":10.5}`, "id"},
		{"html", `<html>Bad gateway</html>`, "id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				bad := &badAPI{api: demoapi.New(demoapi.Options{Seed: 1, LatencyScale: 0.1}), method: "POST", path: "/api/orders", body: tc.body}
				_, s := runEngine(t, Config{
					Target: "http://gateway.test", Mode: plan.ModeSteady, RPS: 1, Duration: 10 * time.Second,
					Users: 5, UsersSet: true, Think: scenario.Range{Min: 100 * time.Millisecond, Max: 200 * time.Millisecond},
					Client: inProcessClient(bad), Seed: 3,
				})
				j := s.Journeys
				if j.Failed < 20 || j.Completed != 0 {
					t.Fatalf("journeys %+v: want every one failed", j)
				}
				for _, st := range j.Steps {
					switch st.Step {
					case "create order":
						if st.Failed != j.Failed || !strings.Contains(st.LastError, tc.reason) {
							t.Errorf("step %q failed %d of %d, last error %q: want all, naming %q", st.Step, st.Failed, j.Failed, st.LastError, tc.reason)
						}
					case "pay":
						if st.Reached != 0 {
							t.Errorf("pay reached %d times without an order id", st.Reached)
						}
					}
				}
				if kindCount(s, stats.KindCapture) != j.Failed {
					t.Errorf("bad responses %d, failed journeys %d", kindCount(s, stats.KindCapture), j.Failed)
				}
				var b strings.Builder
				stats.WriteSummary(&b, s)
				if !strings.Contains(b.String(), "failed at checkout / create order") || !strings.Contains(b.String(), "bad response: ") {
					t.Errorf("summary does not say where and why journeys fail:\n%s", b.String())
				}
				nothingLost(t, s, bad.saw)
			})
		})
	}
}

// TestFaultRedirects: 301 and 302 are followed, and each redirect is
// counted as a request (its 3xx in the status codes) under the route it
// started from, so the totals are what the server saw. A redirect loop
// makes 1 + DefaultMaxRedirects requests and ends in one error of its own
// kind.
func TestFaultRedirects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		first := map[string]int64{} // requests as trafficgen sent them
		saw := map[string]int64{}   // every request, by the route it started from
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			from := r.URL.Query().Get("from")
			mu.Lock()
			if from == "" {
				from = r.URL.Path
				first[from]++
			}
			saw[from]++
			mu.Unlock()
			switch r.URL.Path {
			case "/moved":
				http.Redirect(w, r, "/final?from=/moved", http.StatusMovedPermanently)
			case "/found":
				http.Redirect(w, r, "/final?from=/found", http.StatusFound)
			case "/loop":
				http.Redirect(w, r, "/loop?from=/loop", http.StatusFound)
			case "/final":
				io.WriteString(w, "{}")
			}
		})
		_, s := runEngine(t, Config{
			Mode: plan.ModeSteady, RPS: 300, Duration: 2 * time.Second, Client: inProcessClient(h), Seed: 1,
			Scenario: adhoc(t, "http://t.test/moved", "http://t.test/found", "http://t.test/loop"),
		})
		for _, ep := range s.Endpoints {
			path := strings.TrimPrefix(ep.Route, "GET ")
			if n := first[path]; n == 0 || ep.Total != saw[path] {
				t.Errorf("%s: reported %d, the server saw %d (%d sent by trafficgen)", ep.Route, ep.Total, saw[path], n)
			}
			switch path {
			case "/moved", "/found":
				if ep.Success != ep.Total || ep.Total != 2*first[path] {
					t.Errorf("%s: %d of %d ok, want all, and 2 requests for each of the %d sent", ep.Route, ep.Success, ep.Total, first[path])
				}
			case "/loop":
				if ep.Errors != first[path] || ep.Total != first[path]*(1+DefaultMaxRedirects) {
					t.Errorf("%s: %d errors of %d, %d sent: want one error after %d requests each", ep.Route, ep.Errors, ep.Total, first[path], 1+DefaultMaxRedirects)
				}
				if n := kindCount(s, stats.KindRedirect); n != first[path] {
					t.Errorf("%s: %d errors counted as %q (kinds %+v), want %d", ep.Route, n, stats.KindRedirect, s.ErrorKinds, first[path])
				}
			default:
				t.Errorf("unexpected route %q", ep.Route)
			}
		}
		codes := map[int]int64{}
		for _, c := range s.StatusCodes {
			codes[c.Code] = c.Count
		}
		if codes[301] != first["/moved"] || codes[302] != first["/found"]+first["/loop"]*DefaultMaxRedirects {
			t.Errorf("status codes %v: want 301 × %d, 302 × %d", codes, first["/moved"], first["/found"]+first["/loop"]*DefaultMaxRedirects)
		}
		nothingLost(t, s, saw["/moved"]+saw["/found"]+saw["/loop"])
	})
}

// TestFaultRateLimited: 429 with Retry-After is counted as rate limited
// (apart from other 4xx) and shown so in the summary. The open model does
// not slow down for it: the offered load is what was asked for.
func TestFaultRateLimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var saw atomic.Int64
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if saw.Add(1)%2 == 0 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			io.WriteString(w, "{}")
		})
		_, s := runEngine(t, Config{
			Mode: plan.ModeSteady, RPS: 100, Duration: 2 * time.Second, Client: inProcessClient(h),
			Scenario: adhoc(t, "http://t.test/x"),
		})
		if n := kindCount(s, stats.KindRateLimited); n != s.Errors || n < 95 || kindCount(s, stats.KindStatus4xx) != 0 {
			t.Errorf("kinds %+v, errors %d: want every error rate limited", s.ErrorKinds, s.Errors)
		}
		if s.Total < 195 {
			t.Errorf("total %d: the generator slowed down for Retry-After", s.Total)
		}
		var b strings.Builder
		stats.WriteSummary(&b, s)
		if !strings.Contains(b.String(), fmt.Sprintf("rate limited (429): %d", s.Errors)) || !strings.Contains(b.String(), fmt.Sprintf("429: %d", s.Errors)) {
			t.Errorf("summary does not show the 429s:\n%s", b.String())
		}
		nothingLost(t, s, saw.Load())
	})
}
