package loadgen

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The HTTP/1.1 wire format, as H1Client writes and reads it.

// Read buffer sizes of an h1Conn: a response's status line and headers
// must fit in maxHeaderBytes; a body larger than bigBodyBuf is read
// bigBodyBuf at a time.
const (
	connBufSize    = 4 << 10
	bigBodyBuf     = 32 << 10
	maxHeaderBytes = 64 << 10
)

// errBadResponse marks a response that is not HTTP/1.x.
var errBadResponse = errors.New("malformed HTTP response")

func badResponse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBadResponse, fmt.Sprintf(format, args...))
}

// h1Conn is one kept-alive HTTP/1.1 connection and its read buffer.
type h1Conn struct {
	host    *h1Host
	tc      *trackedConn // the TCP connection: receive times, stale peek, Abort
	rw      net.Conn     // tc, or TLS over it
	buf     []byte
	r, w    int // buf[r:w] is read but not yet parsed
	lastUse time.Time
	got     bool        // a byte of the current response has arrived
	used    bool        // it has carried a request: it was kept alive
	header  http.Header // when not nil, readHead adds the headers to it
	loc     []byte      // the last Location header (copied: the body reuses buf)
}

// fill reads more into buf, moving the unparsed bytes to its start (or
// growing it to at most limit) when it is full.
func (cn *h1Conn) fill(limit int) error {
	if cn.r == cn.w {
		cn.r, cn.w = 0, 0
	}
	if cn.w == len(cn.buf) {
		switch {
		case cn.r > 0:
			cn.w = copy(cn.buf, cn.buf[cn.r:cn.w])
			cn.r = 0
		case len(cn.buf) < limit:
			nb := make([]byte, min(2*len(cn.buf), limit))
			cn.w = copy(nb, cn.buf[cn.r:cn.w])
			cn.r, cn.buf = 0, nb
		default:
			return badResponse("headers longer than %d bytes", limit)
		}
	}
	n, err := cn.rw.Read(cn.buf[cn.w:])
	cn.w += n
	if n > 0 {
		cn.got = true
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// line returns the next line of buf[r:w] without its line end (CRLF, or a
// bare LF), reading more as needed, and moves past it.
func (cn *h1Conn) line() ([]byte, error) {
	searched := 0 // of buf[r:w]: holds no line end
	for {
		if i := bytes.IndexByte(cn.buf[cn.r+searched:cn.w], '\n'); i >= 0 {
			end := cn.r + searched + i
			l := cn.buf[cn.r:end]
			cn.r = end + 1
			return bytes.TrimSuffix(l, []byte{'\r'}), nil
		}
		searched = cn.w - cn.r
		if err := cn.fill(maxHeaderBytes); err != nil {
			if err == io.EOF && cn.got {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// h1Head is what a response's status line and headers say.
type h1Head struct {
	code      int
	minor     int   // HTTP/1.minor
	length    int64 // Content-Length, or -1
	chunked   bool
	close     bool // Connection: close (or HTTP/1.0 without keep-alive)
	keepAlive bool // Connection: keep-alive
	otherTE   bool // a Transfer-Encoding other than chunked: the body runs to the close
	location  []byte
}

// readHead reads a status line and its headers. The returned location is
// cn's: valid until its next response.
func (cn *h1Conn) readHead() (h1Head, error) {
	h := h1Head{length: -1}
	l, err := cn.line()
	if err != nil {
		return h, err
	}
	// HTTP/1.1 200 OK
	if len(l) < 12 || !bytes.HasPrefix(l, []byte("HTTP/1.")) || l[8] != ' ' ||
		l[7] < '0' || l[7] > '9' || len(l) > 12 && l[12] != ' ' {
		return h, badResponse("status line %q", truncate(l, 40))
	}
	h.minor = int(l[7] - '0')
	for _, c := range l[9:12] {
		if c < '0' || c > '9' {
			return h, badResponse("status line %q", truncate(l, 40))
		}
		h.code = h.code*10 + int(c-'0')
	}
	if h.code < 100 {
		return h, badResponse("status code %d", h.code)
	}
	for {
		l, err := cn.line()
		if err != nil {
			return h, err
		}
		if len(l) == 0 {
			break
		}
		if l[0] == ' ' || l[0] == '\t' {
			continue // an obsolete folded continuation: nothing we read
		}
		colon := bytes.IndexByte(l, ':')
		if colon <= 0 || !validToken(l[:colon]) {
			return h, badResponse("header line %q", truncate(l, 40))
		}
		name, value := l[:colon], trimOWS(l[colon+1:])
		if cn.header != nil && h.code >= 200 {
			cn.header.Add(string(name), string(value))
		}
		switch { // the length first: most headers are none of these
		case len(name) == 14 && bytes.EqualFold(name, []byte("Content-Length")):
			n, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil || len(value) == 0 || value[0] < '0' || value[0] > '9' || h.length >= 0 && n != h.length {
				return h, badResponse("Content-Length %q", truncate(value, 40))
			}
			h.length = n
		case len(name) == 17 && bytes.EqualFold(name, []byte("Transfer-Encoding")):
			// The last coding decides: chunked frames the body.
			last := value
			if i := bytes.LastIndexByte(value, ','); i >= 0 {
				last = trimOWS(value[i+1:])
			}
			h.chunked = bytes.EqualFold(last, []byte("chunked"))
			h.otherTE = !h.chunked
		case len(name) == 10 && bytes.EqualFold(name, []byte("Connection")):
			for tok := range bytes.SplitSeq(value, []byte{','}) {
				tok = trimOWS(tok)
				h.close = h.close || bytes.EqualFold(tok, []byte("close"))
				h.keepAlive = h.keepAlive || bytes.EqualFold(tok, []byte("keep-alive"))
			}
		case len(name) == 8 && bytes.EqualFold(name, []byte("Location")):
			cn.loc = append(cn.loc[:0], value...)
			h.location = cn.loc
		}
	}
	if h.minor == 0 && !h.keepAlive || h.chunked && h.length >= 0 {
		// HTTP/1.0 closes by default; a length beside chunked framing
		// means someone between may have read it otherwise (RFC 9112
		// 6.3): neither connection carries another request.
		h.close = true
	}
	return h, nil
}

// validToken reports whether b is an HTTP token (RFC 9110 5.6.2): a
// method or a header name.
func validToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tokenChar[c] {
			return false
		}
	}
	return true
}

// tokenChar marks the bytes a token may hold: visible ASCII but for the
// delimiters.
var tokenChar = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = !strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c)
	}
	return t
}()

// trimOWS trims the optional whitespace (spaces and tabs) around a
// header value.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

func truncate(b []byte, n int) []byte { return b[:min(len(b), n)] }

// bodySink takes a response body: the first BodyLimit bytes (or all of
// it, when whole) into kept when keeping, the rest dropped.
type bodySink struct {
	keeping bool
	whole   bool
	kept    []byte
}

func (s *bodySink) write(b []byte) {
	switch {
	case s.whole:
		s.kept = append(s.kept, b...)
	case s.keeping && len(s.kept) < BodyLimit:
		s.kept = append(s.kept, b[:min(len(b), BodyLimit-len(s.kept))]...)
	}
}

// readBody reads a body of n bytes.
func (cn *h1Conn) readBody(n int64, sink *bodySink) error {
	for n > 0 {
		if cn.r == cn.w {
			if n >= bigBodyBuf && len(cn.buf) < bigBodyBuf {
				cn.buf = make([]byte, bigBodyBuf)
				cn.r, cn.w = 0, 0
			}
			if err := cn.fill(len(cn.buf)); err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return err
			}
		}
		take := min(int64(cn.w-cn.r), n)
		sink.write(cn.buf[cn.r : cn.r+int(take)])
		cn.r += int(take)
		n -= take
	}
	return nil
}

// readToClose reads a body that ends when the server closes the
// connection.
func (cn *h1Conn) readToClose(sink *bodySink) error {
	for {
		sink.write(cn.buf[cn.r:cn.w])
		cn.r = cn.w
		if err := cn.fill(len(cn.buf)); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// readChunked reads a chunked body and its trailers.
func (cn *h1Conn) readChunked(sink *bodySink) error {
	for {
		l, err := cn.line()
		if err != nil {
			return err
		}
		if i := bytes.IndexByte(l, ';'); i >= 0 {
			l = l[:i] // chunk extensions
		}
		l = trimOWS(l)
		size, err := strconv.ParseInt(string(l), 16, 64)
		if err != nil || size < 0 || len(l) > 15 {
			return badResponse("chunk size %q", truncate(l, 20))
		}
		if size == 0 {
			break
		}
		if err := cn.readBody(size, sink); err != nil {
			return err
		}
		if l, err := cn.line(); err != nil {
			return err
		} else if len(l) != 0 {
			return badResponse("no line end after a chunk")
		}
	}
	for { // trailers, to the blank line
		l, err := cn.line()
		if err != nil {
			return err
		}
		if len(l) == 0 {
			return nil
		}
	}
}

// readResponse reads one response to a request (skipping interim 1xx
// answers) and its whole body into sink. It reports whether the
// connection may carry another request.
func (cn *h1Conn) readResponse(head bool, sink *bodySink) (h1Head, bool, error) {
	for {
		h, err := cn.readHead()
		if err != nil {
			return h, false, err
		}
		switch {
		case h.code == 101:
			return h, false, badResponse("101 Switching Protocols to a plain request")
		case h.code < 200:
			continue // 100 Continue, 103 Early Hints: the answer follows
		case head || h.code == 204 || h.code == 304:
			// no body, whatever the headers say
		case h.chunked:
			err = cn.readChunked(sink)
		case h.otherTE || h.length < 0:
			h.close = true
			err = cn.readToClose(sink)
		default:
			err = cn.readBody(h.length, sink)
		}
		// Bytes beyond the response are an answer to nothing: the
		// connection is out of step and is not reused.
		return h, err == nil && !h.close && cn.r == cn.w, err
	}
}

// h1Request is a request rendered for the wire.
type h1Request struct {
	method []byte
	url    []byte // absolute: scheme, host, path
	hdrs   []byte // "Name: value\r\n" lines, without Host and framing
	host   []byte // a Host header given in the scenario, or nil
	ua     bool   // hdrs has a User-Agent
	auth   bool   // hdrs has an Authorization
	body   []byte
	noBody bool // no body and no Content-Length (nil Body, or dropped by a redirect)
}

// addHeader appends a header line, unless it is one the client writes
// itself (Host is kept aside; Content-Length and Transfer-Encoding follow
// the body). Control characters in the value (but tab) become spaces, so
// a captured value cannot add a header or be refused for a NUL.
func (r *h1Request) addHeader(name string, value []byte) {
	switch {
	case equalFold(name, "Host"):
		r.host = append(r.host[:0], value...)
		for i, c := range r.host {
			if c < ' ' || c == 0x7f {
				r.host[i] = ' '
			}
		}
		return
	case equalFold(name, "Content-Length"), equalFold(name, "Transfer-Encoding"):
		return
	case equalFold(name, "User-Agent"):
		r.ua = true
	case equalFold(name, "Authorization"):
		r.auth = true
	}
	r.hdrs = append(r.hdrs, name...)
	r.hdrs = append(r.hdrs, ':', ' ')
	start := len(r.hdrs)
	r.hdrs = append(r.hdrs, value...)
	for i, c := range r.hdrs[start:] {
		if c < ' ' && c != '\t' || c == 0x7f {
			r.hdrs[start+i] = ' '
		}
	}
	r.hdrs = append(r.hdrs, '\r', '\n')
}

// dropHeader removes the header lines named name.
func (r *h1Request) dropHeader(name string) {
	out := r.hdrs[:0]
	for rest := r.hdrs; len(rest) > 0; {
		i := bytes.Index(rest, []byte("\r\n")) + 2
		l := rest[:i]
		rest = rest[i:]
		if c := bytes.IndexByte(l, ':'); c > 0 && bytes.EqualFold(l[:c], []byte(name)) {
			continue
		}
		out = append(out, l...)
	}
	r.hdrs = out
}

func equalFold(a, b string) bool {
	return len(a) == len(b) && bytes.EqualFold([]byte(a), []byte(b))
}

// wire appends the request as sent to host (the URL's authority) with
// target (the path and query) to dst.
func (r *h1Request) wire(dst, host, target []byte) []byte {
	dst = append(dst, r.method...)
	dst = append(dst, ' ')
	dst = appendTarget(dst, target)
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	if r.host != nil {
		host = r.host // the scenario's, or an *http.Request's (Do)
	}
	if z := ipv6Zone(host); z >= 0 {
		dst = withoutZone(dst, host, z)
	} else {
		dst = append(dst, host...)
	}
	dst = append(dst, "\r\n"...)
	dst = append(dst, r.hdrs...)
	if !r.ua {
		dst = append(dst, "User-Agent: trafficgen\r\n"...)
	}
	if !r.noBody || bodyMethod(r.method) {
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(r.body)), 10)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "\r\n"...)
	return append(dst, r.body...)
}

// bodyMethod says whether a request with method carries a body by
// nature: without one it says Content-Length: 0, as net/http does (some
// servers answer 411 Length Required otherwise).
func bodyMethod(method []byte) bool {
	switch string(method) {
	case "POST", "PUT", "PATCH":
		return true
	}
	return false
}

// appendTarget appends a request target, percent-encoding what may not
// appear in a request line (controls, spaces, bytes beyond ASCII): a value
// captured from a response and put into a path unescaped cannot split the
// request or add a header.
func appendTarget(dst, target []byte) []byte {
	const hex = "0123456789ABCDEF"
	for _, c := range target {
		if c <= ' ' || c >= 0x7f {
			dst = append(dst, '%', hex[c>>4], hex[c&15])
		} else {
			dst = append(dst, c)
		}
	}
	return dst
}

// splitURL splits an absolute http or https URL into its scheme's TLS
// flag, its authority (host and port, after any user info) and its
// request target (path and query, "/" when empty; no fragment).
func splitURL(u []byte) (isTLS bool, userinfo, host, target []byte, err error) {
	switch {
	case len(u) >= 7 && bytes.EqualFold(u[:7], []byte("http://")):
		u = u[7:]
	case len(u) >= 8 && bytes.EqualFold(u[:8], []byte("https://")):
		u, isTLS = u[8:], true
	default:
		return false, nil, nil, nil, fmt.Errorf("unsupported protocol in %q (want http:// or https://)", truncate(u, 60))
	}
	end := bytes.IndexAny(u, "/?#")
	if end < 0 {
		end = len(u)
	}
	host, target = u[:end], u[end:]
	if at := bytes.LastIndexByte(host, '@'); at >= 0 {
		userinfo, host = host[:at], host[at+1:]
	}
	if len(host) == 0 {
		return false, nil, nil, nil, fmt.Errorf("no host in %q", truncate(u, 60))
	}
	for _, c := range host {
		if c <= ' ' || c >= 0x7f {
			return false, nil, nil, nil, fmt.Errorf("invalid host %q", truncate(host, 60))
		}
	}
	if host[0] == ':' || bytes.HasPrefix(host, []byte("[]")) {
		return false, nil, nil, nil, fmt.Errorf("no host in %q", truncate(u, 60))
	}
	if z := ipv6Zone(host); z >= 0 {
		if _, ok := decodeZone(host[z+1 : bytes.IndexByte(host, ']')]); !ok {
			return false, nil, nil, nil, fmt.Errorf("invalid IPv6 zone in %q", truncate(host, 60))
		}
	}
	if i := bytes.IndexByte(target, '#'); i >= 0 {
		target = target[:i]
	}
	if len(target) == 0 || target[0] == '?' {
		target = append([]byte{'/'}, target...)
	}
	return isTLS, userinfo, host, target, nil
}
