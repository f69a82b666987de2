package scenario

import (
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"

	"github.com/trafficgen/trafficgen/check"
)

// Request is one HTTP request of a scenario: an endpoint of the random mix or
// a step of a journey. It is immutable; per-request state lives in the Env.
type Request struct {
	// Name labels the request (journey failures are shown by step name);
	// it defaults to Route.
	Name string
	// Method is the HTTP method, upper case.
	Method string
	// Route is the stats key: Method, a space, and the path with each
	// action shown as {id} (e.g. "GET /api/users/{id}"), unless the
	// scenario gives route: explicitly.
	Route string
	// Path is rendered and appended to the target's base URL.
	Path *Template
	// Body is the request body; nil means none.
	Body *Template
	// Headers are this request's own headers, sent after the scenario's.
	Headers []Header
	// Weight is the endpoint's share of the random mix; 0 for journey steps.
	Weight float64
	// Checks are the response checks (checks:): an answer that fails one
	// counts as a check failure on the route. FailStep has bit i set when
	// a failure of Checks[i] fails the journey step (fail_step:).
	Checks   check.List
	FailStep uint64

	ifSet, ifUnset string
	unset          []string     // variables to forget when the step fails
	paths          []string     // distinct gjson paths Apply extracts
	labels         []string     // per path: what extracts it, for errors
	vars           []varCapture // per-user variables set from paths
	saves          []poolSave   // records added to pools
	release        int          // 1 + pool index whose picked id a success removes; 0 = none
	declined       *outcome
	checkHeaders   []string // the response headers Checks read
	checkBody      bool     // Checks read the body
}

type varCapture struct {
	name string
	path int // index into paths
}

type poolSave struct {
	pool   int
	fields []int // per pool field: index into paths, or -1 (saved as "")
}

// outcome is a business rule on a successful response: declined when the
// value at path equals one of values.
type outcome struct {
	path   string
	values []string
}

// Runs reports whether the request should run for this virtual user: a step
// with if_set runs only when that variable is set, one with if_unset only
// when it is not. Requests without a condition always run.
func (r *Request) Runs(env *Env) bool {
	if r.ifSet != "" {
		if _, ok := env.Vars[r.ifSet]; !ok {
			return false
		}
	}
	if r.ifUnset != "" {
		if _, ok := env.Vars[r.ifUnset]; ok {
			return false
		}
	}
	return true
}

// ReadsBody reports whether Apply or the checks look at the response
// body (captures, a declined: rule, a body or JSON check); the client
// keeps the body only then, and reads every other one to the end without
// holding it.
func (r *Request) ReadsBody() bool { return len(r.paths) > 0 || r.declined != nil || r.checkBody }

// Apply processes a successful (200–399) response body. It removes the id
// this request picked from its pool when the request is a release: step (a
// delete), extracts the captures into env.Vars (journey steps) and saves
// records into id pools, then evaluates the declined: rule.
//
// A non-nil error (a captured field missing, the body not JSON) means the
// journey fails at this step; its message says why, e.g.
// `capture "orderId": no "id" in response`. Apply costs at most one
// allocation (the captured values share one string), none without captures.
func (r *Request) Apply(body []byte, env *Env) (declined bool, err error) {
	if r.release > 0 {
		i := r.release - 1
		if id := env.picks[i][0]; id != "" && env.have[i] {
			env.run.pools[i].remove(id)
		}
	}
	if len(r.paths) == 0 && r.declined == nil {
		return false, nil
	}
	js := unsafe.String(unsafe.SliceData(body), len(body))
	if len(r.paths) > 0 {
		vals := env.vals[:0]
		buf := env.buf[:0]
		for i, p := range r.paths {
			res := gjson.Get(js, p)
			if !res.Exists() {
				env.vals, env.buf = vals, buf
				if !gjson.Valid(js) {
					return false, fmt.Errorf("%s: response is not valid JSON", r.labels[i])
				}
				return false, fmt.Errorf("%s: no %s in response", r.labels[i], strconv.Quote(p))
			}
			v := res.Raw
			if res.Type == gjson.String {
				v = res.Str
			}
			buf = append(buf, v...)
			vals = append(vals, v) // points into body until copied below
		}
		// One allocation holds every captured value; each is a slice of it.
		all := string(buf)
		off := 0
		for i, v := range vals {
			vals[i] = all[off : off+len(v)]
			off += len(v)
		}
		env.vals, env.buf = vals, buf
		if env.Vars != nil {
			for _, c := range r.vars {
				env.Vars[c.name] = vals[c.path]
			}
		}
		for _, sv := range r.saves {
			rec := env.rec[:len(sv.fields)]
			for f, pi := range sv.fields {
				if pi >= 0 {
					rec[f] = vals[pi]
				} else {
					rec[f] = ""
				}
			}
			env.run.pools[sv.pool].add(rec)
		}
	}
	if d := r.declined; d != nil {
		got := gjson.Get(js, d.path).String()
		for _, v := range d.values {
			if got == v {
				return true, nil
			}
		}
	}
	return false, nil
}

// Fail tells the request that it failed for this virtual user (transport
// error, a status outside 200–399, or an error from Apply). It forgets the
// variables the step lists in unset_on_failure:, so that a get-or-create
// journey whose user vanished creates a new one next time.
func (r *Request) Fail(env *Env) {
	for _, v := range r.unset {
		delete(env.Vars, v)
	}
}

// CheckHeaders lists the response headers the request's checks read:
// the client keeps those, and no others.
func (r *Request) CheckHeaders() []string { return r.checkHeaders }

// IfSet returns the variable a step requires to be set, or "".
func (r *Request) IfSet() string { return r.ifSet }

// IfUnset returns the variable a step requires to be unset, or "".
func (r *Request) IfUnset() string { return r.ifUnset }

// checkPath reports why a gjson path can never match anything, or "" if it
// is well formed. It catches JSONPath habits ($.a, a[0]) and syntax slips.
func checkPath(p string) string {
	if strings.TrimSpace(p) == "" {
		return "empty JSON path"
	}
	if p[0] == '$' {
		return fmt.Sprintf("%q is JSONPath; gjson paths have no $ (write %q)", p, strings.TrimPrefix(strings.TrimPrefix(p, "$"), "."))
	}
	var stack []byte
	prevSep := true // at the start of a component
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch c {
		case '\\':
			if i+1 >= len(p) {
				return "JSON path ends in a lone backslash"
			}
			i++
			prevSep = false
			continue
		case '"':
			if len(stack) == 0 {
				break
			}
			j := i + 1
			for ; j < len(p) && p[j] != '"'; j++ {
				if p[j] == '\\' {
					j++
				}
			}
			if j >= len(p) {
				return "unterminated string in JSON path query"
			}
			i = j
			continue
		case '(', '[', '{':
			if c == '[' && len(stack) == 0 && !prevSep {
				return fmt.Sprintf("%q: gjson indexes arrays with a dot (items.0), not brackets", p)
			}
			stack = append(stack, c)
		case ')', ']', '}':
			open := map[byte]byte{')': '(', ']': '[', '}': '{'}[c]
			if len(stack) == 0 || stack[len(stack)-1] != open {
				return fmt.Sprintf("unbalanced %q in JSON path", string(c))
			}
			stack = stack[:len(stack)-1]
		case '.', '|':
			if len(stack) == 0 {
				if prevSep && i > 0 || i == 0 {
					return fmt.Sprintf("empty component in JSON path %q", p)
				}
				if i == len(p)-1 {
					return fmt.Sprintf("JSON path %q ends in %q", p, string(c))
				}
				prevSep = true
				continue
			}
		case '@':
			if len(stack) == 0 && prevSep && !gjson.DisableModifiers {
				j := i + 1
				for j < len(p) && p[j] != ':' && p[j] != '.' && p[j] != '|' {
					j++
				}
				if name := p[i+1 : j]; !gjson.ModifierExists(name, nil) {
					return fmt.Sprintf("unknown gjson modifier @%s", name)
				}
			}
		}
		prevSep = false
	}
	if len(stack) > 0 {
		return fmt.Sprintf("unclosed %q in JSON path", string(stack[len(stack)-1]))
	}
	return ""
}
