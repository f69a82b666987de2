package loadgen

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// staleRetry says whether to send a request again (up to maxStale times)
// after err, when no byte of its answer arrived: an
// idempotent request whose connection gave an orderly close before a byte
// of the answer, within staleWithin of sending, is taken to have met a
// keep-alive connection the server closed while it was idle (net/http
// retries those too); so is a reset or broken pipe that soon (the request
// hit the closed socket). A timeout, a partial answer, or a close or
// reset after the server took its time is reported, never retried, so the
// server sees exactly the requests counted.
// closed says err is such a close (the client's own error for one counts
// too).
func staleRetry(method []byte, err error, closed bool, took time.Duration) bool {
	if took > staleWithin || !(closed || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)) {
		return false
	}
	switch string(method) {
	case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return true
	}
	return false
}

// staleWithin bounds how soon a dead keep-alive connection fails: on
// loopback the close is read microseconds after the write, but the
// worker may wait that long for a CPU (10 ms was exceeded once under
// go test -race on two cores, and the request, which the server never
// saw, was counted as a reset). maxStale bounds the resends of one
// request, and maxUnsent the tries on connections found dead before
// writing.
const (
	staleWithin = 50 * time.Millisecond
	maxStale    = 4
	maxUnsent   = 64
)

// trackedConn leaves the client's set of open connections when closed.
//
// It also does for H1Client and fasthttp what net/http's idle reader
// does: before a request is written to a kept-alive connection that has
// been idle for a while, it checks (a non-blocking peek) that the server
// has neither closed it nor sent anything on it meanwhile. A dead one fails the write with errStaleConn before a byte
// is sent, and send tries the request again on another connection: the
// server never saw it, so nothing is resent. Without the check the request
// would be written into the closed connection, and whether the server read
// it could not be known.
type trackedConn struct {
	net.Conn
	set  *connSet
	once sync.Once

	peek      *peeker   // nil where the connection cannot be peeked
	rx        *rxReader // nil where receive timestamps are unavailable
	addr      connAddr  // what LocalAddr returns: the address, and c
	read      bool      // a Read since the last Write: the next Write starts a request
	lastWrite time.Time // when the last request started
	// tlsAbove says TLS runs over the connection: bytes waiting on it
	// while idle may be the TLS layer's own (a session ticket that came
	// after the handshake's last read), so only a close makes it
	// unusable; a close_notify before the close is then met by
	// staleRetry.
	tlsAbove bool
}

// connAddr is a connection's local address that also leads back to the
// connection: fasthttp hands it to the response (Response.LocalAddr),
// which is how doFast finds the connection that answered, and its receive
// time, without fasthttp knowing.
type connAddr struct {
	net.Addr
	c *trackedConn
}

// errStaleConn fails a write to a kept-alive connection the server had
// closed (or sent something on) while it was idle; nothing was sent.
var errStaleConn = errors.New("kept-alive connection closed by the server while idle")

// staleCheckAfter is how long a connection must have been idle (since its
// last request started) for the next request to peek at it first. Busy
// connections skip the system call; on them a close races the request
// anyway, and staleRetry resends (and counts) it.
const staleCheckAfter = 10 * time.Millisecond

func (c *trackedConn) Read(b []byte) (int, error) {
	c.read = true
	if c.rx != nil {
		return c.rx.read(c.Conn, b)
	}
	return c.Conn.Read(b)
}

func (c *trackedConn) Write(b []byte) (int, error) {
	if c.read {
		c.read = false
		now := time.Now()
		if c.peek != nil && now.Sub(c.lastWrite) >= staleCheckAfter && c.peek.unusable(!c.tlsAbove) {
			return 0, errStaleConn
		}
		c.lastWrite = now
		if c.rx != nil {
			c.rx.reset()
		}
	}
	return c.Conn.Write(b)
}

func (c *trackedConn) LocalAddr() net.Addr { return &c.addr }

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.set.mu.Lock()
		delete(c.set.m, c)
		c.set.mu.Unlock()
	})
	return c.Conn.Close()
}

// rawConn returns c's raw socket, for the peek and the receive
// timestamps, or nil when c has none.
func rawConn(c net.Conn) syscall.RawConn {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}

// connSet is a client's open connections, for Abort.
type connSet struct {
	mu sync.Mutex
	m  map[net.Conn]struct{}
}

// track wraps a new connection, and adds it to the set until it closes.
func (s *connSet) track(c net.Conn) *trackedConn {
	raw := rawConn(c)
	tc := &trackedConn{Conn: c, set: s, peek: newPeeker(raw), rx: newRxReader(raw), lastWrite: time.Now()}
	tc.addr = connAddr{Addr: c.LocalAddr(), c: tc}
	s.mu.Lock()
	if s.m == nil {
		s.m = map[net.Conn]struct{}{}
	}
	s.m[tc] = struct{}{}
	s.mu.Unlock()
	return tc
}

// closeAll closes every connection in the set, failing the requests on
// them at once.
func (s *connSet) closeAll() {
	s.mu.Lock()
	conns := make([]net.Conn, 0, len(s.m))
	for c := range s.m {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// hostMap is a client's per-host state, one per scheme and host, made on
// first use. Lookups share a read lock. A host is keyed as hostKey
// spells it, so every spelling of one host and port (Example.com,
// example.com:80) shares one entry, and with it one pool of at most
// maxConns connections.
//
// The clients remove a host's entry (remove) once it has been unused for
// their idle time, so a scenario that makes up host names does not grow
// the map without end. A request may have looked the entry up just
// before: each client marks an entry as removed, under the entry's own
// lock or atomically with the entry's use, before taking it out of the
// map, and a request that meets a marked entry removes it (if still
// there) and looks again, getting a new one.
type hostMap[T any] struct {
	mu sync.RWMutex
	m  [2]map[string]*T // [0] http, [1] https
}

// get returns the state for a scheme and host (a URL's authority), made
// by newT, with the host's key (hostKey), if new.
func (hm *hostMap[T]) get(isTLS bool, host []byte, newT func(key string, isTLS bool) *T) *T {
	i := 0
	if isTLS {
		i = 1
	}
	var buf [64]byte // a key lower-cased here stays on the stack
	key := hostKey(buf[:0], host, isTLS)
	hm.mu.RLock()
	v := hm.m[i][string(key)]
	hm.mu.RUnlock()
	if v != nil {
		return v
	}
	hm.mu.Lock()
	defer hm.mu.Unlock()
	if v = hm.m[i][string(key)]; v == nil {
		if hm.m[i] == nil {
			hm.m[i] = map[string]*T{}
		}
		k := string(key)
		v = newT(k, isTLS)
		hm.m[i][k] = v
	}
	return v
}

// remove takes v, made for key, out of the map, unless another state
// has replaced it.
func (hm *hostMap[T]) remove(isTLS bool, key string, v *T) {
	i := 0
	if isTLS {
		i = 1
	}
	hm.mu.Lock()
	if hm.m[i][key] == v {
		delete(hm.m[i], key)
	}
	hm.mu.Unlock()
}

// each calls f for every host's state.
func (hm *hostMap[T]) each(f func(*T)) {
	hm.mu.RLock()
	defer hm.mu.RUnlock()
	for _, m := range hm.m {
		for _, v := range m {
			f(v)
		}
	}
}

// hostKey returns a URL's authority (host[:port], without user info) as
// hostMap's key: lower-cased (ASCII), without an empty port or the
// scheme's default one (:80 for http, :443 for https), a port's leading
// zeros dropped (080 is 80, as the dialler reads it). An IPv6 literal
// keeps its brackets, and its zone (after %) its case: interface names
// are case-sensitive. A host with more than one colon outside brackets
// is not a host and port, and keeps them.
//
// An authority already so spelt (the common case) is returned as it is,
// and one with only a port to drop as a slice of it: only one with an
// upper-case letter in its host or a zero to drop from its port is
// copied, appended to dst.
func hostKey(dst, auth []byte, isTLS bool) []byte {
	end := len(auth) // of the host, before any port
	lower := len(auth)
	if len(auth) > 0 && auth[0] == '[' {
		if i := bytes.IndexByte(auth, ']'); i > 0 {
			end = i + 1
			if z := bytes.IndexByte(auth[:i], '%'); z > 0 {
				lower = z
			}
		}
	} else if i := bytes.IndexByte(auth, ':'); i >= 0 && i == bytes.LastIndexByte(auth, ':') {
		end = i
	}
	host, port := auth, []byte(nil)
	if end < len(auth) && auth[end] == ':' {
		host, port = auth[:end], auth[end+1:]
		if digits(port) {
			for len(port) > 1 && port[0] == '0' {
				port = port[1:]
			}
		}
		def := "80"
		if isTLS {
			def = "443"
		}
		if len(port) == 0 || string(port) == def {
			port = nil
		}
	}
	lower = min(lower, len(host))
	upper := slices.ContainsFunc(host[:lower], func(c byte) bool { return 'A' <= c && c <= 'Z' })
	switch {
	case !upper && port == nil:
		return host
	case !upper && len(host)+1+len(port) == len(auth):
		return auth // the port as written
	}
	n := len(dst)
	dst = append(dst, host...)
	for j := n; j < n+lower; j++ {
		if c := dst[j]; 'A' <= c && c <= 'Z' {
			dst[j] = c + 'a' - 'A'
		}
	}
	if port != nil {
		dst = append(dst, ':')
		dst = append(dst, port...)
	}
	return dst
}

// digits says s is a decimal number.
func digits(s []byte) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(s) > 0
}

// ipv6Zone returns where the zone of an IPv6 literal starts in an
// authority (the % of "[fe80::1%25eth0]:80"), or -1 if it has none.
func ipv6Zone(auth []byte) int {
	if len(auth) == 0 || auth[0] != '[' {
		return -1
	}
	end := bytes.IndexByte(auth, ']')
	if end < 0 {
		return -1
	}
	return bytes.IndexByte(auth[:end], '%')
}

// zoneDecoded returns auth, whose zone starts at z (ipv6Zone), with the
// zone as the dialler takes it (decodeZone); splitURL has checked it.
func zoneDecoded(auth []byte, z int) []byte {
	end := bytes.IndexByte(auth, ']')
	zone, _ := decodeZone(auth[z+1 : end])
	return slices.Concat(auth[:z+1], []byte(zone), auth[end:])
}

// decodeZone returns an IPv6 zone, as written after the %, as the dialler
// takes it: a URL writes the % as %25 and may escape the zone's other
// bytes (RFC 6874); a bare % is taken as it is, as curl does. It says
// false for a zone that names nothing: empty, an escape cut short, or a
// byte that cannot be in an interface's name or would end the brackets.
func decodeZone(zone []byte) (string, bool) {
	s := string(zone)
	if strings.HasPrefix(s, "25") {
		d, err := url.PathUnescape(s[2:])
		if err != nil {
			return "", false
		}
		s = d
	}
	bad := func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune("%[]", r) }
	return s, s != "" && !strings.ContainsFunc(s, bad)
}

// withoutZone returns auth without its zone (starting at z, ipv6Zone):
// the zone names an interface of the sender's, and is not sent in Host
// (RFC 6874, section 4), as net/http does not send it.
func withoutZone(dst, auth []byte, z int) []byte {
	dst = append(dst, auth[:z]...)
	return append(dst, auth[bytes.IndexByte(auth, ']'):]...)
}
