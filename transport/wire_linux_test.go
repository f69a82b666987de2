package transport

import (
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// delivered waits until what the test server wrote on c, and its FIN
// when it shut c down, has reached the client's kernel (its send queue
// has been acknowledged): the order of the server's bytes and the
// client's next request is then the test's, not the scheduler's.
func delivered(tb testing.TB, c net.Conn) {
	tb.Helper()
	raw := rawConn(c)
	queued := func() int {
		n := -1
		raw.Control(func(fd uintptr) { n, _ = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ) })
		return n
	}
	for end := time.Now().Add(5 * time.Second); queued() != 0; time.Sleep(100 * time.Microsecond) {
		if time.Now().After(end) {
			tb.Error("the server's bytes were not acknowledged within 5 s")
			return
		}
	}
}

// cork holds what is written on c until uncorked or shut down, so that an
// answer and the FIN after it leave in one segment: the client's kernel
// knows of the close when it hands over the answer.
func cork(c net.Conn) {
	rawConn(c).Control(func(fd uintptr) { unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_CORK, 1) })
}
