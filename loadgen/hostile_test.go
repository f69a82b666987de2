package loadgen

// The hostile server through the engine (New, Run, Final), with each
// client, one run at a time (floods cost CPU, and the fault suite's
// parallel runs measure time): bytes that answer no request, closes
// without a word, answers that are not HTTP, header floods and trickles.
// Each run checks that the server's count is the reported total
// (nothingLost), that no request is resent, and that every failure is
// counted under the kind that says what went wrong. The order of the
// server's bytes and the client's requests is the test's (wiretest),
// never the machine's speed.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/trafficgen/trafficgen/internal/wiretest"
	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/stats"
)

// readBuf is the size of H1's first read buffer: an answer of exactly
// that size is read whole by one read, and bytes after it stay in the
// kernel until the connection's next use, as bytes that come later do.
const readBuf = 4 << 10

// padded pads an answer's head with a field to readBuf bytes with its
// body.
func padded(status, fields, body string) string {
	head := "HTTP/1.1 " + status + "\r\n" + fields + "X-Pad: "
	pad := readBuf - len(head) - len("\r\n\r\n") - len(body)
	return head + strings.Repeat("p", pad) + "\r\n\r\n" + body
}

// hostileRun runs cfg with each client and hands over the final
// snapshot.
func hostileRun(t *testing.T, cfg Config, check func(t *testing.T, s stats.Snapshot)) {
	for _, kind := range allClients {
		t.Run(kind, func(t *testing.T) {
			cfg := cfg
			cfg.HTTPClient = kind
			_, s := runEngine(t, cfg)
			check(t, s)
		})
	}
}

// Bytes after an answer — a second answer, bytes past a short
// Content-Length, a body on a 204 or on an answer to HEAD — are never a
// later request's answer: every request reports its own status, none
// fails, none is resent, and the server's count is the total.
func TestHostileBytesAfterAnAnswer(t *testing.T) {
	// Not parallel: net/http tells of an unsolicited answer only through
	// the process's one logger, which goes to the engine made last.
	for _, tc := range []struct {
		name, method, answer string
		status               int
	}{
		{"a second answer", "GET", padded("200 OK", "Content-Length: 2\r\n", "ok") + "HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\n\r\n", 200},
		{"bytes past a short Content-Length", "GET", padded("200 OK", "Content-Length: 2\r\n", "ok") + "HTTP/1.1 418 I'm a teapot\r\n\r\n", 200},
		{"a body on a 204", "GET", padded("204 No Content", "", "") + "HTTP/1.1 418 I'm a teapot\r\n\r\n", 204},
		{"a body on an answer to HEAD", "HEAD", padded("200 OK", "Content-Length: 24\r\n", "") + "HTTP/1.1 418 I'm a teapot", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRawServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
				for s.readRequest(br) {
					if _, err := io.WriteString(c, tc.answer); err != nil {
						return
					}
				}
			})
			scn, err := scenario.FromAdHoc(scenario.AdHoc{URLs: []string{"http://" + srv.addr + "/x"}, Method: tc.method})
			if err != nil {
				t.Fatal(err)
			}
			hostileRun(t, Config{Mode: plan.ModeSteady, RPS: 500, Duration: 500 * time.Millisecond, Timeout: 10 * time.Second, Scenario: scn},
				func(t *testing.T, s stats.Snapshot) {
					if s.Errors != 0 || s.Resent != 0 || s.Total < 100 || len(s.StatusCodes) != 1 || s.StatusCodes[0].Code != tc.status {
						t.Errorf("total %d, errors %d %+v, resent %d, codes %s: want every request a %d",
							s.Total, s.Errors, s.ErrorKinds, s.Resent, fmt.Sprint(s.StatusCodes), tc.status)
					}
					if !hasEvent(s, "", "answer no request") && !hasEvent(s, "net/http: Unsolicited response", "") {
						t.Errorf("no event says the server sent bytes that answer no request: %+v", s.Run.Events)
					}
					nothingLost(t, s, waitSaw(&srv.saw, s.Total))
					srv.saw.Store(0)
				})
		})
	}
}

// What the HTTP client says of a misbehaving server reaches the event log
// at most once a second, the next line shown saying how many were held
// back: a server that misbehaves on every request does not push the rest
// out of the log.
func TestClientLinesAreLimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := stats.New()
		l := &eventLimit{rec: rec}
		for range 300 {
			l.add("error", "net/http: Unsolicited response received on idle HTTP channel")
			time.Sleep(10 * time.Millisecond)
		}
		var shown []string
		for _, e := range rec.Snapshot(time.Now()).Run.Events {
			shown = append(shown, e.Text)
		}
		if len(shown) != 3 || !strings.HasSuffix(shown[1], "(and 99 more lines since the last one shown)") {
			t.Errorf("300 lines in 3 s became %d events: %q", len(shown), shown)
		}
	})
}

// A server that closes every connection right after its answer, without
// a Connection: close: the close has reached the client with the answer,
// so no POST is written to a closed connection — none fails, none is
// resent — and the server's count is the total.
func TestHostileClosesWithoutAWord(t *testing.T) {
	// Not parallel: a connection a request, at 500 a second, needs the
	// CPU that the tests beside it would take.
	srv := newRawServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
		defer c.Close()
		if s.readRequest(br) {
			wiretest.Cork(c)
			io.WriteString(c, okResponse)
			c.(*net.TCPConn).CloseWrite()
		}
	})
	scn, err := scenario.FromAdHoc(scenario.AdHoc{URLs: []string{"http://" + srv.addr + "/x"}, Method: "POST", Body: `{"n":1}`})
	if err != nil {
		t.Fatal(err)
	}
	hostileRun(t, Config{Mode: plan.ModeSteady, RPS: 500, Duration: 500 * time.Millisecond, Timeout: 10 * time.Second, Scenario: scn},
		func(t *testing.T, s stats.Snapshot) {
			if s.Errors != 0 || s.Resent != 0 || s.Total < 100 {
				t.Errorf("total %d, errors %d %+v, resent %d: want every POST ok, none resent; events %v", s.Total, s.Errors, s.ErrorKinds, s.Resent, s.Run.Events)
			}
			nothingLost(t, s, waitSaw(&srv.saw, s.Total))
			srv.saw.Store(0)
		})
}

// Answers that are not HTTP, or whose header never ends, are counted
// under the kind that says why — malformed response, header too large,
// tls, timeout — every one of them, and the first of each kind is in the
// event log with its message; the server read every request counted.
// (The flood and the storm end by the bound, however slow the machine:
// their run's timeout is far beyond it. The trickle ends by its run's.)
func TestHostileAnswersCountedByKind(t *testing.T) {
	t.Parallel() // waits on sockets: it runs beside the others that do
	answers := map[string]string{
		"/chunk":   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n+2\r\nok\r\n0\r\n\r\n",
		"/length":  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
		"/garbage": "SSH-2.0-OpenSSH_9.6\r\n",
		"/flood":   "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Flood: "+strings.Repeat("f", 89)+"\r\n", 11000),
		"/storm":   strings.Repeat("HTTP/1.1 100 Continue\r\n\r\n", 43000),
		"/tls":     "\x15\x03\x01\x00\x02\x02\x46",
	}
	srv := newRawServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
		defer c.Close()
		req, err := readCounted(s, br)
		if err != nil {
			return
		}
		if req == "/trickle" {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Slow: ")
			for range 1 << 20 { // a field that never ends, a byte at a time
				time.Sleep(10 * time.Millisecond)
				if _, err := io.WriteString(c, "x"); err != nil {
					return
				}
			}
		}
		io.WriteString(c, answers[req])
		io.Copy(io.Discard, br) // until the client closes
	})
	type want struct {
		kind   stats.ErrorKind
		routes []string
		says   string
	}
	for _, run := range []struct {
		name    string
		rps     float64
		timeout time.Duration
		wants   []want
	}{
		{"unreadable", 60, 10 * time.Second, []want{
			{stats.KindMalformed, []string{"/chunk", "/length", "/garbage"}, "malformed response: "},
			{stats.KindHeaderTooLarge, []string{"/flood", "/storm"}, "1048576"},
			{stats.KindTLS, []string{"/tls"}, "https://"},
		}},
		{"trickled", 20, 300 * time.Millisecond, []want{{stats.KindTimeout, []string{"/trickle"}, ""}}},
	} {
		var urls []string
		for _, w := range run.wants {
			for _, r := range w.routes {
				urls = append(urls, "http://"+srv.addr+r)
			}
		}
		t.Run(run.name, func(t *testing.T) {
			hostileRun(t, Config{Mode: plan.ModeSteady, RPS: run.rps, Duration: time.Second, Timeout: run.timeout, Scenario: adhoc(t, urls...), Seed: 1},
				func(t *testing.T, s stats.Snapshot) {
					byRoute := map[string]int64{}
					for _, e := range s.Endpoints {
						byRoute[strings.TrimPrefix(e.Route, "GET ")] = e.Total
					}
					for _, w := range run.wants {
						var n int64
						for _, r := range w.routes {
							n += byRoute[r]
						}
						if got := kindCount(s, w.kind); got != n || n == 0 {
							t.Errorf("%v: %d, want %d (the requests to %v)", w.kind, got, n, w.routes)
						}
						if w.says != "" && !hasEvent(s, "first "+w.kind.String()+": ", w.says) {
							t.Errorf("no event says the first %v with %q: %+v", w.kind, w.says, s.Run.Events)
						}
					}
					if s.Errors != s.Total || s.Resent != 0 {
						t.Errorf("total %d, errors %d, resent %d: want every request failed, none resent", s.Total, s.Errors, s.Resent)
					}
					nothingLost(t, s, waitSaw(&srv.saw, s.Total))
					srv.saw.Store(0)
				})
		})
	}
}

// readCounted reads a request, counts it, and returns its path.
func readCounted(s *rawServer, br *bufio.Reader) (string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return "", err
	}
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return "", err
		}
		if l == "\r\n" {
			break
		}
	}
	s.saw.Add(1)
	_, rest, _ := strings.Cut(line, " ")
	path, _, _ := strings.Cut(rest, " ")
	return path, nil
}

// hasEvent says whether an event of the run starts with prefix and
// contains text.
func hasEvent(s stats.Snapshot, prefix, text string) bool {
	for _, e := range s.Run.Events {
		if strings.HasPrefix(e.Text, prefix) && strings.Contains(e.Text, text) {
			return true
		}
	}
	return false
}
