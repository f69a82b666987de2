//go:build !linux

package transport

import (
	"net"
	"syscall"
	"time"
)

// rxReader is Linux-only: elsewhere Response.Arrived is zero, and a
// request's latency ends when its answer has been read.
type rxReader struct{}

func newRxReader(syscall.RawConn) *rxReader { return nil }

func (*rxReader) read(c net.Conn, b []byte) (int, error) { return c.Read(b) }

func (*rxReader) write(c net.Conn, b []byte) (int, error) { return c.Write(b) }

func (*rxReader) reset() {}

func (*rxReader) lazy(time.Time, bool) {}

func (*rxReader) eager(time.Time) {}

func (*rxReader) stop() {}

func (*rxReader) drained() bool { return false }

func (*rxReader) arrivedBy(time.Time) time.Time { return time.Time{} }
