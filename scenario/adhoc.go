package scenario

import (
	"fmt"
	"math"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"

	"github.com/trafficgen/trafficgen/internal/redact"
)

// AdHoc describes curl-style requests given on the command line:
// trafficgen -X POST -H 'Name: value' -d BODY URL[@weight] ...
type AdHoc struct {
	// URLs are absolute http(s) URLs, each optionally followed by
	// @weight (default 1).
	URLs []string
	// Method defaults to GET, or POST when Body is set (as curl does).
	Method string
	// Headers are "Name: value" lines.
	Headers []string
	// Body is sent with every request; "" sends none.
	Body string
}

// FromAdHoc builds a scenario of an open-model mix over the given URLs,
// without journeys. Values are sent as given: no template actions are
// interpreted in them.
func FromAdHoc(a AdHoc) (*Scenario, error) {
	if len(a.URLs) == 0 {
		return nil, fmt.Errorf("no URL given")
	}
	method := strings.ToUpper(strings.TrimSpace(a.Method))
	if method == "" {
		method = "GET"
		if a.Body != "" {
			method = "POST"
		}
	}
	for _, c := range method {
		if c < 'A' || c > 'Z' {
			return nil, fmt.Errorf("-X %q: not an HTTP method", a.Method)
		}
	}
	s := &Scenario{Name: "command line", Think: Range{Min: 2e9, Max: 5e9}}
	for _, h := range a.Headers {
		hd, err := ParseHeader(h)
		if err != nil {
			return nil, fmt.Errorf("-H: %w", err)
		}
		s.Headers = append(s.Headers, hd)
	}
	for _, raw := range a.URLs {
		u, weight, err := splitWeight(raw)
		if err != nil {
			return nil, err
		}
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return nil, fmt.Errorf("%q: want an absolute http:// or https:// URL", redact.URL(u))
		}
		if !validPathText(u) {
			return nil, fmt.Errorf("%q: a space or control character in the URL: escape it (%%20)", redact.URL(u))
		}
		path := pu.EscapedPath()
		if path == "" {
			path = "/"
		}
		r := &Request{
			Method: method, Path: Literal(u), Weight: weight,
			Route: method + " " + path,
		}
		if len(a.URLs) > 1 && hostsDiffer(a.URLs) {
			r.Route = method + " " + pu.Host + path
		}
		r.Name = r.Route
		if a.Body != "" {
			r.Body = Literal(a.Body)
		}
		s.Endpoints = append(s.Endpoints, r)
	}
	return s, nil
}

// ParseHeader reads a "Name: value" header as curl's -H takes it. The name
// must be an RFC 9110 token and the value free of control characters, so
// that nothing given can inject a header line; the error names the header
// but never quotes its value (it may be a credential).
func ParseHeader(h string) (Header, error) {
	name, value, ok := strings.Cut(h, ":")
	name = strings.TrimSpace(name)
	switch {
	case !ok:
		return Header{}, fmt.Errorf("want 'Name: value', got no colon")
	case !ValidHeaderName(name):
		return Header{}, fmt.Errorf("%q is not a header name (letters, digits and !#$%%&'*+-.^_`|~ only)", name)
	}
	value = strings.TrimSpace(value)
	if !ValidHeaderValue(value) {
		return Header{}, fmt.Errorf("the value of %s has a control character (CR, LF, NUL, …), which would end the header line", name)
	}
	return Header{Name: textproto.CanonicalMIMEHeaderKey(name), Value: Literal(value)}, nil
}

// splitWeight splits "URL@3" into the URL and its weight. An @ that is
// part of the URL (user info) is left alone: only a numeric suffix after
// the last @ counts as a weight.
func splitWeight(raw string) (string, float64, error) {
	i := strings.LastIndexByte(raw, '@')
	if i < 0 {
		return raw, 1, nil
	}
	w, err := strconv.ParseFloat(raw[i+1:], 64)
	if err != nil {
		return raw, 1, nil
	}
	if w <= 0 || math.IsInf(w, 0) || math.IsNaN(w) {
		return "", 0, fmt.Errorf("%q: weight must be a number > 0", redact.URL(raw))
	}
	return raw[:i], w, nil
}

func hostsDiffer(urls []string) bool {
	var first string
	for i, raw := range urls {
		u, _, _ := splitWeight(raw)
		pu, err := url.Parse(u)
		if err != nil {
			continue
		}
		if i == 0 {
			first = pu.Host
		} else if pu.Host != first {
			return true
		}
	}
	return false
}
