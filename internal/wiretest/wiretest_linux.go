package wiretest

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// unacked returns the bytes (and FIN) sent on raw's socket and not yet
// acknowledged: none once the peer has reset the connection, as nothing
// more will be.
func unacked(raw syscall.RawConn) (int, bool) {
	n, err := -1, error(nil)
	var info *unix.TCPInfo
	if cerr := raw.Control(func(fd uintptr) {
		if n, err = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ); err == nil {
			info, err = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
		}
	}); cerr != nil || err != nil {
		return 0, false
	}
	if info.State == unix.BPF_TCP_CLOSE { // the kernel's TCP_CLOSE
		return 0, true
	}
	return n, true
}

func cork(raw syscall.RawConn) {
	raw.Control(func(fd uintptr) { unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_CORK, 1) })
}
