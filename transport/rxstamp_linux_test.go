//go:build linux

package transport

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A response's arrival is when its bytes reached the socket, not when the
// reader got round to them: bytes read 100 ms late keep their arrival time.
func TestReceiveTimeIsArrivalNotRead(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	wrote := make(chan time.Time, 1)
	go func() {
		s, err := ln.Accept()
		if err != nil {
			return
		}
		defer s.Close()
		cmd := make([]byte, 2)
		for { // "go" is answered with "hello"; "by" closes
			if _, err := io.ReadFull(s, cmd); err != nil || string(cmd) == "by" {
				return
			}
			s.Write([]byte("hello"))
			wrote <- time.Now()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	tc := newSocket(c)
	defer tc.Close()
	if tc.rx == nil {
		t.Skip("no receive timestamps on this kernel")
	}
	// The kernel turns receive timestamps on for the whole host in a
	// deferred work item when the first socket asks, so the first packet
	// may have none (the engine then falls back to the read time): try
	// three times.
	b := make([]byte, 16)
	for try := 1; ; try++ {
		if _, err := tc.Write([]byte("go")); err != nil {
			t.Fatal(err)
		}
		at := <-wrote
		time.Sleep(100 * time.Millisecond) // the reader is late
		n, err := tc.Read(b)
		if err != nil || string(b[:n]) != "hello" {
			t.Fatalf("read %q, %v", b[:n], err)
		}
		now := time.Now()
		arrived := tc.rx.arrivedBy(now)
		if arrived.IsZero() && try < 3 {
			continue
		}
		if arrived.IsZero() || now.Sub(arrived) < 90*time.Millisecond || arrived.Sub(at) > 10*time.Millisecond {
			t.Fatalf("arrived %v before the read (written %v before it); want about 100 ms", now.Sub(arrived), now.Sub(at))
		}
		break
	}
	// The end of the stream, deadlines and a closed connection behave,
	// and read, as net.Conn's do.
	tc.SetReadDeadline(time.Now().Add(-time.Second))
	var ne net.Error
	_, err = tc.Read(b)
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("past the deadline: %v; want a timeout", err)
	}
	_, nerr := c.(*net.TCPConn).Read(b)
	if err.Error() != nerr.Error() {
		t.Fatalf("past the deadline: %q; net.Conn says %q", err, nerr)
	}
	tc.SetReadDeadline(time.Time{})
	tc.Write([]byte("by"))
	if _, err := io.ReadAll(tc); err != nil {
		t.Fatalf("to the end of the stream: %v; want EOF", err)
	}
}

// A response carries its arrival time, between the send and the moment
// Send returned.
func TestResponseCarriesArrival(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(5 * time.Millisecond)
		w.Write([]byte(`{"id":1}`))
	}))
	defer srv.Close()
	c := newTestClient(t, KindH1, Options{MaxConnsPerHost: 1, Timeout: time.Second})
	for i := range 3 {
		sent := time.Now()
		resp, err := get(c, srv.URL+"/x")
		done := time.Now()
		if err != nil || resp.Status != 200 {
			t.Fatalf("status %d (%v)", resp.Status, err)
		}
		if resp.Arrived.IsZero() {
			if i < 2 {
				continue // the kernel may still be turning timestamps on (see above)
			}
			t.Fatalf("response %d has no arrival time", i)
		}
		if resp.Arrived.Sub(sent) < 5*time.Millisecond || resp.Arrived.After(done) {
			t.Fatalf("arrived %v after the send, %v before the end", resp.Arrived.Sub(sent), done.Sub(resp.Arrived))
		}
	}
}

// A socket read with raw calls gets a request's deadline only when a call
// must wait (rxReader.lazy): the deadline still ends a wait; an earlier
// request's deadline, passed since or passing during the next request's
// wait, does not fail that request, whose own deadline ends it; a
// request's later reads check its deadline though bytes wait (a stream
// ends at it); a resend's write past its deadline is not sent; an
// interrupt that came before the wait fails it at once; and a socket
// closed under its user (a TLS handshake's cancel does that) writes to no
// connection that took its descriptor since.
func TestLazyDeadlines(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	dial := func() (*socket, net.Conn) {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		peer := <-accepted
		t.Cleanup(func() { c.Close(); peer.Close() })
		return newSocket(c), peer
	}
	s, peer := dial()
	if s.rx == nil {
		t.Skip("no raw reads on this kernel")
	}
	b := make([]byte, 16)
	isTimeout := func(err error) bool {
		var ne net.Error
		return errors.As(err, &ne) && ne.Timeout()
	}
	nothingCame := func(peer net.Conn, what string) {
		t.Helper()
		peer.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if n, err := peer.Read(b); n > 0 || !isTimeout(err) {
			t.Errorf("%s: the server got %q (%v); want nothing", what, b[:n], err)
		}
	}
	arrived := func() { time.Sleep(20 * time.Millisecond) } // loopback: long since

	// The deadline ends a read that waits.
	s.rx.lazy(time.Now().Add(20*time.Millisecond), true)
	if n, err := s.Read(b); !isTimeout(err) {
		t.Fatalf("read past the deadline: %d bytes, %v; want a timeout", n, err)
	}
	// The next request's read waits for its answer, past that deadline.
	s.rx.lazy(time.Now().Add(time.Hour), true)
	go func() { time.Sleep(50 * time.Millisecond); peer.Write([]byte("late")) }()
	if n, err := s.Read(b); err != nil || string(b[:n]) != "late" {
		t.Fatalf("next request's read: %q, %v; want \"late\"", b[:n], err)
	}
	// A past request's deadline still ahead stays the poller's; when it
	// passes during the next request's wait, the wait goes on, and ends
	// at that request's own deadline, not before.
	s.rx.lazy(time.Now().Add(60*time.Millisecond), true)
	go func() { time.Sleep(10 * time.Millisecond); peer.Write([]byte("a")) }()
	if n, err := s.Read(b); err != nil || string(b[:n]) != "a" {
		t.Fatalf("read: %q, %v; want \"a\"", b[:n], err)
	}
	s.rx.lazy(time.Now().Add(time.Hour), true)
	go func() { time.Sleep(100 * time.Millisecond); peer.Write([]byte("b")) }()
	if n, err := s.Read(b); err != nil || string(b[:n]) != "b" {
		t.Fatalf("a wait past an earlier request's deadline: %q, %v; want \"b\"", b[:n], err)
	}
	s.rx.lazy(time.Now().Add(30*time.Millisecond), true)
	go func() { time.Sleep(10 * time.Millisecond); peer.Write([]byte("c")) }()
	if n, err := s.Read(b); err != nil || string(b[:n]) != "c" {
		t.Fatalf("read: %q, %v; want \"c\"", b[:n], err)
	}
	own := time.Now().Add(80 * time.Millisecond)
	s.rx.lazy(own, true)
	if n, err := s.Read(b); !isTimeout(err) || time.Now().Before(own) {
		t.Fatalf("a wait with an earlier request's deadline set: %d bytes, %v at %v before its own deadline; want a timeout at it",
			n, err, own.Sub(time.Now()))
	}
	// An answer waiting when it is read: the next first read is tried at once.
	s.rx.lazy(time.Now().Add(time.Hour), true)
	peer.Write([]byte("ready"))
	arrived()
	if n, err := s.Read(b); err != nil || string(b[:n]) != "ready" {
		t.Fatalf("a waiting answer: %q, %v", b[:n], err)
	}
	// A request's later reads end at its deadline, though bytes wait.
	s.rx.lazy(time.Now().Add(30*time.Millisecond), true)
	peer.Write([]byte("one"))
	arrived()
	if n, err := s.Read(b); err != nil || string(b[:n]) != "one" {
		t.Fatalf("first read of a stream: %q, %v", b[:n], err)
	}
	time.Sleep(50 * time.Millisecond)
	peer.Write([]byte("two"))
	arrived()
	if n, err := s.Read(b); !isTimeout(err) {
		t.Fatalf("a later read past the deadline: %q, %v; want a timeout", b[:n], err)
	}
	// A resend (no first write) past its deadline is not sent.
	s, peer = dial()
	s.rx.lazy(time.Now().Add(-time.Millisecond), false)
	if _, err := s.Write([]byte("resend")); !isTimeout(err) {
		t.Errorf("a resend past its deadline: %v; want a timeout", err)
	}
	nothingCame(peer, "a resend past its deadline")
	// An interrupt before a read waits fails it at once, not in an hour:
	// whether the poller has the request's deadline already or not.
	s.rx.lazy(time.Now().Add(time.Hour), true)
	s.rx.stop()
	if n, err := s.Read(b); !isTimeout(err) {
		t.Fatalf("read after an interrupt: %d bytes, %v; want a timeout", n, err)
	}
	s.rx.lazy(time.Now().Add(time.Hour), true)
	peer.Write([]byte("x"))
	if n, err := s.Read(b); err != nil || n != 1 {
		t.Fatalf("read: %d bytes, %v", n, err)
	}
	s.rx.stop()
	if n, err := s.Read(b); !isTimeout(err) {
		t.Fatalf("read after an interrupt: %d bytes, %v; want a timeout", n, err)
	}
	if _, err := s.Write([]byte("x")); !isTimeout(err) {
		t.Fatalf("write after an interrupt: %v; want a timeout", err)
	}
	// Closed under its user, with no request of its own on it (TLS).
	s, _ = dial()
	s.Conn.Close()
	_, other := dial() // takes the lowest free descriptor: likely s's
	if _, err := s.Write([]byte("stray")); err == nil {
		t.Errorf("a write on a closed socket succeeded")
	}
	nothingCame(other, "a write on another, closed socket")
}
