package transport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"time"
)

// The response side of HTTP/1.1, as H1 reads it: what net/http accepts,
// or less. FuzzH1MatchesNetHTTP holds the two to that and names where
// they differ, and why.

// Limits on an answer. maxHeaderBytes is NetHTTP's too; the last three
// are net/http's, so that what one client reads the other does too.
const (
	connBufSize      = 4 << 10  // a connection's first read buffer
	bigBodyBuf       = 32 << 10 // the read buffer for large bodies
	maxHeaderBytes   = 1 << 20  // status lines and fields, interim answers included
	maxFieldBytes    = 64 << 10 // a status line, or a field with its continuation lines
	maxChunkLine     = 4 << 10  // a chunk-size line, with its CRLF
	maxTrailerBytes  = 4 << 10  // a trailer section, with its end
	maxChunkOverhead = 16 << 10 // framing beyond 16 bytes a chunk plus twice its data
)

// conn is one kept-alive HTTP/1.1 connection of H1 and its read buffer.
type conn struct {
	pool     *hostPool
	sock     *socket  // the TCP connection: receive times, stale peek
	rw       net.Conn // sock, or TLS over it
	buf      []byte
	r, w     int // buf[r:w] is read but not yet parsed
	lastUse  time.Time
	got      bool   // a byte of the current answer has arrived
	used     bool   // it has carried a request: it was kept alive
	drained  bool   // the last answer's read left nothing in the kernel
	unlooked bool   // the current request went without a look (fresh)
	waited   bool   // handed over to a request that waited for it: late
	fold     []byte // a folded field's value
	length   []byte // the first Content-Length's text, to compare others with
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
		h, err := cn.readHead(&budget, a)
		if err != nil {
			// A status without its fields is no answer.
			return framing{length: -1}, false, err
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
		if err == nil && !h.close && cn.r != cn.w {
			cn.distrust()
			if cn.pool != nil && cn.pool.c.note != nil {
				cn.pool.c.note(unsolicited(cn.pool.key))
			}
		}
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

// readHead reads a status line and its fields, one field at a time, and
// keeps what a asks for from a final answer. What it reads counts
// against *budget, so that a server sending field after field, or
// interim answer after interim answer, is stopped at maxHeaderBytes
// while the read buffer holds no more than one field.
func (cn *conn) readHead(budget *int, a *kept) (framing, error) {
	h := framing{length: -1}
	if err := cn.statusStart(); err != nil {
		return h, err
	}
	l, _, err := cn.readUnit(budget, false)
	if err != nil {
		return h, err
	}
	if h, err = parseStatus(l); err != nil {
		return h, err
	}
	final := h.code >= 200
	if final && a.location != nil {
		*a.location = (*a.location)[:0]
	}
	var st fieldState
	for {
		name, value, ok := cn.plainField(budget)
		if !ok {
			unit, first, err := cn.readUnit(budget, true)
			if err != nil {
				return h, err
			}
			var more bool
			if name, value, more, err = cn.nextFieldAt(&unit, first-1); err != nil {
				return h, err
			}
			if !more {
				return h, st.finish(&h)
			}
		}
		if err := st.add(&h, cn, name, value); err != nil {
			return h, err
		}
		if final {
			st.keep(name, value, a)
		}
	}
}

// plainField takes the next field off buf in one pass when it is a
// plain one, as nearly all are: whole in buf with the byte after it,
// within the limits, no continuation line after it, no byte to refuse.
// Anything else (the blank line, a field to fold, read, or fail) is
// readUnit's and nextFieldAt's, and plainField takes nothing.
func (cn *conn) plainField(budget *int) (name, value []byte, ok bool) {
	b := cn.buf[cn.r:cn.w]
	b = b[:min(len(b), maxFieldBytes, *budget)]
	colon := 0
	for colon < len(b) && tokenChar[b[colon]] {
		colon++
	}
	if colon == 0 || colon == len(b) || b[colon] != ':' {
		return nil, nil, false
	}
	i := colon + 1
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	from := i
	i += plainRun(b[i:])
	for i < len(b) && b[i] >= ' ' && b[i] != 0x7f {
		i++
	}
	to, end := i, 0
	switch {
	case i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n':
		end = i + 2
	case i < len(b) && b[i] == '\n':
		end = i + 1
	default:
		return nil, nil, false // a tab, a byte to refuse, or the line goes on
	}
	if end == len(b) || b[end] == ' ' || b[end] == '\t' {
		return nil, nil, false // unread or past a limit, or folded
	}
	for to > from && b[to-1] == ' ' {
		to--
	}
	cn.r += end
	*budget -= end
	return b[:colon], b[from:to], true
}

// statusStart reads until the answer's first bytes show whether it is
// HTTP/1.x, and fails as soon as they show it is not: another protocol,
// or TLS on a port asked for plain HTTP, is named at once, also when the
// server then keeps still.
func (cn *conn) statusStart() error {
	for {
		b := cn.buf[cn.r:cn.w]
		if err := notHTTP(b); err != nil || len(b) >= len(statusPrefix) {
			return err
		}
		if err := cn.fillHead(); err != nil {
			return err
		}
	}
}

// statusPrefix begins every answer H1 and NetHTTP take.
const statusPrefix = "HTTP/1."

// notHTTP returns why the first bytes b of an answer cannot begin a
// status line, or nil while they may.
func notHTTP(b []byte) error {
	n := min(len(b), len(statusPrefix))
	switch {
	case string(b[:n]) == statusPrefix[:n]:
		return nil
	case b[0] == 0x15 || b[0] == 0x16: // a TLS alert or handshake record
		return errTLSAnswer
	}
	return badResponse("status line %.40q: not HTTP/1.x", b)
}

// fillHead reads more of a status line or a field: an end of the stream
// after some of the answer cuts it short.
func (cn *conn) fillHead() error {
	err := cn.fill(maxFieldBytes)
	if err == io.EOF && cn.got {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// readUnit reads a line and, when fold is set and the line is not the
// blank one that ends the fields, the continuation lines after it (those
// starting with a space or a tab), and returns them with their line
// ends, and the length of the first line with its end. They stay in buf
// until the next read. The unit may take no more than maxFieldBytes, nor
// *budget, which it counts down.
func (cn *conn) readUnit(budget *int, fold bool) ([]byte, int, error) {
	limit := min(maxFieldBytes, *budget)
	end, err := cn.lineEnd(0, limit)
	first := end
	if fold && err == nil && !blankLine(cn.buf[cn.r:cn.r+end]) {
		for err == nil {
			if err = cn.have(end+1, limit); err != nil {
				break
			}
			if c := cn.buf[cn.r+end]; c != ' ' && c != '\t' {
				break
			}
			end, err = cn.lineEnd(end, limit)
		}
	}
	switch {
	case err == errPastLimit && limit == *budget:
		return nil, 0, headerTooLarge("more than %d bytes of status lines and fields, interim answers included", maxHeaderBytes)
	case err == errPastLimit:
		return nil, 0, headerTooLarge("a status line or field longer than %d bytes", maxFieldBytes)
	case err != nil:
		return nil, 0, err
	}
	unit := cn.buf[cn.r : cn.r+end]
	cn.r += end
	*budget -= end
	return unit, first, nil
}

// errPastLimit is readUnit's: a line went past its limit.
var errPastLimit = errors.New("past the limit")

// lineEnd returns where the line that starts at off (of buf[r:w]) ends,
// after its line feed, reading until it has come. It fails with
// errPastLimit when the line would end past limit.
func (cn *conn) lineEnd(off, limit int) (int, error) {
	for searched := off; ; {
		if i := bytes.IndexByte(cn.buf[cn.r+searched:cn.w], '\n'); i >= 0 {
			if end := searched + i + 1; end <= limit {
				return end, nil
			}
			return 0, errPastLimit
		}
		searched = cn.w - cn.r
		if searched >= limit {
			return 0, errPastLimit
		}
		if err := cn.fillHead(); err != nil {
			return 0, err
		}
	}
}

// have reads until n bytes are unparsed, failing with errPastLimit when n
// is past limit.
func (cn *conn) have(n, limit int) error {
	for cn.w-cn.r < n {
		if n > limit {
			return errPastLimit
		}
		if err := cn.fillHead(); err != nil {
			return err
		}
	}
	return nil
}

// blankLine says whether l is a line end alone: CRLF or a bare LF.
func blankLine(l []byte) bool {
	return len(l) == 1 || len(l) == 2 && l[0] == '\r'
}

// readBlock reads through the next blank line (CRLF, or a bare LF) and
// returns what it read: a trailer section, with the blank line. The
// block stays in buf until the next read. It fails beyond budget bytes.
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
		if err := cn.fill(budget); err != nil {
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

// parseStatus parses a status line, with its line end: HTTP/1.1 200 OK.
func parseStatus(l []byte) (framing, error) {
	h := framing{length: -1}
	l, _ = cutLine(l)
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
	return h, nil
}

// fieldState is what the fields of one answer said so far about its
// framing.
type fieldState struct {
	sawLength, sawLocation, hasClose, hasKeepAlive, framingTrailer bool
	encodings                                                      int
}

// add takes in one field's word on the framing.
func (st *fieldState) add(h *framing, cn *conn, name, value []byte) error {
	switch { // the length first: most fields are none of these
	case len(name) == 14 && equalFold(name, "Content-Length"):
		value := trimOWS(value) // a folded value may end in a space
		switch {
		case !st.sawLength:
			n, ok := parseLength(value)
			if !ok {
				return badResponse("Content-Length %.40q", value)
			}
			h.length, st.sawLength = n, true
			cn.length = append(cn.length[:0], value...)
		case !bytes.Equal(value, cn.length):
			return badResponse("two Content-Length fields, %.20q and %.20q", cn.length, value)
		}
	case len(name) == 17 && equalFold(name, "Transfer-Encoding"):
		// As net/http: one field, naming chunked alone; none of it
		// counts in HTTP/1.0.
		st.encodings++
		h.chunked = equalFold(value, "chunked")
		switch {
		case h.minor == 0:
		case st.encodings > 1:
			return badResponse("more than one Transfer-Encoding field")
		case !h.chunked:
			return badResponse("unsupported Transfer-Encoding %.40q", value)
		}
	case len(name) == 10 && equalFold(name, "Connection"):
		if bytes.IndexByte(value, ',') < 0 { // one token, as most are
			tok := trimOWS(value)
			st.hasClose = st.hasClose || equalFold(tok, "close")
			st.hasKeepAlive = st.hasKeepAlive || equalFold(tok, "keep-alive")
			break
		}
		for tok := range bytes.SplitSeq(value, []byte{','}) {
			tok = trimOWS(tok)
			st.hasClose = st.hasClose || equalFold(tok, "close")
			st.hasKeepAlive = st.hasKeepAlive || equalFold(tok, "keep-alive")
		}
	case len(name) == 7 && equalFold(name, "Trailer"):
		// As net/http: a trailer may not frame the body.
		for tok := range bytes.SplitSeq(value, []byte{','}) {
			tok = trimOWS(tok)
			st.framingTrailer = st.framingTrailer || equalFold(tok, "Transfer-Encoding") ||
				equalFold(tok, "Content-Length") || equalFold(tok, "Trailer")
		}
	}
	return nil
}

// keep keeps a final answer's field when a asks for it, and its first
// Location.
func (st *fieldState) keep(name, value []byte, a *kept) {
	if len(name) == 8 && equalFold(name, "Location") && !st.sawLocation && a.location != nil {
		*a.location = append(*a.location, value...)
		st.sawLocation = true
	}
	for _, k := range a.names {
		if equalFold(name, k) {
			a.header.Add(k, value)
		}
	}
}

// finish settles the framing once the fields have ended.
func (st *fieldState) finish(h *framing) error {
	if h.minor == 0 {
		h.chunked = false
		h.close = st.hasClose || !st.hasKeepAlive // HTTP/1.0 closes by default
	} else {
		h.close = st.hasClose
	}
	if h.chunked && st.framingTrailer {
		return badResponse("a Trailer field naming a framing field")
	}
	if h.chunked && h.length >= 0 {
		// A length beside chunked framing means someone between may have
		// read the body otherwise (RFC 9112 6.3): the connection carries
		// no further request.
		h.close = true
	}
	return nil
}

// nextField takes the next field off *rest (a block after its status
// line), with its value trimmed and its continuation lines folded in as
// net/http folds them (obs-fold, RFC 9112 5.2). more is false at the
// blank line that ends the block.
func (cn *conn) nextField(rest *[]byte) (name, value []byte, more bool, err error) {
	return cn.nextFieldAt(rest, bytes.IndexByte(*rest, '\n'))
}

// nextFieldAt is nextField with the first line feed's index in *rest
// known (-1: none), as readUnit found it.
func (cn *conn) nextFieldAt(rest *[]byte, lf int) (name, value []byte, more bool, err error) {
	l, r := cutLineAt(*rest, lf)
	*rest = r
	if len(l) == 0 {
		return nil, nil, false, nil
	}
	if l[0] == ' ' || l[0] == '\t' {
		return nil, nil, false, badResponse("continuation line %.40q with no field before it", l)
	}
	colon := 0 // the name's end: its first byte that is not a token's
	for colon < len(l) && tokenChar[l[colon]] {
		colon++
	}
	if colon == 0 || colon == len(l) || l[colon] != ':' {
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
func cutLine(b []byte) (line, rest []byte) { return cutLineAt(b, bytes.IndexByte(b, '\n')) }

// cutLineAt is cutLine with the first line feed's index i known (-1: none).
func cutLineAt(b []byte, i int) (line, rest []byte) {
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
	for _, c := range v[plainRun(v):] { // a tab, or a byte to refuse, from here
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// plainRun returns how many bytes from the start of b, in whole words of
// eight, hold no byte below a space and no DEL: the part of a field value
// that needs no look byte by byte. (An exact test: a borrow sets a high
// bit only above a byte that matches.)
func plainRun(b []byte) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	n := 0
	for ; n+8 <= len(b); n += 8 {
		x := binary.LittleEndian.Uint64(b[n:])
		below, del := (x-ones*' ')&^x&highs, (x^ones*0x7f-ones)&^(x^ones*0x7f)&highs
		if below|del != 0 {
			break
		}
	}
	return n
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
