//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package transport

import (
	"net"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/internal/wiretest"
)

// The peek at an idle connection: nothing waiting, also with an expired
// read deadline; bytes waiting; the end of the stream once the peer has
// closed, also with the bytes read.
func TestPeekerStates(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := newPeeker(rawConn(c))
	if p == nil {
		t.Skip("no raw connection")
	}
	c.SetReadDeadline(time.Now().Add(-time.Second)) // expired, as a cancelled request leaves it
	if st := p.look(); st != peekEmpty {
		t.Fatalf("an idle connection with nothing waiting (and an expired read deadline): %v", st)
	}
	s.Write([]byte("H"))
	wiretest.Delivered(t, s)
	if st := p.look(); st != peekData {
		t.Errorf("a byte waiting: %v", st)
	}
	c.SetReadDeadline(time.Time{})
	if _, err := c.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	s.(*net.TCPConn).CloseWrite()
	wiretest.Delivered(t, s)
	if st := p.look(); st != peekClosed {
		t.Errorf("closed by the peer: %v", st)
	}
}
