package loadgen

// A run stops on time whatever the server does: it ends within its
// duration plus the request timeout, a cancelled run drains within the
// timeout, nothing is sent after the run's end, and no reported latency
// exceeds the timeout. The fake clock (synctest, in-process transport)
// where the point is time and order; real sockets where the point is the
// client against a server that misbehaves at the byte level.

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/trafficgen/trafficgen/demoapi"
	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/stats"
)

// receivedLog records when each request reached a server.
type receivedLog struct {
	mu sync.Mutex
	at []time.Time
}

func (l *receivedLog) add(t time.Time) {
	l.mu.Lock()
	l.at = append(l.at, t)
	l.mu.Unlock()
}

func (l *receivedLog) times() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.at)
}

// wait waits for n requests while their count grows (waitCount) and
// returns the count.
func (l *receivedLog) wait(n int) int {
	return int(waitCount(func() int64 { return int64(len(l.times())) }, int64(n)))
}

// after counts the requests received later than t.
func (l *receivedLog) after(t time.Time) int {
	n := 0
	for _, a := range l.times() {
		if a.After(t) {
			n++
		}
	}
	return n
}

// silent is an in-process server that notes when each request reached it and
// never answers: it holds the request until the client gives up on it.
func silent(log *receivedLog) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(time.Now())
		<-r.Context().Done()
	})
}

// logged notes when each request reached it, then serves it with h.
func logged(log *receivedLog, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(time.Now())
		h.ServeHTTP(w, r)
	})
}

// runFor runs e until ctx ends or its plan does, reading its snapshots,
// and returns the final one and how long Run took.
func runFor(t *testing.T, ctx context.Context, e *Engine) (stats.Snapshot, time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range e.Snapshots() {
		}
	}()
	start := time.Now()
	if err := e.Run(ctx); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	<-done
	return e.Final(), took
}

// hdrMargin is the latency histograms' resolution: a value is reported
// to 3 significant digits, up to a thousandth above what was recorded.
func hdrMargin(d time.Duration) time.Duration { return d + d/1000 }

// everyTimeout checks that every request sent was a timeout, that the
// server saw each (or, for one that timed out before its write, its empty
// connection: rawServer.emptyConn), and that none is reported slower
// than the timeout.
func everyTimeout(t *testing.T, s stats.Snapshot, log *receivedLog, timeout time.Duration) {
	t.Helper()
	saw := log.wait(int(s.Total))
	if s.Total == 0 || kindCount(s, stats.KindTimeout) != s.Total || s.Total != int64(saw) {
		t.Errorf("total %d, kinds %+v, server saw %d: want every request a timeout, and the server's count", s.Total, s.ErrorKinds, saw)
	}
	if s.Latency.Max > hdrMargin(timeout) {
		t.Errorf("latency max %v, above the %v timeout", s.Latency.Max, timeout)
	}
	if s.InFlight != 0 {
		t.Errorf("%d still in flight after the run", s.InFlight)
	}
}

// Against a server that never answers, a 5 s run with a 2 s timeout
// returns by 7 s, every request a timeout at 2 s, nothing sent after 5 s.
// With the CPU saturated the pool holds back new workers, so requests
// wait for one: those whose timeout passes while they wait, and those
// still waiting at the end, are dropped unsent, never sent late.
func TestRunEndsOnTimeWhenTheServerNeverAnswers(t *testing.T) {
	for _, saturated := range []bool{false, true} {
		name := "CPU free"
		if saturated {
			name = "CPU saturated"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const duration, timeout = 5 * time.Second, 2 * time.Second
				var log receivedLog
				e, err := New(Config{
					Target: "http://silent.test", Mode: plan.ModeSteady, RPS: 100, Duration: duration, Timeout: timeout,
					Client: inProcessClient(silent(&log)), Users: 0, UsersSet: true,
				})
				if err != nil {
					t.Fatal(err)
				}
				if saturated {
					e.probe = saturatedCPU()
				}
				start := time.Now()
				s, took := runFor(t, context.Background(), e)
				if took > duration+timeout {
					t.Errorf("Run took %v, want at most %v", took, duration+timeout)
				}
				if e.endedAt != start.Add(duration+endGrace) {
					t.Errorf("the run ended at %v, want %v", e.endedAt.Sub(start), duration+endGrace)
				}
				if n := log.after(e.endedAt); n > 0 {
					t.Errorf("%d requests reached the server after the run's end", n)
				}
				everyTimeout(t, s, &log, timeout)
				if s.Total+s.Dropped != 500 {
					t.Errorf("sent %d + dropped %d, want the 500 due", s.Total, s.Dropped)
				}
				switch {
				case !saturated && (s.Dropped != 0 || s.Total != 500):
					t.Errorf("sent %d, dropped %d: want all 500 sent with the CPU free", s.Total, s.Dropped)
				case saturated && (s.Run.DroppedUnsent == 0 || s.Run.DroppedUnsent != s.Dropped):
					t.Errorf("dropped %d, of them unsent %d: want some, all unsent", s.Dropped, s.Run.DroppedUnsent)
				case saturated:
					var b strings.Builder
					stats.WriteSummary(&b, s)
					if want := "     All of them: still waiting for one of trafficgen's workers when the run\n"; !strings.Contains(b.String(), want) {
						t.Errorf("summary lacks %q:\n%s", want, b.String())
					}
				}
			})
		})
	}
}

// Cancelling the run (Ctrl-C) at 2 s: it returns within the timeout after
// that, and nothing reaches the server after it.
func TestCancelledRunDrainsWithinTheTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const cancelAt, timeout = 2 * time.Second, 2 * time.Second
		var log receivedLog
		e, err := New(Config{
			Target: "http://silent.test", Mode: plan.ModeSteady, RPS: 100, Duration: time.Minute, Timeout: timeout,
			Client: inProcessClient(silent(&log)), Users: 0, UsersSet: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), cancelAt)
		defer cancel()
		start := time.Now()
		s, took := runFor(t, ctx, e)
		if took > cancelAt+timeout {
			t.Errorf("Run took %v after a cancel at %v, want at most %v", took, cancelAt, cancelAt+timeout)
		}
		if e.endedAt != start.Add(cancelAt+endGrace) {
			t.Errorf("the run ended at %v, want %v", e.endedAt.Sub(start), cancelAt+endGrace)
		}
		if n := log.after(e.endedAt); n > 0 {
			t.Errorf("%d requests reached the server after the run's end", n)
		}
		everyTimeout(t, s, &log, timeout)
		if s.Total != 200 {
			t.Errorf("sent %d, want the 200 due in 2 s", s.Total)
		}
	})
}

// Nothing is sent after the run's end by any sender: the open model's
// workers, journeys and the closed loop, against a server whose latency
// spans the end. The requests in flight at the end are answered in the
// drain and counted.
func TestNothingSentAfterTheEnd(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  Config
	}{
		{"open model and journeys", Config{Mode: plan.ModeRealistic, RPS: 50, Users: 10, UsersSet: true,
			Think: scenario.Range{Min: 10 * time.Millisecond, Max: 50 * time.Millisecond}}},
		{"closed loop", Config{Mode: plan.ModeMax, Concurrency: 8, Users: 0, UsersSet: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var log receivedLog
				api := demoapi.New(demoapi.Options{Seed: 1, LatencyScale: 1}) // 10–500 ms a request
				cfg := c.cfg
				cfg.Target, cfg.Duration, cfg.Timeout, cfg.Seed = "http://gateway.test", 3*time.Second, time.Second, 5
				cfg.Client = inProcessClient(logged(&log, api))
				e, err := New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				s, took := runFor(t, context.Background(), e)
				if took > cfg.Duration+cfg.Timeout {
					t.Errorf("Run took %v, want at most %v", took, cfg.Duration+cfg.Timeout)
				}
				if n := log.after(e.endedAt); n > 0 {
					t.Errorf("%d requests reached the server after the run's end", n)
				}
				if saw := len(log.times()); s.Total != int64(saw) || s.Total != s.Success+s.Errors || s.InFlight != 0 {
					t.Errorf("server saw %d; reported %d = %d ok + %d errors, %d in flight", saw, s.Total, s.Success, s.Errors, s.InFlight)
				}
				if s.Latency.Max > hdrMargin(cfg.Timeout) {
					t.Errorf("latency max %v, above the %v timeout", s.Latency.Max, cfg.Timeout)
				}
			})
		})
	}
}

// stampServer is a raw loopback server that reads each request, notes
// when it arrived, and then answers as misbehave says.
type stampServer struct {
	addr string
	log  receivedLog
}

func newStampServer(t *testing.T, misbehave func(c net.Conn)) *stampServer {
	s := &stampServer{}
	raw := newRawServer(t, func(r *rawServer, c net.Conn, br *bufio.Reader) {
		if r.emptyConn(br) {
			s.log.add(time.Time{}) // a request that timed out before its write: no arrival
			return
		}
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		s.log.add(time.Now())
		io.Copy(io.Discard, req.Body)
		misbehave(c)
	})
	s.addr = raw.addr
	return s
}

// neverAnswer holds the connection until the client closes it.
func neverAnswer(c net.Conn) { io.Copy(io.Discard, c) }

// trickleHeaders sends a status line, then header bytes one every 100 ms,
// without end.
func trickleHeaders(c net.Conn) {
	if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\n"); err != nil {
		return
	}
	line := []byte("X-Trickle: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n")
	for i := 0; ; i++ {
		time.Sleep(100 * time.Millisecond)
		if _, err := c.Write(line[i%len(line) : i%len(line)+1]); err != nil {
			return
		}
	}
}

// The same over real sockets, with each client, against a server that
// never answers and one that trickles header bytes: the run returns within
// a second of duration + timeout (or of cancel + timeout), every request
// is a timeout no slower than the timeout, and nothing starts after the
// run's end. A request let through just before the end may reach the
// server a moment after it (the client's write and the server's read wait
// for a CPU), hence arriveWithin; TestRunEndsOnTimeWhenTheServerNeverAnswers
// checks the order exactly, on the fake clock.
func TestRunEndsOnTimeAgainstHostileServers(t *testing.T) {
	t.Parallel()
	const (
		duration, timeout = 3 * time.Second, time.Second
		cancelAt          = time.Second
		margin            = time.Second
		arriveWithin      = time.Second
	)
	// The runs mostly wait, so all go at once: subtests started from
	// goroutines, not t.Parallel, which would take turns.
	var wg sync.WaitGroup
	for _, srv := range []struct {
		name      string
		misbehave func(net.Conn)
	}{{"never answers", neverAnswer}, {"trickles headers", trickleHeaders}} {
		for _, client := range []string{ClientH1, ClientNetHTTP} {
			for _, cancelled := range []bool{false, true} {
				name := srv.name + "/" + client + "/to the end"
				if cancelled {
					name = srv.name + "/" + client + "/cancelled"
				}
				wg.Go(func() {
					t.Run(name, func(t *testing.T) {
						hs := newStampServer(t, srv.misbehave)
						e, err := New(Config{
							Mode: plan.ModeSteady, RPS: 100, Duration: duration, Timeout: timeout, HTTPClient: client,
							Scenario: adhoc(t, "http://"+hs.addr+"/x"),
						})
						if err != nil {
							t.Fatal(err)
						}
						ctx, want := context.Background(), duration+timeout
						if cancelled {
							var cancel context.CancelFunc
							ctx, cancel = context.WithTimeout(ctx, cancelAt)
							defer cancel()
							want = cancelAt + timeout
						}
						s, took := runFor(t, ctx, e)
						if took > want+margin {
							t.Errorf("Run took %v, want at most %v", took, want+margin)
						}
						if n := hs.log.after(e.endedAt.Add(arriveWithin)); n > 0 {
							t.Errorf("%d requests reached the server more than %v after the run's end", n, arriveWithin)
						}
						everyTimeout(t, s, &hs.log, timeout)
					})
				})
			}
		}
	}
	wg.Wait()
}
