package wiretest

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// unacked returns the bytes (and FIN) sent on raw's socket and not yet
// acknowledged.
func unacked(raw syscall.RawConn) (int, bool) {
	n, err := -1, error(nil)
	if cerr := raw.Control(func(fd uintptr) { n, err = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ) }); cerr != nil || err != nil {
		return 0, false
	}
	return n, true
}

func cork(raw syscall.RawConn) {
	raw.Control(func(fd uintptr) { unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_CORK, 1) })
}
