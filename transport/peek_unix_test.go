//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package transport

import (
	"net"
	"testing"
	"time"
)

// The peek before reusing an idle connection: nothing waiting is alive;
// bytes waiting make a plain connection unusable but not one under TLS
// (a session ticket may come after the handshake's last read); a close
// makes either unusable; an expired read deadline changes nothing.
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
	if p.unusable(true) || p.unusable(false) {
		t.Fatal("an idle connection with nothing waiting (and an expired read deadline) is unusable")
	}
	s.Write([]byte("H"))
	waitFor(t, func() bool { return p.unusable(true) })
	if p.unusable(false) {
		t.Error("a byte waiting made a connection under TLS unusable")
	}
	c.SetReadDeadline(time.Time{})
	if _, err := c.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	waitFor(t, func() bool { return p.unusable(false) })
}
