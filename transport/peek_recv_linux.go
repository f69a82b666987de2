package transport

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// recvPeek peeks at one byte of fd without blocking. It calls recvfrom
// itself: unix.Recvfrom allocates the sender's address, every peek; and
// raw, as it never blocks (rxReader.try).
func recvPeek(fd uintptr, b *[1]byte) (int, error) {
	n, _, errno := unix.RawSyscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&b[0])), 1,
		unix.MSG_PEEK|unix.MSG_DONTWAIT, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
