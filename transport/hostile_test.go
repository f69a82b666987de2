package transport

// A hostile server, byte by byte: answers to no request, wrongly framed
// answers, closes without a word, bytes that are not HTTP, header floods
// and trickles, early answers, bodies that never end. Each test holds
// both clients to what a user must see: the status each request really
// got, the failure named for what went wrong, and the server's count of
// requests equal to the client's (nothing resent, nothing lost). The
// order of the server's bytes and the client's requests is set by the
// test (wiretest.Delivered, wiretest.Cork), never by a sleep.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/internal/wiretest"
)

// readHead reads a request's head and counts it, leaving its body
// unread.
func (s *rawServer) readHead(br *bufio.Reader) bool {
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return false
		}
		if l == "\r\n" {
			s.saw.Add(1)
			return true
		}
	}
}

// send sends one request of method to url with body.
func send(c Client, method, url string, body []byte) (*Response, error) {
	var resp Response
	err := c.Send(context.Background(), &Request{Method: method, URL: []byte(url), Body: body, BodyLimit: 1 << 10}, &resp)
	return &resp, err
}

// turns lets a test and its server take turns: the test hands the turn
// over and waits until it comes back (next); the server waits for it
// (wait), acts and hands it back (done). A side left waiting because the
// other broke off — a request that never reached the server — does not
// hang: the server returns when the test ends, the test fails after 5 s.
type turns struct{ turn, back, stop chan struct{} }

// newTurns makes turns; call it after the server it serves, so that its
// server's goroutines are let go before the server waits for them.
func newTurns(t *testing.T) *turns {
	ts := &turns{make(chan struct{}), make(chan struct{}), make(chan struct{})}
	t.Cleanup(func() { close(ts.stop) })
	return ts
}

// wait is the server's: it waits for its turn, false when the test ends.
func (ts *turns) wait() bool {
	select {
	case <-ts.turn:
		return true
	case <-ts.stop:
		return false
	}
}

// done is the server's: it hands the turn back.
func (ts *turns) done() {
	select {
	case ts.back <- struct{}{}:
	case <-ts.stop:
	}
}

// next is the test's: the server takes a turn.
func (ts *turns) next(t *testing.T) {
	t.Helper()
	late := time.After(5 * time.Second)
	select {
	case ts.turn <- struct{}{}:
	case <-late:
		t.Fatal("the server did not wait for its turn within 5 s")
	}
	select {
	case <-ts.back:
	case <-late:
		t.Fatal("the server did not take its turn within 5 s")
	}
}

// Bytes that answer no request — a second answer to one request, bytes
// after an answer framed too short, a body on a 204, a 304 or an answer
// to HEAD — are never the next request's answer, whether they come with
// the answer or after it, while the connection is idle: the connection
// they came on is not used again, each request gets its own answer, the
// server's count is the client's, and the client says what happened
// (Note, or net/http's own log line).
func TestBytesAfterAnAnswerAnswerNothing(t *testing.T) {
	defer log.SetOutput(os.Stderr) // NetHTTP's Log took the standard logger
	for _, tc := range []struct {
		name, method, answer, extra string
		status                      int
	}{
		{"a second answer", "GET", okAnswer, "HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\n\r\n", 200},
		{"bytes after a short Content-Length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "HTTP/1.1 418 I'm a teapot\r\n\r\n", 200},
		{"a body on a 204", "GET", "HTTP/1.1 204 No Content\r\n\r\n", "HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\n\r\n", 204},
		{"a body on a 304", "GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", "hello", 304},
		{"a body on an answer to HEAD", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "hello", 200},
	} {
		for _, later := range []bool{true, false} {
			// later: the extra bytes come once the client has read the
			// answer; else in the same write as the answer.
			var ts *turns
			srv := newConnServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
				for {
					if _, ok := s.read(br); !ok {
						return
					}
					if !later {
						io.WriteString(c, tc.answer+tc.extra)
						continue
					}
					io.WriteString(c, tc.answer)
					if !ts.wait() {
						return
					}
					io.WriteString(c, tc.extra)
					wiretest.Delivered(t, c)
					ts.done()
				}
			})
			ts = newTurns(t)
			for _, kind := range allKinds {
				var notes atomic.Int64
				note := func(string) { notes.Add(1) }
				c := newTestClient(t, kind, Options{Timeout: 10 * time.Second, Log: note, Note: note})
				const n = 6
				var bad []int
				for range n {
					resp, err := send(c, tc.method, srv.url+"/x", nil)
					if err != nil || resp.Status != tc.status || resp.Resent != 0 {
						bad = append(bad, resp.Status)
					}
					if later {
						ts.next(t)
					}
				}
				if saw := srv.saw.Swap(0); len(bad) > 0 || saw != n {
					t.Errorf("%s (later %v), %s: answers not %d (or failed, or resent): %v; the server read %d of %d",
						tc.name, later, kind, tc.status, bad, saw, n)
				}
				if notes.Load() == 0 {
					t.Errorf("%s (later %v), %s: nothing said the server sent bytes that answer no request", tc.name, later, kind)
				}
			}
		}
	}
}

// A server that closes a kept-alive connection without a word — right
// after its answer, or once idle, with a FIN or a reset, or shutting down
// its side only and reading on — costs no request: the client finds the
// close before it writes (the kernel knows of it by then), so no POST
// fails and nothing is resent, and the server's count is the client's.
func TestUnannouncedClosesCostNothing(t *testing.T) {
	for _, how := range []string{"with its answer", "once idle", "half-close", "reset"} {
		var ts *turns
		srv := newConnServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
			if _, ok := s.read(br); !ok {
				return
			}
			tc := c.(*net.TCPConn)
			switch how {
			case "with its answer":
				wiretest.Cork(c) // the answer and the FIN leave together
				io.WriteString(c, okAnswer)
				tc.CloseWrite()
				wiretest.Delivered(t, c)
				return
			}
			io.WriteString(c, okAnswer)
			if !ts.wait() {
				return
			}
			switch how {
			case "reset":
				wiretest.Delivered(t, c)
				tc.SetLinger(0)
				tc.Close()
				ts.done()
			case "half-close":
				tc.CloseWrite()
				wiretest.Delivered(t, c)
				ts.done()
				s.read(br) // reads on: nothing comes
			default:
				tc.CloseWrite()
				wiretest.Delivered(t, c)
				ts.done()
			}
		})
		ts = newTurns(t)
		for _, kind := range allKinds {
			if how == "reset" && kind == KindNetHTTP {
				continue // the test cannot tell when net/http's socket has the reset
			}
			c := newTestClient(t, kind, Options{Timeout: 10 * time.Second})
			const n = 6
			fails, resent := 0, 0
			for range n {
				resp, err := send(c, "POST", srv.url+"/x", []byte("b"))
				if err != nil || resp.Status != 200 {
					fails++
				}
				resent += resp.Resent
				if how != "with its answer" {
					ts.next(t)
				}
				if how == "reset" {
					waitFor(t, func() bool { return idleConnClosed(c.(*H1), srv.addr) })
				}
			}
			if saw := srv.saw.Swap(0); fails != 0 || resent != 0 || saw != n {
				t.Errorf("closed %s, %s: %d of %d POSTs failed, %d resent, the server read %d", how, kind, fails, n, resent, saw)
			}
		}
	}
}

// idleConnClosed says whether H1's idle connection to addr has seen its
// peer's close.
func idleConnClosed(c *H1, addr string) bool {
	h := c.pool(false, []byte(addr))
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.idle) == 1 && h.idle[0].sock.peek.look() == peekClosed
}

// What is not a readable answer is a failure of its own kind whose
// message says what was wrong, on both clients: bytes of another
// protocol, a bad chunk size, two Content-Lengths that differ, a header
// section past the bound (in fields or in interim answers), TLS where
// plain HTTP was asked for, a switch of protocols nobody asked for.
func TestUnreadableAnswersSayWhy(t *testing.T) {
	flood := "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Flood: "+strings.Repeat("a", 89)+"\r\n", maxHeaderBytes/100+1) + "\r\n"
	for _, tc := range []struct {
		name, answer string
		status       int // the status that arrived before the answer broke
		want         Failure
		says         string
	}{
		{"another protocol", "SSH-2.0-OpenSSH_9.6\r\n", 0, FailMalformed, "SSH-2.0"},
		{"a signed chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n+2\r\nok\r\n0\r\n\r\n", 200, FailMalformed, "chunk"},
		{"two Content-Lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", 0, FailMalformed, "Content-Length"},
		{"a header flood", flood, 0, FailHeaderTooLarge, "1048576"},
		{"a 100 Continue storm", strings.Repeat("HTTP/1.1 100 Continue\r\n\r\n", maxHeaderBytes/25+1), 0, FailHeaderTooLarge, "1048576"},
		{"a TLS alert", "\x15\x03\x01\x00\x02\x02\x46", 0, FailTLS, "https://"},
		{"an unasked switch", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", 0, FailMalformed, "101"},
		{"a close", "", 0, FailReset, "closed the connection without answering"},
		{"a close mid-body", "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 9\r\n\r\nabc", 503, FailReset, "in the middle of its answer"},
	} {
		srv := newConnServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
			if _, ok := s.read(br); ok {
				io.WriteString(c, tc.answer)
				if !strings.HasPrefix(tc.name, "a close") {
					<-readClosed(br) // silent until the client gives up
				}
			}
		})
		for _, kind := range allKinds {
			c := newTestClient(t, kind, Options{Timeout: 10 * time.Second})
			resp, err := get(c, srv.url+"/x")
			if FailureOf(err) != tc.want || err == nil || !strings.Contains(err.Error(), tc.says) || resp.Status != tc.status {
				t.Errorf("%s, %s: %d, %v (%v); want %d, %v saying %q", tc.name, kind, resp.Status, FailureOf(err), err, tc.status, tc.want, tc.says)
			}
			if saw := srv.saw.Swap(0); saw != 1 {
				t.Errorf("%s, %s: the server read %d requests, want 1", tc.name, kind, saw)
			}
		}
	}
}

// TLS spoken to a plain HTTP port, and a certificate for another name,
// are TLS failures that say so; plain HTTP spoken to Go's TLS server
// gets its 400, which says so.
func TestTLSMistakesSayWhy(t *testing.T) {
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	secure := httptest.NewUnstartedServer(http.NotFoundHandler())
	secure.Config.ErrorLog = log.New(io.Discard, "", 0)
	secure.StartTLS()
	defer secure.Close()
	roots := x509.NewCertPool()
	roots.AddCert(secure.Certificate())
	for _, kind := range allKinds {
		c := newTestClient(t, kind, Options{Timeout: 10 * time.Second, TLS: &tls.Config{RootCAs: roots}})
		for _, tc := range []struct{ url, says string }{
			{"https://" + plain.Listener.Addr().String() + "/x", "in plain HTTP"},
			{strings.Replace(secure.URL, "127.0.0.1", "localhost", 1) + "/x", "not localhost"},
		} {
			if resp, err := get(c, tc.url); FailureOf(err) != FailTLS || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("%s %s: %d (%v), want a TLS failure saying %q", kind, tc.url, resp.Status, err, tc.says)
			}
		}
		// Go's TLS server answers plain HTTP itself, in plain HTTP: a 400
		// whose body says why. (A server that answers in TLS is
		// TestUnreadableAnswersSayWhy's.)
		if resp, err := send(c, "GET", strings.Replace(secure.URL, "https", "http", 1)+"/x", nil); resp.Status != 400 ||
			!strings.Contains(string(resp.Body), "HTTP request to an HTTPS server") {
			t.Errorf("%s: plain HTTP to a TLS port: %d %q (%v), want its 400", kind, resp.Status, resp.Body, err)
		}
	}
}

// Answers that take the time a request has — a Content-Length that never
// arrives, a chunked body that never ends, header bytes that trickle in,
// a request body the server never reads — end at the request's deadline
// as timeouts, with the status when it arrived; an answer that comes
// before the server read the request's body is the request's.
func TestAnswersThatNeverEnd(t *testing.T) {
	var wg sync.WaitGroup
	for _, tc := range []neverEnding{
		{"a Content-Length that never arrives", false, func(c net.Conn, br *bufio.Reader, stop <-chan struct{}) {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\nsome")
			<-stop
		}, 200, FailTimeout},
		{"a chunked body that never ends", false, func(c net.Conn, br *bufio.Reader, stop <-chan struct{}) {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
			for {
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
				}
				if _, err := io.WriteString(c, "5\r\nchunk\r\n"); err != nil {
					return
				}
			}
		}, 200, FailTimeout},
		{"header bytes that trickle", false, func(c net.Conn, br *bufio.Reader, stop <-chan struct{}) {
			for _, b := range []byte("HTTP/1.1 200 OK\r\nX-Slow: " + strings.Repeat("s", 1<<20)) {
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
			}
		}, 0, FailTimeout},
		{"a body never read, no answer", true, func(c net.Conn, br *bufio.Reader, stop <-chan struct{}) {
			<-stop
		}, 0, FailTimeout},
		{"a body never read, an answer", true, func(c net.Conn, br *bufio.Reader, stop <-chan struct{}) {
			io.WriteString(c, "HTTP/1.1 413 Content Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
			<-stop
		}, 413, FailOther},
		{"an answer, then a reset, a body never read", true, func(c net.Conn, br *bufio.Reader, stop <-chan struct{}) {
			io.WriteString(c, "HTTP/1.1 413 Content Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
			wiretest.Delivered(t, c)
			c.(*net.TCPConn).SetLinger(0)
		}, 413, FailOther},
	} {
		// Each waits out a deadline, so all go at once: subtests started
		// from goroutines, not t.Parallel, which would take turns.
		wg.Go(func() { t.Run(tc.name, tc.run) })
	}
	wg.Wait()
}

// neverEnding is a case of TestAnswersThatNeverEnd.
type neverEnding struct {
	name   string
	post   bool
	serve  func(c net.Conn, br *bufio.Reader, stop <-chan struct{})
	status int
	want   Failure // FailOther: no failure
}

// bigPost is past what the sockets' buffers take.
var bigPost = bytes.Repeat([]byte("b"), 16<<20)

func (tc neverEnding) run(t *testing.T) {
	stop := make(chan struct{})
	srv := newConnServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
		if s.readHead(br) {
			tc.serve(c, br, stop)
		}
	})
	for _, kind := range allKinds {
		// The deadline ends the answers that never end; the others
		// end by themselves, so theirs is far beyond a busy machine's.
		timeout := time.Second
		if tc.want == FailOther {
			timeout = 20 * time.Second
		}
		c := newTestClient(t, kind, Options{Timeout: timeout})
		method, body := "GET", []byte(nil)
		if tc.post {
			method, body = "POST", bigPost
		}
		resp, err := send(c, method, srv.url+"/x", body)
		if resp.Status != tc.status || tc.want == FailOther && err != nil || tc.want != FailOther && FailureOf(err) != tc.want {
			t.Errorf("%s, %s: %d (%v), want %d and %v", tc.name, kind, resp.Status, err, tc.status, tc.want)
		}
		if saw := srv.saw.Swap(0); saw != 1 {
			t.Errorf("%s, %s: the server read %d requests, want 1", tc.name, kind, saw)
		}
	}
	close(stop)
}

// Answers a careless reader would misread: a length beside chunked
// framing (the chunks frame the body; H1 then closes the connection), and
// a compressed body the client never asked to have decompressed (kept
// as it came: no decompression bomb). The next request gets its own
// answer.
func TestAnswersFramedTwoWays(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(make([]byte, 10<<20))
	zw.Close()
	for _, tc := range []struct{ name, answer, body string }{
		{"Content-Length and chunked", "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", "ok"},
		{"a gzip bomb", "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + strconv.Itoa(gz.Len()) + "\r\n\r\n" + gz.String(), gz.String()[:1<<10]},
	} {
		srv := newRawServer(t, func(rawRequest) string { return tc.answer })
		for _, kind := range allKinds {
			c := newTestClient(t, kind, Options{Timeout: 10 * time.Second})
			for i := range 3 {
				if resp, err := send(c, "GET", srv.url+"/x", nil); err != nil || resp.Status != 200 || string(resp.Body) != tc.body {
					t.Errorf("%s, %s, request %d: %d, %d bytes (%v)", tc.name, kind, i, resp.Status, len(resp.Body), err)
				}
			}
			if saw := srv.saw.Swap(0); saw != 3 {
				t.Errorf("%s, %s: the server read %d requests, want 3", tc.name, kind, saw)
			}
		}
	}
}

// Under TLS, H1 reads what waits on an idle connection through TLS: an
// answer to no request or a close (close_notify, then the FIN) makes it
// go before a request is written to it — no POST fails, none is resent,
// each request gets its own answer — and with nothing waiting one
// connection carries every request. (NetHTTP leaves TLS connections to
// net/http's own reader.)
func TestH1TLSIdleConnections(t *testing.T) {
	cert := httptest.NewUnstartedServer(http.NotFoundHandler())
	cert.StartTLS()
	conf := cert.TLS.Clone()
	cert.Close()
	roots := x509.NewCertPool()
	roots.AddCert(cert.Certificate())
	for _, then := range []string{"nothing", "an answer to no request", "a close"} {
		var ts *turns
		var conns atomic.Int64
		srv := newConnServer(t, func(s *rawServer, raw net.Conn, _ *bufio.Reader) {
			conns.Add(1)
			c := tls.Server(raw, conf)
			br := bufio.NewReader(c)
			for {
				if _, ok := s.read(br); !ok {
					return
				}
				io.WriteString(c, okAnswer)
				if !ts.wait() {
					return
				}
				switch then {
				case "an answer to no request":
					io.WriteString(c, "HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\n\r\n")
				case "a close":
					c.Close()
				}
				wiretest.Delivered(t, raw)
				ts.done()
			}
		})
		ts = newTurns(t)
		c := newTestClient(t, KindH1, Options{Timeout: 10 * time.Second, TLS: &tls.Config{RootCAs: roots}})
		const n = 5
		var bad []string
		for range n {
			resp, err := send(c, "POST", "https://"+srv.addr+"/x", []byte("b"))
			if err != nil || resp.Status != 200 || resp.Resent != 0 {
				bad = append(bad, fmt.Sprint(resp.Status, err))
			}
			ts.next(t)
		}
		wantConns := int64(n)
		if then == "nothing" {
			wantConns = 1
		}
		if saw := srv.saw.Load(); len(bad) > 0 || saw != n || conns.Load() != wantConns {
			t.Errorf("then %s: failed %v; the server read %d of %d requests over %d connections, want %d",
				then, bad, saw, n, conns.Load(), wantConns)
		}
	}
}
