//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package transport

import "golang.org/x/sys/unix"

// recvPeek peeks at one byte of fd without blocking.
func recvPeek(fd uintptr, b *[1]byte) (int, error) {
	n, _, err := unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	return n, err
}
