package loadgen

import (
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
)

// chunkConn serves a fixed byte stream, at most n bytes per Read, then
// io.EOF: a response arriving in pieces.
type chunkConn struct {
	net.Conn
	b []byte
	n int
}

func (c *chunkConn) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.b)
	c.b = c.b[k:]
	return k, nil
}

// readOne reads one response from raw, delivered piece bytes at a time.
func readOne(raw string, piece int, head, keep bool) (h1Head, []byte, bool, error) {
	cn := &h1Conn{rw: &chunkConn{b: []byte(raw), n: piece}, buf: make([]byte, connBufSize)}
	sink := bodySink{keeping: keep}
	h, reuse, err := cn.readResponse(head, &sink)
	return h, sink.kept, reuse, err
}

// The response framings of RFC 9112, each read whole and a byte at a
// time: the status, the body kept, and whether the connection may carry
// the next request.
func TestH1ReadsResponses(t *testing.T) {
	big := strings.Repeat("x", BodyLimit+100)
	tests := []struct {
		name  string
		raw   string
		head  bool
		code  int
		body  string
		reuse bool
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n{\"id\":7}", false, 200, `{"id":7}`, true},
		{"no reason phrase", "HTTP/1.1 204\r\n\r\n", false, 204, "", true},
		{"bare line feeds", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", false, 200, "ok", true},
		{"header case and spaces", "HTTP/1.1 201 Created\r\ncontent-LENGTH:   3  \r\n\r\nabc", false, 201, "abc", true},
		{"chunked, extensions, trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: 1\r\n\r\n", false, 200, "Wikipedia in\r\n\r\nchunks.", true},
		{"chunked wins over content-length", "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", false, 200, "ok", false},
		{"read to the close", "HTTP/1.1 200 OK\r\n\r\nuntil the end", false, 200, "until the end", false},
		{"other transfer coding: to the close", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz", false, 200, "zz", false},
		{"connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok", false},
		{"connection tokens", "HTTP/1.1 200 OK\r\nConnection: Upgrade, CLOSE\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok", false},
		{"HTTP/1.0 closes", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok", false},
		{"HTTP/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok", true},
		{"interim answers skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok", true},
		{"HEAD has no body", "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", true, 200, "", true},
		{"304 has no body", "HTTP/1.1 304 Not Modified\r\nContent-Length: 1000\r\n\r\n", false, 304, "", true},
		{"bytes after the answer", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n", false, 200, "ok", false},
		{"body beyond BodyLimit", "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(big)) + "\r\n\r\n" + big, false, 200, big[:BodyLimit], true},
		{"headers beyond the first buffer", "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("h", 3*connBufSize) + "\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok", true},
	}
	for _, tt := range tests {
		for _, piece := range []int{1 << 20, 1} {
			if piece == 1 && strings.HasPrefix(tt.name, "bytes after") {
				continue // not yet read when the answer ends: only a read that brings them together can tell
			}
			h, body, reuse, err := readOne(tt.raw, piece, tt.head, true)
			if err != nil || h.code != tt.code || string(body) != tt.body || reuse != tt.reuse {
				t.Errorf("%s (%d bytes a read): %d %.40q reuse %v (%v); want %d %.40q reuse %v",
					tt.name, piece, h.code, body, reuse, err, tt.code, tt.body, tt.reuse)
			}
		}
		if _, body, _, _ := readOne(tt.raw, 1<<20, tt.head, false); body != nil {
			t.Errorf("%s: kept %d bytes of a body nobody reads", tt.name, len(body))
		}
	}
}

// What is not HTTP/1.x, or ends early, is an error, never a success
// with half a body; an answer that never began is io.EOF (the stale
// keep-alive connection case), one cut off is io.ErrUnexpectedEOF.
func TestH1RejectsBrokenResponses(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want error
	}{
		{"nothing", "", io.EOF},
		{"not HTTP", "SSH-2.0-OpenSSH_9.6\r\n", errBadResponse},
		{"HTTP/2 preface", "HTTP/2 200\r\n\r\n", errBadResponse},
		{"status letters", "HTTP/1.1 2x0 OK\r\n\r\n", errBadResponse},
		{"no colon", "HTTP/1.1 200 OK\r\nbroken\r\n\r\n", errBadResponse},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", errBadResponse},
		{"signed length", "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok", errBadResponse},
		{"space before the colon", "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok", errBadResponse},
		{"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", errBadResponse},
		{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", errBadResponse},
		{"chunk without line end", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n0\r\n\r\n", errBadResponse},
		{"switching protocols", "HTTP/1.1 101 Switching Protocols\r\n\r\n", errBadResponse},
		{"headers too long", "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("h", maxHeaderBytes) + "\r\n\r\n", errBadResponse},
		{"cut in the headers", "HTTP/1.1 200 OK\r\nContent-Le", io.ErrUnexpectedEOF},
		{"cut in the body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", io.ErrUnexpectedEOF},
		{"cut in a chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		h, _, reuse, err := readOne(tt.raw, 7, false, true)
		if !errors.Is(err, tt.want) || reuse {
			t.Errorf("%s: %d reuse %v, error %v; want %v", tt.name, h.code, reuse, err, tt.want)
		}
	}
}

// A request goes out as one write: request line, Host, the scenario's
// headers (a request's own replacing a scenario-wide one of the same
// name), the client's User-Agent unless one is given, the body's length.
func TestH1RequestWire(t *testing.T) {
	var r h1Request
	r.method = []byte("POST")
	r.addHeader("X-API-Key", []byte("k1"))
	r.addHeader("Content-Type", []byte("application/json"))
	r.addHeader("X-Id", []byte("7\r\nX-Injected: yes\x00")) // a captured value with a line break and a NUL
	r.addHeader("Content-Length", []byte("999"))            // the body's own length is sent
	r.body = []byte(`{"a":1}`)
	got := string(r.wire(nil, []byte("127.0.0.1:8080"), []byte("/api/users?x=1")))
	want := "POST /api/users?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-API-Key: k1\r\nContent-Type: application/json\r\n" +
		"X-Id: 7  X-Injected: yes \r\nUser-Agent: trafficgen\r\nContent-Length: 7\r\n\r\n{\"a\":1}"
	if got != want {
		t.Errorf("wire:\n%q\nwant\n%q", got, want)
	}

	// A redirect that turns it into a GET drops the body and its type;
	// a Host and a User-Agent given are sent instead of the client's.
	r.dropHeader("content-type")
	r.body, r.noBody = nil, true
	r.method = []byte("GET")
	r.addHeader("Host", []byte("api.example"))
	r.addHeader("User-Agent", []byte("mine/1"))
	got = string(r.wire(nil, []byte("127.0.0.1:8080"), []byte("/")))
	want = "GET / HTTP/1.1\r\nHost: api.example\r\nX-API-Key: k1\r\nX-Id: 7  X-Injected: yes \r\nUser-Agent: mine/1\r\n\r\n"
	if got != want {
		t.Errorf("wire after redirect:\n%q\nwant\n%q", got, want)
	}
}

// What may not appear in a request line is percent-encoded: a captured
// value put into a path cannot split the request. A POST without a body
// says Content-Length: 0.
func TestH1RequestLineIsSafe(t *testing.T) {
	r := h1Request{method: []byte("POST"), noBody: true}
	got := string(r.wire(nil, []byte("h"), []byte("/a b\r\nX-Injected: yes\r\nX: é")))
	want := "POST /a%20b%0D%0AX-Injected:%20yes%0D%0AX:%20%C3%A9 HTTP/1.1\r\nHost: h\r\nUser-Agent: trafficgen\r\nContent-Length: 0\r\n\r\n"
	if got != want {
		t.Errorf("wire:\n%q\nwant\n%q", got, want)
	}
	r.method = []byte("GET")
	if got := string(r.wire(nil, []byte("h"), []byte("/"))); strings.Contains(got, "Content-Length") {
		t.Errorf("a GET without a body says its length: %q", got)
	}
}

// An IPv6 zone names an interface of the sender's: it is not sent in
// Host (RFC 6874), unless the scenario sets Host itself.
func TestH1HostHeaderHasNoZone(t *testing.T) {
	r := h1Request{method: []byte("GET")}
	for auth, want := range map[string]string{
		"[fe80::1%25eth0]:8080": "[fe80::1]:8080",
		"[fe80::1%eth0]":        "[fe80::1]",
		"[::1]:8080":            "[::1]:8080",
	} {
		if got := string(r.wire(nil, []byte(auth), []byte("/"))); !strings.Contains(got, "\r\nHost: "+want+"\r\n") {
			t.Errorf("%s: wire %q, want Host: %s", auth, got, want)
		}
	}
	r.host = []byte("named")
	if got := string(r.wire(nil, []byte("[fe80::1%25eth0]"), []byte("/"))); !strings.Contains(got, "\r\nHost: named\r\n") {
		t.Errorf("a Host set by the scenario: wire %q", got)
	}
	// Do takes an *http.Request's Host, which net/url has decoded.
	r.host = []byte("[fe80::1%eth0]:8080")
	if got := string(r.wire(nil, []byte("[fe80::1%25eth0]:8080"), []byte("/"))); !strings.Contains(got, "\r\nHost: [fe80::1]:8080\r\n") {
		t.Errorf("a Host with a zone from Do: wire %q", got)
	}
}

func TestSplitURL(t *testing.T) {
	tests := []struct {
		url, user, host, target string
		tls, bad                bool
	}{
		{url: "http://127.0.0.1:8080/a/b?c=d", host: "127.0.0.1:8080", target: "/a/b?c=d"},
		{url: "http://localhost", host: "localhost", target: "/"},
		{url: "http://localhost?q=1#frag", host: "localhost", target: "/?q=1"},
		{url: "HTTPS://[::1]:8443/x#y", host: "[::1]:8443", target: "/x", tls: true},
		{url: "http://ann:s%40cret@h:1/p", user: "ann:s%40cret", host: "h:1", target: "/p"},
		{url: "ftp://h/x", bad: true},
		{url: "http:///x", bad: true},
		{url: "http://h\r\nX: y/x", bad: true},
		{url: "http://:8080/x", bad: true},
		{url: "http://[]:8080/x", bad: true},
		{url: "http://[fe80::1%25eth0]:8080/x", host: "[fe80::1%25eth0]:8080", target: "/x"},
		{url: "http://[fe80::1%eth0]/x", host: "[fe80::1%eth0]", target: "/x"},
		{url: "http://[fe80::1%25]:8080/x", bad: true},
		{url: "http://[fe80::1%25%zz]/x", bad: true},
		{url: "http://[fe80::1%25%5D]/x", bad: true},
		{url: "http://[fe80::1%25a%0a]/x", bad: true},
	}
	for _, tt := range tests {
		isTLS, user, host, target, err := splitURL([]byte(tt.url))
		if (err != nil) != tt.bad {
			t.Errorf("%s: error %v", tt.url, err)
			continue
		}
		if !tt.bad && (isTLS != tt.tls || string(user) != tt.user || string(host) != tt.host || string(target) != tt.target) {
			t.Errorf("%s: tls %v user %q host %q target %q", tt.url, isTLS, user, host, target)
		}
	}
}

func TestH1HostAddress(t *testing.T) {
	c := newH1Client(1, 0, 0)
	for _, tt := range []struct {
		auth       string
		tls        bool
		addr, name string
	}{
		{"example.com", false, "example.com:80", "example.com"},
		{"example.com", true, "example.com:443", "example.com"},
		{"example.com:8443", true, "example.com:8443", "example.com"},
		{"[::1]", false, "[::1]:80", "::1"},
		{"[::1]:9", false, "[::1]:9", "::1"},
	} {
		h := c.host(tt.tls, []byte(tt.auth))
		if h.addr != tt.addr || h.name != tt.name {
			t.Errorf("%s (tls %v): dials %s, name %s; want %s, %s", tt.auth, tt.tls, h.addr, h.name, tt.addr, tt.name)
		}
	}
	if a, b := c.host(false, []byte("example.com")), c.host(false, []byte("example.com")); a != b {
		t.Error("one host got two connection pools")
	}
}
