package transport

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/trafficgen/trafficgen/transport/transporttest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// allKinds are the clients every client test runs against.
var allKinds = []string{KindH1, KindNetHTTP}

// newTestClient builds a client of kind with o, whose idle connections
// close when the test ends.
func newTestClient(tb testing.TB, kind string, o Options) Client {
	tb.Helper()
	o.Kind = kind
	c, err := New(o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.CloseIdleConnections)
	return c
}

// newH1 builds an H1 client with o.
func newTestH1(tb testing.TB, o Options) *H1 {
	return newTestClient(tb, KindH1, o).(*H1)
}

// get sends a GET to url with c.
func get(c Client, url string) (*Response, error) {
	var resp Response
	err := c.Send(context.Background(), &Request{Method: "GET", URL: []byte(url)}, &resp)
	return &resp, err
}

// rawRequest is a request as a rawServer read it: its head byte for byte,
// and what it says.
type rawRequest struct {
	head   string // request line and fields, through the blank line
	method string
	target string
	header textproto.MIMEHeader
	body   string
}

// rawServer accepts connections on loopback and answers each request it
// reads with what answer returns for it, byte for byte (an empty answer
// closes the connection). It records the requests.
type rawServer struct {
	addr string
	url  string // http://addr

	mu   sync.Mutex
	reqs []rawRequest
	saw  atomic.Int64
}

func newRawServer(t *testing.T, answer func(r rawRequest) string) *rawServer {
	t.Helper()
	return newConnServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
		for {
			r, ok := s.read(br)
			if !ok {
				return
			}
			a := answer(r)
			if a == "" {
				return
			}
			if _, err := io.WriteString(c, a); err != nil {
				return
			}
		}
	})
}

// newConnServer is a rawServer whose connections serve runs whole.
func newConnServer(t *testing.T, serve func(s *rawServer, c net.Conn, br *bufio.Reader)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{addr: ln.Addr().String()}
	s.url = "http://" + s.addr
	var wg sync.WaitGroup
	var cmu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			cmu.Lock()
			conns = append(conns, c)
			cmu.Unlock()
			wg.Go(func() {
				defer c.Close()
				serve(s, c, bufio.NewReader(c))
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		cmu.Lock()
		for _, c := range conns {
			c.Close()
		}
		cmu.Unlock()
		wg.Wait()
	})
	return s
}

// read reads one request, records and counts it.
func (s *rawServer) read(br *bufio.Reader) (rawRequest, bool) {
	var head bytes.Buffer
	for {
		l, err := br.ReadString('\n')
		head.WriteString(l)
		if err != nil {
			return rawRequest{}, false
		}
		if l == "\r\n" {
			break
		}
	}
	r := rawRequest{head: head.String()}
	tp := textproto.NewReader(bufio.NewReader(strings.NewReader(r.head)))
	line, _ := tp.ReadLine()
	r.method, r.target, _ = strings.Cut(line, " ")
	r.target, _, _ = strings.Cut(r.target, " ")
	r.header, _ = tp.ReadMIMEHeader()
	if n, err := strconv.Atoi(r.header.Get("Content-Length")); err == nil && n > 0 {
		b := make([]byte, n)
		if _, err := io.ReadFull(br, b); err != nil {
			return rawRequest{}, false
		}
		r.body = string(b)
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, r)
	s.mu.Unlock()
	s.saw.Add(1)
	return r, true
}

// requests returns the requests read so far.
func (s *rawServer) requests() []rawRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]rawRequest(nil), s.reqs...)
}

// newCannedServer is a server that answers okAnswer to every request,
// allocating nothing.
func newCannedServer(tb testing.TB) *rawServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	go transporttest.Canned(ln, []byte(okAnswer))
	return &rawServer{addr: ln.Addr().String(), url: "http://" + ln.Addr().String()}
}

// okAnswer is a short 200.
const okAnswer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n{\"id\":1}"

func ok(rawRequest) string { return okAnswer }

// waitFor waits up to 5 s for cond.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("condition not met within 5 s")
		}
	}
}
