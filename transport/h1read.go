package transport

import (
	"bytes"
	"io"
	"net"
	"time"
)

// The response side of HTTP/1.1, as H1 reads it: what net/http accepts,
// or less. FuzzH1MatchesNetHTTP holds the two to that and names where
// they differ, and why.

// Limits on an answer. The last three are net/http's, so that what one
// client reads the other does too.
const (
	connBufSize      = 4 << 10  // a connection's first read buffer
	bigBodyBuf       = 32 << 10 // the read buffer for large bodies
	maxHeaderBytes   = 64 << 10 // status lines and fields, interim answers included
	maxChunkLine     = 4 << 10  // a chunk-size line, with its CRLF
	maxTrailerBytes  = 4 << 10  // a trailer section, with its end
	maxChunkOverhead = 16 << 10 // framing beyond 16 bytes a chunk plus twice its data
)

// conn is one kept-alive HTTP/1.1 connection of H1 and its read buffer.
type conn struct {
	pool    *hostPool
	sock    *socket  // the TCP connection: receive times, stale peek
	rw      net.Conn // sock, or TLS over it
	buf     []byte
	r, w    int // buf[r:w] is read but not yet parsed
	lastUse time.Time
	got     bool   // a byte of the current answer has arrived
	used    bool   // it has carried a request: it was kept alive
	fold    []byte // a folded field's value
	length  []byte // the first Content-Length's text, to compare others with
}

// framing is what an answer's status line and fields say: its status,
// how its body is framed, and whether the connection goes on.
type framing struct {
	code    int
	minor   int   // HTTP/1.minor
	length  int64 // Content-Length, or -1
	chunked bool
	close   bool // the connection carries no further request
}

// kept is where the parts of an answer the caller keeps go.
type kept struct {
	bodyLimit int
	body      []byte
	names     []string // field names to keep in header
	header    *Header
	location  *[]byte // the first Location, when not nil

	errorLimit int // the body limit of a failing status (Request.ErrorBodyLimit)
}

// write keeps b, within the body limit.
func (a *kept) write(b []byte) {
	if n := a.bodyLimit - len(a.body); n > 0 {
		a.body = append(a.body, b[:min(len(b), n)]...)
	}
}

// readResponse reads the answer to one request (after any interim 1xx
// answers) and its whole body. It reports whether the connection may
// carry another request.
func (cn *conn) readResponse(isHead bool, a *kept) (framing, bool, error) {
	budget := maxHeaderBytes
	limit := a.bodyLimit
	for {
		block, err := cn.readBlock(budget, "header section")
		if err != nil {
			return framing{}, false, err
		}
		budget -= len(block)
		h, err := cn.parseHead(block, a)
		if err != nil {
			return h, false, err
		}
		a.bodyLimit = bodyLimitFor(h.code, limit, a.errorLimit)
		switch {
		case h.code == 101:
			return h, false, badResponse("101 Switching Protocols to a request that asked for no upgrade")
		case h.code < 200:
			continue // 100 Continue, 103 Early Hints: the answer follows
		case isHead || h.code == 204 || h.code == 304:
			// no body, whatever the fields say
		case h.chunked:
			err = cn.readChunked(a)
		case h.length < 0:
			h.close = true
			err = cn.readToClose(a)
		default:
			err = cn.readBody(h.length, a)
		}
		// Bytes beyond the answer answer nothing: the connection is out
		// of step and is not reused.
		return h, err == nil && !h.close && cn.r == cn.w, err
	}
}

// fill reads more into buf, moving the unparsed bytes to its start (or
// growing it to at most limit) when it is full.
func (cn *conn) fill(limit int) error {
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
			return badResponse("a line longer than %d bytes", limit)
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

// need reads until n bytes are unparsed.
func (cn *conn) need(n int) error {
	for cn.w-cn.r < n {
		if err := cn.fill(max(len(cn.buf), n)); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// readBlock reads through the next blank line (CRLF, or a bare LF) and
// returns what it read: a status line and its fields, or a trailer
// section, with the blank line. The block stays in buf until the next
// read, so what is parsed from it needs no copy. It fails beyond budget
// bytes.
func (cn *conn) readBlock(budget int, what string) ([]byte, error) {
	from := 0 // of buf[r:w]: searched up to here
	for {
		if n := blockEnd(cn.buf[cn.r:cn.w], from); n >= 0 && n <= budget {
			block := cn.buf[cn.r : cn.r+n]
			cn.r += n
			return block, nil
		}
		if cn.w-cn.r >= budget {
			return nil, badResponse("%s longer than %d bytes", what, budget)
		}
		from = max(cn.w-cn.r-2, 0) // a line end may have come in part
		if err := cn.fill(maxHeaderBytes); err != nil {
			if err == io.EOF && cn.got {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// blockEnd returns where the first blank line in b ends, looking from
// from on, or -1: a line feed followed by another, or by CRLF (or b
// starting with either).
func blockEnd(b []byte, from int) int {
	if from == 0 {
		switch {
		case len(b) > 0 && b[0] == '\n':
			return 1
		case len(b) > 1 && b[0] == '\r' && b[1] == '\n':
			return 2
		}
	}
	end, rest := -1, b[from:]
	if i := bytes.Index(rest, []byte("\n\r\n")); i >= 0 {
		end, rest = from+i+3, rest[:i+1]
	}
	if i := bytes.Index(rest, []byte("\n\n")); i >= 0 {
		end = from + i + 2
	}
	return end
}

// parseHead parses a block of readBlock's: the status line and the
// fields, keeping what a asks for from a final answer.
func (cn *conn) parseHead(block []byte, a *kept) (framing, error) {
	h := framing{length: -1}
	l, rest := cutLine(block)
	// HTTP/1.1 200 OK
	if len(l) < 12 || !bytes.HasPrefix(l, []byte("HTTP/1.")) || l[8] != ' ' ||
		l[7] < '0' || l[7] > '9' || len(l) > 12 && l[12] != ' ' {
		return h, badResponse("status line %.40q", l)
	}
	h.minor = int(l[7] - '0')
	for _, c := range l[9:12] {
		if c < '0' || c > '9' {
			return h, badResponse("status line %.40q", l)
		}
		h.code = h.code*10 + int(c-'0')
	}
	if h.code < 100 {
		return h, badResponse("status code %d", h.code)
	}
	final := h.code >= 200
	if final && a.location != nil {
		*a.location = (*a.location)[:0]
	}
	var sawLength, sawLocation, hasClose, hasKeepAlive, framingTrailer bool
	encodings := 0
	for {
		name, value, more, err := cn.nextField(&rest)
		if err != nil {
			return h, err
		}
		if !more {
			break
		}
		switch { // the length first: most fields are none of these
		case len(name) == 14 && equalFold(name, "Content-Length"):
			value := trimOWS(value) // a folded value may end in a space
			switch {
			case !sawLength:
				n, ok := parseLength(value)
				if !ok {
					return h, badResponse("Content-Length %.40q", value)
				}
				h.length, sawLength = n, true
				cn.length = append(cn.length[:0], value...)
			case !bytes.Equal(value, cn.length):
				return h, badResponse("two Content-Length fields, %.20q and %.20q", cn.length, value)
			}
		case len(name) == 17 && equalFold(name, "Transfer-Encoding"):
			// As net/http: one field, naming chunked alone; none of it
			// counts in HTTP/1.0.
			encodings++
			h.chunked = equalFold(value, "chunked")
			switch {
			case h.minor == 0:
			case encodings > 1:
				return h, badResponse("more than one Transfer-Encoding field")
			case !h.chunked:
				return h, badResponse("unsupported Transfer-Encoding %.40q", value)
			}
		case len(name) == 10 && equalFold(name, "Connection"):
			for tok := range bytes.SplitSeq(value, []byte{','}) {
				tok = trimOWS(tok)
				hasClose = hasClose || equalFold(tok, "close")
				hasKeepAlive = hasKeepAlive || equalFold(tok, "keep-alive")
			}
		case len(name) == 7 && equalFold(name, "Trailer"):
			// As net/http: a trailer may not frame the body.
			for tok := range bytes.SplitSeq(value, []byte{','}) {
				tok = trimOWS(tok)
				framingTrailer = framingTrailer || equalFold(tok, "Transfer-Encoding") ||
					equalFold(tok, "Content-Length") || equalFold(tok, "Trailer")
			}
		case len(name) == 8 && equalFold(name, "Location"):
			if final && !sawLocation && a.location != nil {
				*a.location = append(*a.location, value...)
				sawLocation = true
			}
		}
		if final {
			for _, k := range a.names {
				if equalFold(name, k) {
					a.header.Add(k, value)
				}
			}
		}
	}
	if h.minor == 0 {
		h.chunked = false
		h.close = hasClose || !hasKeepAlive // HTTP/1.0 closes by default
	} else {
		h.close = hasClose
	}
	if h.chunked && framingTrailer {
		return h, badResponse("a Trailer field naming a framing field")
	}
	if h.chunked && h.length >= 0 {
		// A length beside chunked framing means someone between may have
		// read the body otherwise (RFC 9112 6.3): the connection carries
		// no further request.
		h.close = true
	}
	return h, nil
}

// nextField takes the next field off *rest (a block after its status
// line), with its value trimmed and its continuation lines folded in as
// net/http folds them (obs-fold, RFC 9112 5.2). more is false at the
// blank line that ends the block.
func (cn *conn) nextField(rest *[]byte) (name, value []byte, more bool, err error) {
	l, r := cutLine(*rest)
	*rest = r
	if len(l) == 0 {
		return nil, nil, false, nil
	}
	if l[0] == ' ' || l[0] == '\t' {
		return nil, nil, false, badResponse("continuation line %.40q with no field before it", l)
	}
	colon := bytes.IndexByte(l, ':')
	if colon <= 0 || !validToken(l[:colon]) {
		return nil, nil, false, badResponse("field line %.40q", l)
	}
	name, value = l[:colon], l[colon+1:]
	if !validValue(value) {
		return nil, nil, false, badResponse("invalid byte in field %.40q", l)
	}
	if len(r) == 0 || r[0] != ' ' && r[0] != '\t' {
		return name, trimOWS(value), true, nil
	}
	cn.fold = append(cn.fold[:0], trimRightOWS(value)...)
	for len(*rest) > 0 && ((*rest)[0] == ' ' || (*rest)[0] == '\t') {
		var c []byte
		c, *rest = cutLine(*rest)
		if !validValue(c) {
			return nil, nil, false, badResponse("invalid byte in a continuation of %.40q", name)
		}
		cn.fold = append(cn.fold, ' ')
		cn.fold = append(cn.fold, trimOWS(c)...)
	}
	return name, trimLeftOWS(cn.fold), true, nil
}

// cutLine cuts b after its first line feed: the line, without the line
// end (CRLF or a bare LF), and the rest.
func cutLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil
	}
	line, rest = b[:i], b[i+1:]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}

// validValue says whether v may be (part of) a field value: no control
// bytes but tab (obs-text, bytes from 0x80, is allowed).
func validValue(v []byte) bool {
	for _, c := range v {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// parseLength parses a Content-Length: decimal digits only, below 2^63.
func parseLength(v []byte) (int64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' || n > (1<<63-1-int64(c-'0'))/10 {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// trimOWS trims the optional whitespace (spaces and tabs) around a
// field value.
func trimOWS(b []byte) []byte { return trimRightOWS(trimLeftOWS(b)) }

func trimLeftOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

func trimRightOWS(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// readBody reads a body of n bytes.
func (cn *conn) readBody(n int64, a *kept) error {
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
		a.write(cn.buf[cn.r : cn.r+int(take)])
		cn.r += int(take)
		n -= take
	}
	return nil
}

// readToClose reads a body that ends when the server closes the
// connection.
func (cn *conn) readToClose(a *kept) error {
	for {
		a.write(cn.buf[cn.r:cn.w])
		cn.r = cn.w
		if err := cn.fill(len(cn.buf)); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// readChunked reads a chunked body and its trailer section, as strictly
// as net/http: CRLF line ends, hexadecimal sizes of at most 16 digits
// with no sign or space before an extension, and no more framing than
// maxChunkOverhead beyond what the data justifies.
func (cn *conn) readChunked(a *kept) error {
	var overhead int64
	for {
		l, err := cn.chunkLine()
		if err != nil {
			return err
		}
		overhead += int64(len(l)) + 2
		size := trimRightOWS(l)
		if i := bytes.IndexByte(size, ';'); i >= 0 {
			size = size[:i] // chunk extensions
		}
		n, ok := parseChunkSize(size)
		if !ok {
			return badResponse("invalid chunk size %.20q", size)
		}
		overhead = max(overhead-16-2*n, 0)
		if overhead > maxChunkOverhead {
			return badResponse("chunked body with too much framing for its data")
		}
		if n == 0 {
			return cn.readTrailers()
		}
		if err := cn.readBody(n, a); err != nil {
			return err
		}
		if err := cn.need(2); err != nil {
			return err
		}
		if cn.buf[cn.r] != '\r' || cn.buf[cn.r+1] != '\n' {
			return badResponse("no CRLF after a chunk")
		}
		cn.r += 2
	}
}

// chunkLine reads a chunk-size line, which ends in CRLF (no bare LF, no
// other CR) within maxChunkLine bytes, and returns it without its CRLF.
func (cn *conn) chunkLine() ([]byte, error) {
	searched := 0 // of buf[r:w]: holds no line feed
	for {
		if i := bytes.IndexByte(cn.buf[cn.r+searched:cn.w], '\n'); i >= 0 {
			n := searched + i + 1 // with the line feed
			if n > maxChunkLine {
				break
			}
			l := cn.buf[cn.r : cn.r+n-1]
			cn.r += n
			if len(l) == 0 || l[len(l)-1] != '\r' {
				return nil, badResponse("chunk line ends in a bare LF")
			}
			l = l[:len(l)-1]
			if bytes.IndexByte(l, '\r') >= 0 {
				return nil, badResponse("CR inside a chunk line")
			}
			return l, nil
		}
		searched = cn.w - cn.r
		if searched >= maxChunkLine {
			break
		}
		if err := cn.fill(max(len(cn.buf), maxChunkLine)); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return nil, badResponse("chunk line longer than %d bytes", maxChunkLine)
}

// parseChunkSize parses a chunk size: 1 to 16 hexadecimal digits. Sizes
// from 2^63 fail too: no body that large can come.
func parseChunkSize(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 16 {
		return 0, false
	}
	var n uint64
	for _, c := range v {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		n = n<<4 | uint64(c)
	}
	return int64(n), n < 1<<63
}

// readTrailers reads the trailer section after the last chunk: a CRLF
// alone, or fields ended by a blank line within maxTrailerBytes with a
// CRLF CRLF in them, which is what net/http's reader requires.
func (cn *conn) readTrailers() error {
	if err := cn.need(2); err != nil {
		return err
	}
	if cn.buf[cn.r] == '\r' && cn.buf[cn.r+1] == '\n' {
		cn.r += 2
		return nil
	}
	for {
		window := cn.buf[cn.r:min(cn.w, cn.r+maxTrailerBytes)]
		if bytes.Contains(window, []byte("\r\n\r\n")) {
			break
		}
		if len(window) == maxTrailerBytes {
			return badResponse("trailer section longer than %d bytes, or not ended by CRLF CRLF", maxTrailerBytes)
		}
		if err := cn.fill(max(len(cn.buf), maxTrailerBytes)); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	block, err := cn.readBlock(maxTrailerBytes, "trailer section")
	if err != nil {
		return err
	}
	for {
		_, _, more, err := cn.nextField(&block)
		if err != nil || !more {
			return err
		}
	}
}
