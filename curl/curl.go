// Package curl renders a request as a curl command a person can paste
// into a shell, with secrets replaced by references to environment
// variables so that the command still works where those are set.
package curl

import (
	"net/url"
	"strings"
)

// Header is one request header.
type Header struct {
	Name  string
	Value string
}

// Request is what Command renders.
type Request struct {
	Method string
	URL    string
	Header []Header
	Body   []byte
	// BodyTruncated says Body is only the start of what was sent.
	BodyTruncated bool
}

// Secret says how a sensitive header is shown: as a reference to the
// environment variable Env (so the command runs where it is set), or, with
// Env empty, as a placeholder.
type Secret struct {
	Header string
	Env    string
}

// DefaultSecrets are the headers never shown: the API key as $API_KEY,
// Authorization as $AUTHORIZATION, cookies as a placeholder.
var DefaultSecrets = []Secret{
	{"X-API-Key", "API_KEY"},
	{"Authorization", "AUTHORIZATION"},
	{"Proxy-Authorization", ""},
	{"Cookie", ""},
}

// Command renders r as a curl command. Headers named in secrets are
// replaced as Secret says, and a password in the URL's user info by
// $URL_PASSWORD; nothing else is changed. A truncated body is sent as
// what was kept, and the command says so in a trailing comment.
func Command(r Request, secrets []Secret) string {
	var b strings.Builder
	b.WriteString("curl")
	if r.Method != "" && r.Method != "GET" || r.Method == "GET" && len(r.Body) > 0 {
		if r.Method == "HEAD" {
			b.WriteString(" --head")
		} else {
			b.WriteString(" -X " + quote(r.Method))
		}
	}
	b.WriteString(" " + redactURL(r.URL))
	for _, h := range r.Header {
		b.WriteString(" -H ")
		if s, ok := secretFor(h.Name, secrets); ok {
			b.WriteString(secretArg(h.Name, s))
			continue
		}
		b.WriteString(quote(h.Name + ": " + h.Value))
	}
	if len(r.Body) > 0 {
		b.WriteString(" --data-binary " + quote(string(r.Body)))
	}
	if r.BodyTruncated {
		b.WriteString(" # body cut: only its start was kept")
	}
	return b.String()
}

func secretFor(name string, secrets []Secret) (Secret, bool) {
	for _, s := range secrets {
		if strings.EqualFold(s.Header, name) {
			return s, true
		}
	}
	return Secret{}, false
}

// secretArg is a header argument whose value the shell takes from the
// environment ("X-API-Key: $API_KEY" in double quotes), or a placeholder.
func secretArg(name string, s Secret) string {
	if s.Env == "" {
		return quote(name + ": <redacted>")
	}
	return `"` + name + `: $` + s.Env + `"`
}

// redactURL quotes u, with a password in its user info replaced by a
// reference to $URL_PASSWORD.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.User == nil {
		return quote(u)
	}
	if _, has := p.User.Password(); !has {
		return quote(u)
	}
	p.User = url.UserPassword(p.User.Username(), "PASSWORD")
	s := p.String()
	i := strings.Index(s, ":PASSWORD@")
	return quote(s[:i+1]) + `"$URL_PASSWORD"` + quote(s[i+len(":PASSWORD"):])
}

// quote makes s one shell word: single-quoted, with single quotes
// closed, escaped and reopened; words of safe characters stay bare.
func quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
