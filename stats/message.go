package stats

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trafficgen/trafficgen/internal/redact"
)

// MaxMessage bounds an error message as stats keeps it, in characters: a
// server's bytes may end up in one.
const MaxMessage = 200

// message says why f failed: its error's message, else its HTTP status.
// The method and URL net/http puts before its errors are left out: the
// route says where the request went.
func (f failure) message() string {
	switch {
	case f.err != nil:
		var ue *url.Error
		if errors.As(f.err, &ue) && ue.Err != nil {
			return Clean(ue.Err.Error())
		}
		return Clean(f.err.Error())
	case f.code > 0:
		if text := http.StatusText(f.code); text != "" {
			return strconv.Itoa(f.code) + " " + text
		}
		return strconv.Itoa(f.code)
	}
	return ""
}

// Clean makes a message safe to print and to store: the user info of
// any URL in it masked, control characters (a terminal's escape
// sequences, line breaks, bidirectional overrides) and invalid UTF-8
// replaced, and at most
// MaxMessage characters long.
func Clean(s string) string {
	s = strings.ToValidUTF8(redact.Text(s), "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= MaxMessage {
		return s
	}
	r := []rune(s)
	return string(r[:MaxMessage-1]) + "…"
}
