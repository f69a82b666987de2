package transport

import (
	"bytes"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// hostMap is H1's connection pools, one per scheme and host, made on
// first use. Lookups share a read lock. A host is keyed as hostKey spells
// it, so every spelling of one host and port (Example.com, example.com:80)
// shares one pool, and with it the bound on its connections.
//
// A pool leaves the map once unused for the idle time (hostPool.clean),
// so a scenario that makes up host names does not grow the map without
// end. A request may have looked the pool up just before: clean marks a
// pool as evicted under its own lock before taking it out of the map, and
// a request that meets a marked pool removes it (if still there) and
// looks again, getting a new one.
type hostMap struct {
	mu sync.RWMutex
	m  [2]map[string]*hostPool // [0] http, [1] https
}

// get returns the pool for a scheme and host (a URL's authority), made by
// newPool with the host's key (hostKey) if new.
func (hm *hostMap) get(isTLS bool, host []byte, newPool func(key string, isTLS bool) *hostPool) *hostPool {
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
			hm.m[i] = map[string]*hostPool{}
		}
		k := string(key)
		v = newPool(k, isTLS)
		hm.m[i][k] = v
	}
	return v
}

// remove takes v, made for key, out of the map, unless another pool has
// replaced it.
func (hm *hostMap) remove(isTLS bool, key string, v *hostPool) {
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

// each calls f for every pool.
func (hm *hostMap) each(f func(*hostPool)) {
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
