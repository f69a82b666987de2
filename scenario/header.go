package scenario

import "strings"

// ValidHeaderName reports whether s is an HTTP field name: an RFC 9110
// token (letters, digits and !#$%&'*+-.^_`|~), so that no name can end a
// header line early or start another.
func ValidHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// ValidHeaderValue reports whether v can be sent as an HTTP field value:
// no control character but the tab (no CR, LF or NUL that would end the
// header line and inject another), and no DEL. The engine calls it on a
// value rendered from a per-user variable or a pool (captured from a
// response) before it is sent; values known at load time are checked by
// Load.
func ValidHeaderValue[T string | []byte](v T) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// validPathText reports whether s can be part of a request target: no
// control character and no space, which would end the request line.
func validPathText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}
