// Package transporttest has test servers for the transport and the code
// that drives it.
package transporttest

import (
	"bytes"
	"net"
)

// Canned answers every request on every connection ln accepts with
// answer, as soon as the request's head has arrived (requests must have
// no body), until ln is closed. It allocates nothing per request, so that
// a benchmark's or a test's allocation counts are the client's.
func Canned(ln net.Listener, answer []byte) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			buf := make([]byte, 4096)
			have := 0
			for {
				n, err := c.Read(buf[have:])
				if err != nil {
					return
				}
				have += n
				for {
					i := bytes.Index(buf[:have], []byte("\r\n\r\n"))
					if i < 0 {
						break
					}
					if _, err := c.Write(answer); err != nil {
						return
					}
					have = copy(buf, buf[i+4:have])
				}
				if have == len(buf) {
					return
				}
			}
		}()
	}
}
