package transport

// Kept-alive connections the server closes: the request goes on another
// connection, and the server's count is what the client reports, plus at
// most the attempts it reports as resent. Requests are sent one after
// another, and the server's closes are ordered against them by the test,
// not by the clock, so the outcome does not depend on the machine's speed.

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/internal/wiretest"
)

// sendAll sends n GETs to url one after another and returns how many
// succeeded and were resent, failing the test on an error.
func sendAll(t *testing.T, c Client, url string, n int, between func()) (okCount, resent int) {
	t.Helper()
	for i := range n {
		resp, err := get(c, url)
		if err != nil {
			t.Errorf("request %d: %d (%v)", i, resp.Status, err)
			continue
		}
		okCount++
		resent += resp.Resent
		if between != nil {
			between()
		}
	}
	return okCount, resent
}

// A server that closes the connection after every answer, saying so or
// not: every request succeeds, on a new connection each; one that raced
// the close is sent again and counted as resent.
func TestServerClosesAfterEveryAnswer(t *testing.T) {
	for _, say := range []bool{true, false} {
		answer := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
		if say {
			answer = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
		}
		srv := newConnServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
			if _, ok := s.read(br); ok {
				io.WriteString(c, answer)
			}
		})
		for _, kind := range allKinds {
			const n = 50
			okCount, resent := sendAll(t, newTestClient(t, kind, Options{Timeout: 2 * time.Second}), srv.url+"/x", n, nil)
			saw := int(srv.saw.Swap(0))
			if okCount != n || saw < n || saw > n+resent || say && resent != 0 {
				t.Errorf("%s, Connection: close %v: %d of %d ok, %d resent, the server read %d", kind, say, okCount, n, resent, saw)
			}
		}
	}
}

// A server that closes a kept-alive connection while it is idle (a
// keep-alive timeout): the client finds it closed before writing the
// next request to it, however soon that comes, so nothing is resent and
// the server's count is the total.
func TestIdleCloseIsFoundBeforeWriting(t *testing.T) {
	var ts *turns
	srv := newConnServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
		if _, ok := s.read(br); ok {
			io.WriteString(c, okAnswer)
			if ts.wait() {
				c.(*net.TCPConn).CloseWrite()
				wiretest.Delivered(t, c)
				ts.done()
			}
		}
	})
	ts = newTurns(t)
	for _, kind := range allKinds {
		const n = 10
		okCount, resent := sendAll(t, newTestClient(t, kind, Options{Timeout: 2 * time.Second}), srv.url+"/x", n, func() { ts.next(t) })
		if saw := int(srv.saw.Swap(0)); okCount != n || resent != 0 || saw != n {
			t.Errorf("%s: %d of %d ok, %d resent, the server read %d", kind, okCount, n, resent, saw)
		}
	}
}

// A server that reads a GET on a kept-alive connection and closes it
// without answering, however long it took: the GET is sent again on a new
// connection (it looks the same as a keep-alive timeout) and counted as
// resent, and the server's count is the total plus resent, exactly.
func TestServerDiesAfterReadingARequest(t *testing.T) {
	for _, took := range []time.Duration{0, 100 * time.Millisecond} {
		srv := newConnServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
			if _, ok := s.read(br); ok {
				io.WriteString(c, okAnswer)
				if _, ok := s.read(br); ok {
					time.Sleep(took)
				}
			}
		})
		for _, kind := range allKinds {
			const n = 5
			okCount, resent := sendAll(t, newTestClient(t, kind, Options{Timeout: 2 * time.Second}), srv.url+"/x", n, nil)
			saw := int(srv.saw.Swap(0))
			if okCount != n || resent != n-1 || saw != n+resent {
				t.Errorf("%s, %v before the close: %d of %d ok, %d resent, the server read %d; want all ok, %d resent, %d read",
					kind, took, okCount, n, resent, saw, n-1, 2*n-1)
			}
		}
	}
}

// A POST is never sent twice: when its kept-alive connection dies under
// it, it fails, and the server's count is the total.
func TestPostIsNotResent(t *testing.T) {
	srv := newConnServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
		if _, ok := s.read(br); ok {
			io.WriteString(c, okAnswer)
			s.read(br)
		}
	})
	for _, kind := range allKinds {
		c := newTestClient(t, kind, Options{Timeout: 2 * time.Second})
		var fails int
		for range 4 {
			var resp Response
			err := c.Send(t.Context(), &Request{Method: "POST", URL: []byte(srv.url + "/x"), Body: []byte("b")}, &resp)
			if resp.Resent != 0 {
				t.Errorf("%s: a POST resent %d times", kind, resp.Resent)
			}
			if err != nil {
				fails++
			}
		}
		if saw := srv.saw.Swap(0); fails != 2 || saw != 4 {
			t.Errorf("%s: %d of 4 POSTs failed, the server read %d; want every second one failed, 4 read", kind, fails, saw)
		}
	}
}

// A host that has answered cleanly for trustAfter looks has its fresh
// connections reused without a look. A close that then comes with an
// answer is still found, by the read that took the answer (the kernel
// says what it holds after it), and a reset after an answer, which the
// kernel does not count, fails the write before a byte is sent: either
// way the request goes on a new connection, no POST fails, none is
// resent, the server's count is the total, and from then on every reuse
// is looked at again. (freshFor is an hour here, so that every reuse is
// fresh however slow the machine.)
func TestTrustedHostClosesWithoutAWord(t *testing.T) {
	defer func(d time.Duration) { freshFor = d }(freshFor)
	freshFor = time.Hour
	const from = trustAfter + 10 // the request that the server closes after
	for _, how := range []string{"a close with the answer", "a reset after it"} {
		t.Run(how, func(t *testing.T) {
			var ts *turns
			srv := newConnServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
				for {
					if _, ok := s.read(br); !ok {
						return
					}
					switch {
					case s.saw.Load() != from:
						io.WriteString(c, okAnswer)
						continue
					case how == "a close with the answer":
						wiretest.Cork(c) // the answer and the FIN leave together
						io.WriteString(c, okAnswer)
						c.(*net.TCPConn).CloseWrite()
						wiretest.Delivered(t, c)
					default:
						io.WriteString(c, okAnswer)
						if ts.wait() {
							c.(*net.TCPConn).SetLinger(0)
							c.Close()
							ts.done()
						}
					}
					return
				}
			})
			ts = newTurns(t)
			c := newTestClient(t, KindH1, Options{Timeout: 10 * time.Second}).(*H1)
			h := c.pool(false, []byte(srv.addr))
			idle := func() *conn {
				h.mu.Lock()
				defer h.mu.Unlock()
				return h.idle[len(h.idle)-1]
			}
			const n = from + 10
			for i := 1; i <= n; i++ {
				resp, err := send(c, "POST", srv.url+"/x", []byte("b"))
				if err != nil || resp.Status != 200 || resp.Resent != 0 {
					t.Fatalf("request %d: %d, resent %d (%v)", i, resp.Status, resp.Resent, err)
				}
				switch {
				case i == 1 && !idle().drained:
					t.Skip("the kernel does not say what it holds after a read (TCP_INQ, Linux 4.18)")
				case i == from-1 && (!h.trusted() || !idle().unlooked):
					t.Fatalf("request %d: trusted %v, went without a look %v; want both after %d clean looks", i, h.trusted(), idle().unlooked, trustAfter)
				case i == from && how == "a reset after it":
					ts.next(t)
				}
			}
			if saw := srv.saw.Load(); saw != n || h.trusted() {
				t.Errorf("the server read %d of %d; trusted after it closed: %v", saw, n, h.trusted())
			}
		})
	}
}
