// Package wiretest helps tests order a server's bytes against a client's
// requests without sleeping: Delivered waits until what a test server
// wrote has reached the client's kernel, Cork makes an answer and the
// close after it leave together.
package wiretest

import (
	"net"
	"syscall"
	"testing"
	"time"
)

// Delivered waits, up to 5 s, until what a test server wrote on c — and
// its FIN when it shut c down — has been acknowledged by the peer's
// kernel: the peer's next read, or a peek, sees it. Where the send queue
// cannot be asked for, it waits 20 ms.
func Delivered(tb testing.TB, c net.Conn) {
	tb.Helper()
	sc, ok := c.(syscall.Conn)
	if !ok {
		tb.Error("Delivered: not a socket")
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		tb.Error(err)
		return
	}
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Microsecond) {
		n, ok := unacked(raw)
		if !ok {
			time.Sleep(20 * time.Millisecond)
			return
		}
		if n == 0 {
			return
		}
		if time.Now().After(end) {
			tb.Error("Delivered: the bytes were not acknowledged within 5 s")
			return
		}
	}
}

// Cork holds what is written on c until c is shut down (or a segment is
// full), so that an answer and the FIN after it leave in one segment: the
// peer's kernel knows of the close when it hands over the answer. It does
// nothing where TCP_CORK is not known.
func Cork(c net.Conn) {
	if sc, ok := c.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			cork(raw)
		}
	}
}
