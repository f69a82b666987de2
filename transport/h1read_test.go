package transport

import (
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
)

// chunkConn serves a fixed byte stream, at most n bytes per Read, then
// io.EOF: an answer arriving in pieces.
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

// readOne reads one answer from raw, delivered piece bytes at a time,
// keeping up to limit bytes of its body and its X-Keep fields.
func readOne(raw string, piece int, isHead bool, limit int) (framing, kept, bool, error) {
	cn := &conn{rw: &chunkConn{b: []byte(raw), n: piece}, buf: make([]byte, connBufSize)}
	var loc []byte
	a := kept{bodyLimit: limit, names: []string{"X-Keep"}, header: new(Header), location: &loc}
	h, reuse, err := cn.readResponse(isHead, &a)
	return h, a, reuse, err
}

// The framings of RFC 9112, each read whole and a byte at a time: the
// status, the body kept, and whether the connection may carry the next
// request.
func TestH1ReadsResponses(t *testing.T) {
	big := strings.Repeat("x", 1000)
	tests := []struct {
		name   string
		raw    string
		isHead bool
		code   int
		body   string
		reuse  bool
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n{\"id\":7}", false, 200, `{"id":7}`, true},
		{"no reason phrase", "HTTP/1.1 204\r\n\r\n", false, 204, "", true},
		{"bare line feeds", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", false, 200, "ok", true},
		{"field case and spaces", "HTTP/1.1 201 Created\r\ncontent-LENGTH:   3  \r\n\r\nabc", false, 201, "abc", true},
		{"two equal lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok", true},
		{"chunked, extensions, trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"4;ext=1\r\nWiki\r\n5 \r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: 1\r\n\r\n", false, 200, "Wikipedia in\r\n\r\nchunks.", true},
		{"chunked wins over content-length", "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", false, 200, "ok", false},
		{"read to the close", "HTTP/1.1 200 OK\r\n\r\nuntil the end", false, 200, "until the end", false},
		{"HTTP/1.0 ignores Transfer-Encoding", "HTTP/1.0 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz", false, 200, "zz", false},
		{"connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok", false},
		{"connection tokens", "HTTP/1.1 200 OK\r\nConnection: Upgrade, CLOSE\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok", false},
		{"folded connection", "HTTP/1.1 200 OK\r\nConnection: upgrade,\r\n close\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok", false},
		{"HTTP/1.0 closes", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok", false},
		{"HTTP/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok", true},
		{"interim answers skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok", true},
		{"HEAD has no body", "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", true, 200, "", true},
		{"304 has no body", "HTTP/1.1 304 Not Modified\r\nContent-Length: 1000\r\n\r\n", false, 304, "", true},
		{"bytes after the answer", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n", false, 200, "ok", false},
		{"body beyond the limit", "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(big)+100) + "\r\n\r\n" + big + big[:100], false, 200, big, true},
		{"fields up to the bound", "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Many: "+strings.Repeat("m", 90)+"\r\n", 9000) +
			"X-Long: " + strings.Repeat("l", maxFieldBytes-20) + "\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok", true},
		{"fields beyond the first buffer", "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("h", 3*connBufSize) + "\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok", true},
	}
	for _, tt := range tests {
		for _, piece := range []int{1 << 20, 1} {
			if piece == 1 && strings.HasPrefix(tt.name, "bytes after") {
				continue // not yet read when the answer ends: only a read that brings them together can tell
			}
			h, a, reuse, err := readOne(tt.raw, piece, tt.isHead, len(big))
			if err != nil || h.code != tt.code || string(a.body) != tt.body || reuse != tt.reuse {
				t.Errorf("%s (%d bytes a read): %d %.40q reuse %v (%v); want %d %.40q reuse %v",
					tt.name, piece, h.code, a.body, reuse, err, tt.code, tt.body, tt.reuse)
			}
		}
		if _, a, _, _ := readOne(tt.raw, 1<<20, tt.isHead, 0); len(a.body) != 0 {
			t.Errorf("%s: kept %d bytes of a body nobody reads", tt.name, len(a.body))
		}
	}
}

// The fields asked for and the first Location are kept, from the final
// answer only, folded lines unfolded, values trimmed of spaces and tabs
// around them (bytes from 0x80 kept), whether a field came whole or in
// parts.
func TestH1KeepsFields(t *testing.T) {
	raw := "HTTP/1.1 103 Early Hints\r\nX-Keep: early\r\nLocation: /early\r\n\r\n" +
		"HTTP/1.1 302 Found\r\nx-keep: a\r\nLocation: /first\r\nX-Other: b\r\nX-KEEP: c,\r\n d\r\nLocation: /second\r\n" +
		"X-Keep:\t \xe9t\xe9  e \r\nX-Keep: \t\r\nX-keep: f\t \nContent-Length: 0\r\n\r\n"
	const want = "a|c, d|\xe9t\xe9  e||f"
	for _, piece := range []int{1 << 20, 1} {
		_, a, _, err := readOne(raw, piece, false, 0)
		if got := a.header.Values("x-keep"); err != nil || strings.Join(got, "|") != want || string(*a.location) != "/first" {
			t.Errorf("%d bytes a read: kept %q, Location %q (%v); want %q and /first", piece, got, *a.location, err, want)
		}
	}
}

// What is not HTTP/1.x as net/http reads it, or ends early, is an error,
// never a success with half a body; an answer that never began is io.EOF
// (the stale keep-alive connection case), one cut off is
// io.ErrUnexpectedEOF.
// A control byte or DEL anywhere in a field value fails the answer, at
// every place in a value long enough to be checked eight bytes at a time;
// a tab and bytes from 0x80 do not.
func TestH1ChecksEveryByteOfAValue(t *testing.T) {
	const width = 19
	for c := range 256 {
		refused := c < ' ' && c != '\t' || c == 0x7f
		if c == '\n' || c == '\r' {
			continue // they end the line
		}
		for at := range width {
			v := []byte(strings.Repeat("v", width))
			v[at] = byte(c)
			raw := "HTTP/1.1 200 OK\r\nX-Value: " + string(v) + "\r\nContent-Length: 2\r\n\r\nok"
			for _, piece := range []int{7, 1 << 10} { // a field in parts, and whole
				h, _, _, err := readOne(raw, piece, false, 100)
				if got := errors.Is(err, errBadResponse); got != refused || !refused && h.code != 200 {
					t.Fatalf("byte %#x at %d, %d bytes a read: status %d, error %v; want refused %v", c, at, piece, h.code, err, refused)
				}
			}
		}
	}
}

func TestH1RejectsBrokenResponses(t *testing.T) {
	chunked := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	tests := []struct {
		name string
		raw  string
		want error
	}{
		{"nothing", "", io.EOF},
		{"not HTTP", "SSH-2.0-OpenSSH_9.6\r\n\r\n", errBadResponse},
		{"HTTP/2 preface", "HTTP/2 200\r\n\r\n", errBadResponse},
		{"status letters", "HTTP/1.1 2x0 OK\r\n\r\n", errBadResponse},
		{"no colon", "HTTP/1.1 200 OK\r\nbroken\r\n\r\n", errBadResponse},
		{"folded first field", "HTTP/1.1 200 OK\r\n X: y\r\n\r\n", errBadResponse},
		{"control byte in a value", "HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 0\r\n\r\n", errBadResponse},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", errBadResponse},
		{"signed length", "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok", errBadResponse},
		{"space before the colon", "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok", errBadResponse},
		{"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", errBadResponse},
		{"two spellings of a length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 02\r\n\r\nok", errBadResponse},
		{"length on a 204", "HTTP/1.1 204 No Content\r\nContent-Length: x\r\n\r\n", errBadResponse},
		{"other transfer coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz", errBadResponse},
		{"chunked after another coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", errBadResponse},
		{"two Transfer-Encoding fields", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", errBadResponse},
		{"bad chunk size", chunked + "zz\r\n", errBadResponse},
		{"signed chunk size", chunked + "+2\r\nok\r\n0\r\n\r\n", errBadResponse},
		{"space before a chunk extension", chunked + "2 ;x\r\nok\r\n0\r\n\r\n", errBadResponse},
		{"chunk size of 17 digits", chunked + "00000000000000002\r\nok\r\n0\r\n\r\n", errBadResponse},
		{"chunk line with a bare LF", chunked + "2\nok\r\n0\r\n\r\n", errBadResponse},
		{"chunk without CRLF after it", chunked + "2\r\nokX\r\n0\r\n\r\n", errBadResponse},
		{"chunk with LF after it", chunked + "2\r\nok\n0\r\n\r\n", errBadResponse},
		{"too much chunk framing", chunked + strings.Repeat("1;"+strings.Repeat("e", 100)+"\r\nx\r\n", 200) + "0\r\n\r\n", errBadResponse},
		{"trailer without CRLF CRLF", chunked + "0\r\nX: 1\n\n", io.ErrUnexpectedEOF},
		{"bad trailer field", chunked + "0\r\nbroken\r\n\r\n", errBadResponse},
		{"switching protocols", "HTTP/1.1 101 Switching Protocols\r\n\r\n", errBadResponse},
		{"a field too long", "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("h", maxFieldBytes) + "\r\n\r\n", errHeaderTooLarge},
		{"a field folded too long", "HTTP/1.1 200 OK\r\nX-Big: a\r\n" + strings.Repeat(" "+strings.Repeat("h", 98)+"\r\n", maxFieldBytes/100) + "\r\n", errHeaderTooLarge},
		{"a status line too long", "HTTP/1.1 200 " + strings.Repeat("K", maxFieldBytes) + "\r\n\r\n", errHeaderTooLarge},
		{"fields too many", "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Flood: "+strings.Repeat("a", 89)+"\r\n", maxHeaderBytes/100+1) + "\r\n", errHeaderTooLarge},
		{"endless interim answers", strings.Repeat("HTTP/1.1 100 Continue\r\n\r\n", maxHeaderBytes/25+1), errHeaderTooLarge},
		{"not HTTP, then silence", "SSH-2.0-", errBadResponse},
		{"TLS on a plain port", "\x15\x03\x01\x00\x02\x02\x46", errTLSAnswer},
		{"cut in the fields", "HTTP/1.1 200 OK\r\nContent-Le", io.ErrUnexpectedEOF},
		{"cut in the body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", io.ErrUnexpectedEOF},
		{"cut in a chunk", chunked + "5\r\nab", io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		h, _, reuse, err := readOne(tt.raw, 7, false, 100)
		if !errors.Is(err, tt.want) || reuse {
			t.Errorf("%s: %d reuse %v, error %v; want %v", tt.name, h.code, reuse, err, tt.want)
		}
	}
}
