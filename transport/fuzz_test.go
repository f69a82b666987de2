package transport

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// keptInFuzz are the fields the fuzz target compares: those H1 reports
// (Location, and any the caller asks for) and that net/http leaves as
// they came (it removes Connection, Transfer-Encoding and a repeated
// Content-Length, and may add Cache-Control).
var keptInFuzz = []string{"Location", "Content-Type", "X-A"}

// h1Reading is what H1 made of an answer.
type h1Reading struct {
	head    framing
	body    []byte
	fields  map[string][]string
	err     error
	isHead  bool
	framing string
}

// readWithH1 reads raw with H1, delivered piece bytes a read (all at once
// when 0) into a read buffer that starts small, so that the buffer's
// moves and growth are exercised.
func readWithH1(raw []byte, isHead bool, piece int) h1Reading {
	if piece <= 0 {
		piece = len(raw) + 1
	}
	cn := &conn{rw: &chunkConn{b: raw, n: piece}, buf: make([]byte, 16+piece%64)}
	var loc []byte
	var fields Header
	a := kept{bodyLimit: len(raw) + 1, names: keptInFuzz, header: &fields, location: &loc}
	h, _, err := cn.readResponse(isHead, &a)
	r := h1Reading{head: h, body: a.body, err: err, isHead: isHead, fields: map[string][]string{}}
	for _, k := range keptInFuzz {
		if vs := fields.Values(k); vs != nil {
			r.fields[k] = vs
		}
	}
	if first := fields.Values("Location"); len(first) > 0 && first[0] != string(loc) {
		r.err = errors.New("the first Location kept is not the one reported")
	}
	switch {
	case isHead || h.code == 204 || h.code == 304:
		r.framing = "none"
	case h.chunked:
		r.framing = "chunked"
	case h.length >= 0:
		r.framing = "length"
	default:
		r.framing = "close"
	}
	return r
}

// netHTTPReading is what net/http made of an answer.
type netHTTPReading struct {
	status   int
	body     []byte
	fields   map[string][]string
	close    bool
	framing  string
	err      error
	lines    [][]byte // the status lines it read
	consumed []byte   // what it read
}

// readWithNetHTTP reads raw with http.ReadResponse, as net/http's
// Transport does: interim 1xx answers skipped (101 is final), the body
// read to the end, with the Transport's 4 KiB read buffer.
func readWithNetHTTP(raw []byte, isHead bool) (r netHTTPReading) {
	src := bytes.NewReader(raw)
	br := bufio.NewReaderSize(src, 4096)
	offset := func() int { return len(raw) - src.Len() - br.Buffered() }
	req := &http.Request{Method: "GET"}
	if isHead {
		req.Method = "HEAD"
	}
	defer func() { r.consumed = raw[:offset()] }()
	for {
		line, _, _ := bytes.Cut(raw[offset():], []byte("\n"))
		r.lines = append(r.lines, line)
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			r.err = err
			return r
		}
		if resp.StatusCode >= 100 && resp.StatusCode <= 199 && resp.StatusCode != 101 {
			continue
		}
		r.status, r.close = resp.StatusCode, resp.Close
		r.fields = map[string][]string{}
		for _, k := range keptInFuzz {
			if vs := resp.Header.Values(k); vs != nil {
				r.fields[k] = vs
			}
		}
		switch {
		case isHead || resp.StatusCode == 204 || resp.StatusCode == 304 || resp.StatusCode == 101:
			r.framing = "none"
		case slices.Equal(resp.TransferEncoding, []string{"chunked"}):
			r.framing = "chunked"
		case resp.ContentLength >= 0:
			r.framing = "length"
		default:
			r.framing = "close"
		}
		r.body, r.err = io.ReadAll(resp.Body)
		return r
	}
}

// h1StatusLine says whether H1 takes a status line: "HTTP/1.d ddd" with
// a code from 100 and, after it, nothing or a space and a reason.
func h1StatusLine(l []byte) bool {
	l = bytes.TrimSuffix(l, []byte("\r"))
	if len(l) < 12 || !bytes.HasPrefix(l, []byte("HTTP/1.")) || l[7] < '0' || l[7] > '9' || l[8] != ' ' ||
		len(l) > 12 && l[12] != ' ' || l[9] < '1' || l[9] > '9' {
		return false
	}
	return l[10] >= '0' && l[10] <= '9' && l[11] >= '0' && l[11] <= '9'
}

// spaceInAName says whether a field line in b (the status lines and
// fields, or a trailer section, net/http read) has a space in its name.
func spaceInAName(b []byte) bool {
	for l := range bytes.Lines(b) {
		if name, _, ok := bytes.Cut(l, []byte(":")); ok && len(l) > 0 && l[0] != ' ' && l[0] != '\t' && bytes.ContainsRune(name, ' ') {
			return true
		}
	}
	return false
}

// FuzzH1MatchesNetHTTP feeds the same bytes to H1's reader and to
// net/http's ReadResponse, and requires the same answer of both — status,
// the fields H1 reports, body, framing (no body, a length, chunked, to
// the close) and whether the connection may be kept — or that both reject
// it.
//
// H1 is stricter than net/http in a few ways, on purpose; those inputs are
// not failures:
//   - Status lines: H1 takes "HTTP/1.d ddd" with one space and a code
//     from 100; net/http also takes other versions (HTTP/2.0), more
//     spaces, and codes below 100 or with a sign. A load generator talks
//     HTTP/1.1, and a code outside 100–599 means a broken server.
//   - A space between a field's name and its colon: net/http keeps the
//     field (not under its name); RFC 9112 5.1 says to reject it.
//   - 101 Switching Protocols to a request that asked for no upgrade:
//     net/http hands the connection over; H1 asked for no new protocol.
//   - A status line or field (with its continuation lines) beyond 64 KiB:
//     H1 reads the fields one at a time in a buffer of that bound. Both
//     clients stop a whole header section, interim answers included, at
//     1 MiB (NetHTTP's MaxResponseHeaderBytes); ReadResponse has none.
//   - Content-Length beside chunked framing: both read the chunks, but H1
//     does not reuse the connection (RFC 9112 6.3: such an answer may
//     have been framed otherwise by something between).
func FuzzH1MatchesNetHTTP(f *testing.F) {
	for _, seed := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n+2\r\nok\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 ;x\r\nok\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\n0\n\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n2\r\nok\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: Content-Length\r\n\r\n0\r\n\r\n",
		"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\n\r\nclose-delimited body",
		"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\nto the close",
		"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\nLocation: /early\r\n\r\nHTTP/1.1 201 Created\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\nContent-Length: 2\nX-A: bare\n\nok",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 02\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nX-A: folded\r\n  value\r\n\t again\r\nContent-Length: 1\r\n\r\nx",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n 2\r\n\r\nx",
		"HTTP/1.1 200 OK\r\n X-A: first line folded\r\n\r\n",
		"HTTP/1.1 302 Found\r\nLocation: /a\r\nlocation: /b\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", // as the answer to a HEAD
		"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX-A : spaced\r\nContent-Length: 0\r\n\r\n",
		"HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 099 Low\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
	} {
		f.Add([]byte(seed), seed == "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", uint8(0))
		f.Add([]byte(seed), false, uint8(3))
	}
	f.Fuzz(func(t *testing.T, raw []byte, isHead bool, piece uint8) {
		h1 := readWithH1(raw, isHead, int(piece))
		nh := readWithNetHTTP(raw, isHead)
		switch {
		case h1.err != nil && nh.err != nil:
			return // both reject
		case h1.err == nil && nh.err != nil:
			t.Fatalf("H1 accepts what net/http rejects (%v): %d %q framing %s", nh.err, h1.head.code, h1.body, h1.framing)
		case h1.err != nil:
			if explained(h1.err, nh) {
				return
			}
			t.Fatalf("H1 rejects (%v) what net/http accepts: %d %q framing %s", h1.err, nh.status, nh.body, nh.framing)
		}
		if h1.head.code != nh.status || !bytes.Equal(h1.body, nh.body) || h1.framing != nh.framing {
			t.Fatalf("H1 read %d %q framing %s; net/http %d %q framing %s", h1.head.code, h1.body, h1.framing, nh.status, nh.body, nh.framing)
		}
		for _, k := range keptInFuzz {
			if !slices.Equal(h1.fields[k], nh.fields[k]) {
				t.Fatalf("%s: H1 kept %q, net/http %q", k, h1.fields[k], nh.fields[k])
			}
		}
		if h1.head.close != nh.close && !(h1.head.chunked && h1.head.length >= 0) {
			t.Fatalf("H1 closes the connection: %v; net/http: %v", h1.head.close, nh.close)
		}
	})
}

// explained says whether H1 rejecting what net/http accepted is one of
// the differences FuzzH1MatchesNetHTTP names.
func explained(err error, nh netHTTPReading) bool {
	msg := err.Error()
	switch {
	case nh.status == 101:
		return true
	case errors.Is(err, errHeaderTooLarge):
		return true
	case strings.Contains(msg, "status line") || strings.Contains(msg, "status code"):
		return slices.ContainsFunc(nh.lines, func(l []byte) bool { return !h1StatusLine(l) })
	case strings.Contains(msg, "field line"):
		return spaceInAName(nh.consumed)
	}
	return false
}
