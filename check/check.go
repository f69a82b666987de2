// Package check holds response checks: assertions on a response's status,
// headers and body (substrings, sizes, and JSON paths in gjson syntax) that
// turn an answer with the wrong content into a counted failure, and Shape,
// which learns the JSON shape of a route's answers and notices when it
// drifts. It knows nothing of the engine: a check reads a Response and says
// pass or fail.
package check

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"
)

// Response is what a check reads.
type Response struct {
	Status int
	// Body is the response body as kept by the client; Truncated says the
	// body was longer (a body check that needs the whole body then fails).
	Body      []byte
	Truncated bool
	// Header holds the response headers the checks read (ReadsHeaders,
	// HeaderNames); nil means none were kept.
	Header HeaderReader
}

// HeaderReader returns the first value of a response header, and whether
// it was present (transport.Header is one).
type HeaderReader interface {
	Get(name string) ([]byte, bool)
}

// Check is one compiled assertion. Its zero value is not usable: build one
// with Status, Header, Body*, JSON or Parse*.
type Check struct {
	// Name identifies the check in counts and messages: the name the user
	// gave it, or its expression.
	Name string

	reads  reads
	header string // the header a header check reads
	pass   func(*Response) bool
}

// reads says which parts of a response a check needs.
type reads uint8

const (
	readsBody reads = 1 << iota
	readsHeaders
)

// Pass reports whether r passes c.
func (c *Check) Pass(r *Response) bool { return c.pass(r) }

// ReadsBody reports whether c needs the response body.
func (c *Check) ReadsBody() bool { return c.reads&readsBody != 0 }

// ReadsHeaders reports whether c needs the response headers.
func (c *Check) ReadsHeaders() bool { return c.reads&readsHeaders != 0 }

// MaxPerRequest bounds the checks of one request, so that Eval can report
// which failed in one word.
const MaxPerRequest = 64

// List is the checks of one request, in order.
type List []Check

// Eval runs every check and returns a bit set of those that failed (bit i
// for l[i]); zero means all passed.
func (l List) Eval(r *Response) uint64 {
	var failed uint64
	for i := range l {
		if !l[i].pass(r) {
			failed |= 1 << i
		}
	}
	return failed
}

// ReadsBody reports whether any check needs the response body.
func (l List) ReadsBody() bool {
	for i := range l {
		if l[i].ReadsBody() {
			return true
		}
	}
	return false
}

// ReadsHeaders reports whether any check needs the response headers.
func (l List) ReadsHeaders() bool {
	for i := range l {
		if l[i].ReadsHeaders() {
			return true
		}
	}
	return false
}

// Has reports whether l holds a check named name.
func (l List) Has(name string) bool {
	return slices.ContainsFunc(l, func(c Check) bool { return c.Name == name })
}

// HeaderNames lists the headers the checks read, each once.
func (l List) HeaderNames() []string {
	var out []string
	for i := range l {
		if h := l[i].header; h != "" && !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, h) }) {
			out = append(out, h)
		}
	}
	return out
}

// Validate checks that l fits in one Eval.
func (l List) Validate() error {
	if len(l) > MaxPerRequest {
		return fmt.Errorf("%d checks on one request; at most %d", len(l), MaxPerRequest)
	}
	return nil
}

// StatusRange is a closed range of status codes.
type StatusRange struct{ Lo, Hi int }

// Status passes when the status is in one of the ranges.
func Status(name string, ranges []StatusRange) Check {
	rs := append([]StatusRange(nil), ranges...)
	return Check{Name: name, pass: func(r *Response) bool {
		for _, s := range rs {
			if r.Status >= s.Lo && r.Status <= s.Hi {
				return true
			}
		}
		return false
	}}
}

// BodyContains passes when the body contains s (or, with not, does not).
// A truncated body that does not show s fails either way: what was not
// read cannot be vouched for.
func BodyContains(name, s string, not bool) Check {
	sub := []byte(s)
	return Check{Name: name, reads: readsBody, pass: func(r *Response) bool {
		found := bytes.Contains(r.Body, sub)
		if not {
			return !found && !r.Truncated
		}
		return found
	}}
}

// BodySize passes when the body's length is within [min, max] (max < 0:
// no upper bound). A truncated body counts as longer than what was kept.
func BodySize(name string, lo, hi int) Check {
	return Check{Name: name, reads: readsBody, pass: func(r *Response) bool {
		n := len(r.Body)
		if r.Truncated {
			return n >= lo && hi < 0
		}
		return n >= lo && (hi < 0 || n <= hi)
	}}
}

// BodyMatches passes when the body matches re (or, with not, does not).
func BodyMatches(name string, re *regexp.Regexp, not bool) Check {
	return Check{Name: name, reads: readsBody, pass: func(r *Response) bool {
		return re.Match(r.Body) != not
	}}
}

// Header passes when header name compares to want by op (OpExists and
// OpAbsent ignore want).
func Header(name, header string, op Op, want Value) (Check, error) {
	if !validToken(header) {
		return Check{}, fmt.Errorf("%q is not a header name", header)
	}
	if err := op.fits(want, false); err != nil {
		return Check{}, err
	}
	return Check{Name: name, reads: readsHeaders, header: header, pass: func(r *Response) bool {
		if r.Header == nil {
			return op == OpAbsent
		}
		v, ok := r.Header.Get(header)
		switch op {
		case OpExists:
			return ok
		case OpAbsent:
			return !ok
		}
		return ok && op.compareString(v, want)
	}}, nil
}

// JSON passes when the value at path (gjson syntax) compares to want by
// op. A body that is not JSON fails every JSON check but OpAbsent.
func JSON(name, path string, op Op, want Value) (Check, error) {
	if err := ValidatePath(path); err != nil {
		return Check{}, err
	}
	if err := op.fits(want, true); err != nil {
		return Check{}, err
	}
	return Check{Name: name, reads: readsBody, pass: func(r *Response) bool {
		// The result points into the body, which outlives it: no copy.
		res := gjson.Get(unsafe.String(unsafe.SliceData(r.Body), len(r.Body)), path)
		switch op {
		case OpExists:
			return res.Exists()
		case OpAbsent:
			return !res.Exists()
		}
		return res.Exists() && op.compareJSON(res, want)
	}}, nil
}

// Op is a comparison.
type Op uint8

// The comparisons. Every one but OpAbsent fails when the value is missing.
const (
	OpExists Op = iota
	OpAbsent
	OpEq
	OpNe
	OpGt
	OpGe
	OpLt
	OpLe
	OpMatch
	OpNoMatch
	OpContains
)

var opNames = [...]string{"exists", "absent", "=", "!=", ">", ">=", "<", "<=", "~", "!~", "contains"}

func (o Op) String() string { return opNames[o] }

// fits checks that want suits o: numbers for the orderings, a regular
// expression for the matches.
func (o Op) fits(want Value, json bool) error {
	switch o {
	case OpGt, OpGe, OpLt, OpLe:
		if want.kind != valNumber {
			return fmt.Errorf("%s needs a number, got %s", o, want.text)
		}
	case OpMatch, OpNoMatch:
		if want.re == nil {
			return fmt.Errorf("%s needs a regular expression", o)
		}
	case OpContains:
		if !json && want.kind != valString {
			return fmt.Errorf("contains needs a string")
		}
	}
	return nil
}

// compareString compares a header value.
func (o Op) compareString(v []byte, want Value) bool {
	switch o {
	case OpEq:
		return string(v) == want.text
	case OpNe:
		return string(v) != want.text
	case OpContains:
		return bytes.Contains(v, []byte(want.text))
	case OpMatch:
		return want.re.Match(v)
	case OpNoMatch:
		return !want.re.Match(v)
	}
	f, err := strconv.ParseFloat(string(bytes.TrimSpace(v)), 64)
	return err == nil && o.order(f, want.num)
}

// compareJSON compares a JSON value: numbers as numbers, strings as
// strings, literals as themselves; a number never equals a string.
func (o Op) compareJSON(res gjson.Result, want Value) bool {
	switch o {
	case OpEq:
		return want.equalJSON(res)
	case OpNe:
		return !want.equalJSON(res)
	case OpContains:
		if res.Type == gjson.String {
			return strings.Contains(res.Str, want.text)
		}
		found := false
		res.ForEach(func(_, v gjson.Result) bool {
			found = want.equalJSON(v)
			return !found
		})
		return found
	case OpMatch, OpNoMatch:
		s := res.Raw
		if res.Type == gjson.String {
			s = res.Str
		}
		return want.re.MatchString(s) == (o == OpMatch)
	}
	return res.Type == gjson.Number && o.order(res.Num, want.num)
}

func (o Op) order(a, b float64) bool {
	switch o {
	case OpGt:
		return a > b
	case OpGe:
		return a >= b
	case OpLt:
		return a < b
	case OpLe:
		return a <= b
	}
	return false
}

// Value is what a comparison compares with.
type Value struct {
	text string
	kind valueKind
	num  float64
	re   *regexp.Regexp
}

type valueKind uint8

const (
	valString valueKind = iota // quoted, or a bare word that is nothing else
	valNumber
	valTrue
	valFalse
	valNull
)

// ParseValue reads a comparison's right-hand side: true, false, null, a
// number, a "quoted" JSON string, or any other text as a string. For the
// regular-expression operators it compiles the text.
func ParseValue(s string, op Op) (Value, error) {
	v := Value{text: s}
	switch {
	case op == OpMatch || op == OpNoMatch:
		re, err := regexp.Compile(unquote(s))
		if err != nil {
			return v, fmt.Errorf("bad regular expression %q: %v", s, err)
		}
		v.re, v.text = re, unquote(s)
		return v, nil
	case s == "true":
		v.kind = valTrue
	case s == "false":
		v.kind = valFalse
	case s == "null":
		v.kind = valNull
	case s != "" && s[0] == '"':
		u, err := strconv.Unquote(s)
		if err != nil {
			return v, fmt.Errorf("bad quoted string %s", s)
		}
		v.text = u
	default:
		if f, err := strconv.ParseFloat(s, 64); err == nil && numberLike(s) {
			v.kind, v.num = valNumber, f
		}
	}
	return v, nil
}

// numberLike excludes what ParseFloat takes but JSON does not write
// ("Inf", "0x10", "1_000").
func numberLike(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
			return false
		}
	}
	return true
}

func unquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil && len(s) >= 2 && s[0] == '"' {
		return u
	}
	return s
}

func (v Value) equalJSON(res gjson.Result) bool {
	switch v.kind {
	case valNumber:
		return res.Type == gjson.Number && res.Num == v.num
	case valTrue:
		return res.Type == gjson.True
	case valFalse:
		return res.Type == gjson.False
	case valNull:
		return res.Type == gjson.Null
	}
	return res.Type == gjson.String && res.Str == v.text
}

// validToken reports whether s is an HTTP token (RFC 9110), as header
// names are.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
