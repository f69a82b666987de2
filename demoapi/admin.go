package demoapi

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/http"
	"strings"
)

// adminAllowed reports whether r may use the admin endpoint: it comes from a
// loopback address, or carries the admin token as a bearer token.
//
// The check trusts r.RemoteAddr, so a reverse proxy on the same machine
// would make every caller look local; serve the demo API directly.
func (a *API) adminAllowed(r *http.Request) bool {
	if tok := a.opts.AdminToken; tok != "" {
		if got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok &&
			subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(tok)) == 1 {
			return true
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// faultJSON is a fault as the admin endpoint reads and writes it.
type faultJSON struct {
	Service string  `json:"service,omitempty"`
	Kind    string  `json:"kind"`
	Factor  float64 `json:"factor,omitempty"`
	Percent float64 `json:"percent,omitempty"`
	Text    string  `json:"text,omitempty"`
}

func (a *API) appendFaults(buf []byte) []byte {
	out := struct {
		Faults map[Service]faultJSON `json:"faults"`
	}{Faults: make(map[Service]faultJSON, numServices)}
	for s, f := range a.Faults() {
		out.Faults[s] = faultJSON{Kind: f.Kind.String(), Factor: f.Factor, Percent: f.Percent, Text: f.String()}
	}
	b, err := json.Marshal(out)
	if err != nil { // cannot happen: plain strings and finite floats
		return appendError(buf, err.Error())
	}
	return append(buf, b...)
}

func (a *API) adminGet(_ *http.Request, _ rolls, buf []byte) (int, []byte) {
	return http.StatusOK, a.appendFaults(buf)
}

func (a *API) adminClear(_ *http.Request, _ rolls, buf []byte) (int, []byte) {
	a.SetFault(All, Fault{})
	return http.StatusOK, a.appendFaults(buf)
}

func (a *API) adminSet(r *http.Request, _ rolls, buf []byte) (int, []byte) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return http.StatusUnsupportedMediaType, appendError(buf, "Content-Type must be application/json")
	}
	var in faultJSON
	if err := readJSON(r, buf, &in); err != nil {
		return badJSON(buf, err)
	}
	s, f, err := in.fault()
	if err != nil {
		return http.StatusBadRequest, appendError(buf, err.Error())
	}
	a.SetFault(s, f)
	return http.StatusOK, a.appendFaults(buf)
}

// fault validates an admin request.
func (in faultJSON) fault() (Service, Fault, error) {
	s, err := ParseService(in.Service)
	if err != nil {
		return "", Fault{}, err
	}
	k, err := ParseFaultKind(in.Kind)
	if err != nil {
		return "", Fault{}, err
	}
	if in.Factor < 0 || in.Factor > 1000 {
		return "", Fault{}, fmt.Errorf("factor %v out of range (0, 1000]", in.Factor)
	}
	if in.Percent < 0 || in.Percent > 100 {
		return "", Fault{}, fmt.Errorf("percent %v out of range (0, 100]", in.Percent)
	}
	return s, Fault{Kind: k, Factor: in.Factor, Percent: in.Percent}.normalized(), nil
}
