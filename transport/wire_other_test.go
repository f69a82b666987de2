//go:build !linux

package transport

import (
	"net"
	"testing"
	"time"
)

// delivered gives the server's bytes time to reach the client: without
// SIOCOUTQ the test cannot ask.
func delivered(testing.TB, net.Conn) { time.Sleep(20 * time.Millisecond) }

// cork does nothing here.
func cork(net.Conn) {}
