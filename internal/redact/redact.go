// Package redact masks secrets for display: the user info of URLs and API
// keys (or any credential). It is the one place the masking rule lives, so
// that a start line, an error, the event log and a report all show a
// secret the same way: never in full.
package redact

import "strings"

// Mask replaces a URL's user info.
const Mask = "xxxxx"

// URL masks the user info of a URL, whether or not it parses: everything
// before the last "@" of the authority becomes Mask, the user name too
// (a user name alone is often a token). A string without user info comes
// back unchanged.
func URL(s string) string {
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + len("://")
	}
	return maskAuthority(s, start, "/?#")
}

// Text masks the user info of every URL ("scheme://…") within s, such as
// an error message or an event that quotes one.
func Text(s string) string {
	for i := 0; ; {
		j := strings.Index(s[i:], "://")
		if j < 0 {
			return s
		}
		start := i + j + len("://")
		s = maskAuthority(s, start, "/?# \t\r\n\"'`")
		i = start
	}
}

// maskAuthority masks the user info of the authority that starts at
// s[start:] and ends at the first of the bytes in stop.
func maskAuthority(s string, start int, stop string) string {
	end := start + strings.IndexAny(s[start:], stop)
	if end < start {
		end = len(s)
	}
	at := strings.LastIndexByte(s[start:end], '@')
	if at < 0 || s[start:start+at] == Mask {
		return s
	}
	return s[:start] + Mask + s[start+at:]
}

// ShortSecret is the length below which Secret masks a secret entirely.
const ShortSecret = 16

// Secret masks an API key, a token or a password: one of ShortSecret
// characters or more shows its first 4 and last 3 characters (under half
// of it, enough to tell two keys apart); a shorter one shows nothing, not
// even its length.
func Secret(k string) string {
	r := []rune(k)
	switch {
	case len(r) == 0:
		return ""
	case len(r) < ShortSecret:
		return "****"
	}
	return string(r[:4]) + "…" + string(r[len(r)-3:])
}
