//go:build !linux

package loadgen

import (
	"net"
	"syscall"
	"time"
)

// rxReader is Linux-only: elsewhere a request's latency ends when the
// engine has read the response.
type rxReader struct{}

func newRxReader(syscall.RawConn) *rxReader { return nil }

func (*rxReader) read(c net.Conn, b []byte) (int, error) { return c.Read(b) }

func (*rxReader) reset() {}

func (*rxReader) arrivedBy(time.Time) time.Time { return time.Time{} }
