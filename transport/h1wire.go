package transport

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// The request side of HTTP/1.1, as H1 writes it.

// appendRequest appends r as sent to auth (the URL's authority, after any
// user info) with target (path and query) to dst: request line, Host,
// the caller's fields, User-Agent and Authorization unless given, the
// body's length and the body.
func appendRequest(dst []byte, r *Request, auth, target, userinfo []byte) ([]byte, error) {
	if !validToken([]byte(r.Method)) {
		return dst, fmt.Errorf("invalid method %.40q", r.Method)
	}
	dst = append(dst, r.Method...)
	dst = append(dst, ' ')
	dst = appendTarget(dst, target)
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	if host, ok := r.Header.Get("Host"); ok {
		dst = appendValue(dst, host)
	} else if z := ipv6Zone(auth); z >= 0 {
		dst = withoutZone(dst, auth, z)
	} else {
		dst = append(dst, auth...)
	}
	dst = append(dst, "\r\n"...)
	var hasUA, hasAuth bool
	for i := range r.Header.Len() {
		name, value := r.Header.Field(i)
		switch {
		case equalFold(name, "Host"), equalFold(name, "Content-Length"), equalFold(name, "Transfer-Encoding"):
			continue // the Host line is written; the body frames itself
		case equalFold(name, "User-Agent"):
			hasUA = true
		case equalFold(name, "Authorization"):
			hasAuth = true
		}
		if !validToken(name) {
			return dst, fmt.Errorf("invalid header field name %.40q", name)
		}
		dst = append(dst, name...)
		dst = append(dst, ':', ' ')
		dst = appendValue(dst, value)
		dst = append(dst, '\r', '\n')
	}
	if !hasUA {
		dst = append(dst, "User-Agent: "+userAgent+"\r\n"...)
	}
	if userinfo != nil && !hasAuth {
		dst = appendBasicAuth(dst, userinfo)
	}
	if len(r.Body) > 0 || bodyMethod(r.Method) {
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(r.Body)), 10)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "\r\n"...)
	return append(dst, r.Body...), nil
}

// appendValue appends a field value with its control characters (but
// tab) turned into spaces, so that a captured value cannot add a field or
// end the header.
func appendValue(dst, v []byte) []byte {
	start := len(dst)
	dst = append(dst, v...)
	for i, c := range dst[start:] {
		if c < ' ' && c != '\t' || c == 0x7f {
			dst[start+i] = ' '
		}
	}
	return dst
}

// appendBasicAuth appends an Authorization field for a URL's user info,
// which is percent-encoded as the URL wrote it.
func appendBasicAuth(dst, userinfo []byte) []byte {
	dst = append(dst, "Authorization: Basic "...)
	if bytes.IndexByte(userinfo, '%') >= 0 {
		if u, err := url.PathUnescape(string(userinfo)); err == nil {
			userinfo = []byte(u)
		}
	}
	dst = base64.StdEncoding.AppendEncode(dst, userinfo)
	return append(dst, "\r\n"...)
}

// bodyMethod says whether a request with method carries a body by
// nature: without one it says Content-Length: 0, as net/http does (some
// servers answer 411 Length Required otherwise).
func bodyMethod(method string) bool {
	switch method {
	case "POST", "PUT", "PATCH":
		return true
	}
	return false
}

// appendTarget appends a request target, percent-encoding what may not
// appear in a request line (controls, spaces, bytes beyond ASCII): a value
// captured from a response and put into a path unescaped cannot split the
// request or add a header. An empty path is "/".
func appendTarget(dst, target []byte) []byte {
	const hex = "0123456789ABCDEF"
	if len(target) == 0 || target[0] == '?' {
		dst = append(dst, '/')
	}
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
// flag, its user info, its authority (host and port) and its request
// target (path and query, without the fragment; appendTarget writes an
// empty path as "/"). Its errors never quote the user info.
func splitURL(u []byte) (isTLS bool, userinfo, host, target []byte, err error) {
	switch {
	case len(u) >= 7 && bytes.EqualFold(u[:7], []byte("http://")):
		u = u[7:]
	case len(u) >= 8 && bytes.EqualFold(u[:8], []byte("https://")):
		u, isTLS = u[8:], true
	default:
		scheme, _, _ := strings.Cut(string(truncate(u, 20)), ":")
		return false, nil, nil, nil, fmt.Errorf("unsupported protocol %q (want http:// or https://)", scheme)
	}
	end := bytes.IndexAny(u, "/?#")
	if end < 0 {
		end = len(u)
	}
	host, target = u[:end], u[end:]
	if at := bytes.LastIndexByte(host, '@'); at >= 0 {
		userinfo, host = host[:at], host[at+1:]
	}
	if len(host) == 0 || host[0] == ':' || bytes.HasPrefix(host, []byte("[]")) {
		return false, nil, nil, nil, fmt.Errorf("no host in the URL")
	}
	for _, c := range host {
		if c <= ' ' || c >= 0x7f {
			return false, nil, nil, nil, fmt.Errorf("invalid host %.60q", host)
		}
	}
	if z := ipv6Zone(host); z >= 0 {
		if _, ok := decodeZone(host[z+1 : bytes.IndexByte(host, ']')]); !ok {
			return false, nil, nil, nil, fmt.Errorf("invalid IPv6 zone in %.60q", host)
		}
	}
	if i := bytes.IndexByte(target, '#'); i >= 0 {
		target = target[:i]
	}
	return isTLS, userinfo, host, target, nil
}

// origin is a caller's last URL, split (splitURL), and the pool its host
// had: a caller sending to one URL again splits it and finds its pool
// once. An evicted pool fails its get, and H1.conn looks the host up again.
type origin struct {
	url                    []byte // a copy; the slices below are of it
	isTLS                  bool
	userinfo, auth, target []byte
	pool                   *hostPool // nil: look it up
}

// split splits u into o, or keeps o when u is its URL.
func (o *origin) split(u []byte) error {
	if o.url != nil && bytes.Equal(u, o.url) {
		return nil
	}
	o.url, o.pool = append(o.url[:0], u...), nil
	var err error
	if o.isTLS, o.userinfo, o.auth, o.target, err = splitURL(o.url); err != nil {
		o.url = nil // a URL that failed is split again, and fails again
		return err
	}
	return nil
}

// validToken reports whether b is an HTTP token (RFC 9110 5.6.2): a
// method or a field name.
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

func truncate(b []byte, n int) []byte { return b[:min(len(b), n)] }
