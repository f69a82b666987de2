package transport

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// BenchmarkSend is one GET over loopback keep-alive to a responder that
// answers at once and allocates nothing: the client's own cost per
// request, plus the responder's few system calls. The context can be
// cancelled, as a caller's is.
func BenchmarkSend(b *testing.B) {
	srv := newCannedServer(b)
	for _, kind := range allKinds {
		b.Run(kind, func(b *testing.B) {
			c := newTestClient(b, kind, Options{MaxConnsPerHost: 8, Timeout: 5 * time.Second})
			req := &Request{Method: "GET", URL: []byte(srv.url + "/api/users/1"), BodyLimit: 1 << 10}
			req.Header.AddString("X-API-Key", "k")
			var resp Response
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Send(ctx, req, &resp); err != nil || resp.Status != 200 {
					b.Fatalf("status %d, err %v", resp.Status, err)
				}
			}
		})
	}
}

// BenchmarkReadResponse is H1's parse of a typical answer, from memory.
func BenchmarkReadResponse(b *testing.B) {
	raw := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n" +
		"Server: nginx\r\nConnection: keep-alive\r\nContent-Length: 76\r\n\r\n" +
		`{"id":42,"name":"Ada Lovelace","email":"ada@example.com","status":"ACTIVE"}` + "\n")
	cc := &chunkConn{n: len(raw)}
	cn := &conn{rw: cc, buf: make([]byte, connBufSize)}
	a := kept{bodyLimit: 1 << 10}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		cc.b = raw
		cn.r, cn.w = 0, 0
		a.body = a.body[:0]
		if h, _, err := cn.readResponse(false, &a); err != nil || h.code != 200 {
			b.Fatal(h.code, err)
		}
	}
}

// BenchmarkIdleCheck is the look at a kept-alive connection before each
// reuse (conn.idleCheck): one recvfrom with MSG_PEEK, what every request
// on a kept-alive connection pays for it.
func BenchmarkIdleCheck(b *testing.B) {
	srv := newCannedServer(b)
	c, err := net.Dial("tcp", srv.addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	s := newSocket(c)
	cn := &conn{sock: s, rw: s, buf: make([]byte, connBufSize)}
	b.ReportAllocs()
	for b.Loop() {
		if err := cn.idleCheck(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHeaderFlood is what a server flooding header fields costs H1
// per request: the fields read, a read at a time, up to the 1 MiB bound
// and the failure.
func BenchmarkHeaderFlood(b *testing.B) {
	raw := []byte("HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Flood: "+strings.Repeat("f", 89)+"\r\n", maxHeaderBytes/100+1))
	cc := &chunkConn{n: 16 << 10}
	cn := &conn{rw: cc, buf: make([]byte, connBufSize)}
	var a kept
	b.ReportAllocs()
	b.SetBytes(maxHeaderBytes)
	for b.Loop() {
		cc.b = raw
		cn.r, cn.w = 0, 0
		if _, _, err := cn.readResponse(false, &a); !errors.Is(err, errHeaderTooLarge) {
			b.Fatal(err)
		}
	}
}
