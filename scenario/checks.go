package scenario

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"

	"github.com/trafficgen/trafficgen/check"
)

// maxCheckName bounds a check's name: it is a label in tables.
const maxCheckName = 80

var (
	checkKinds    = []string{"status", "header", "json", "body"}
	checkKeys     = []string{"name", "status", "header", "json", "body", "fail_step"}
	bodyCheckKeys = []string{"contains", "not_contains", "matches", "not_matches", "min_size", "max_size"}
)

var endpointCheckOnly = map[string]string{
	"fail_step": "fail_step: endpoints (random traffic) are not in a journey; a failed check counts on the route either way",
}

// checks compiles a request's checks: list, each item one condition on
// the status, a header, a JSON path or the body, with an optional name and,
// in a journey step, fail_step.
func (l *loader) checks(r *Request, n ast.Node, step bool) {
	items, ok := l.list(n, "checks")
	if !ok {
		return
	}
	names := map[string]pos{}
	for _, it := range items {
		c, failStep, ok := l.check(it, step)
		if !ok {
			continue
		}
		at := l.itemPos(it)
		if p, dup := names[c.Name]; dup {
			l.errAt(at, "checks: two checks named %q (the first at line %d): give one a name:", c.Name, p.line)
			continue
		}
		if len(r.Checks) == check.MaxPerRequest {
			l.errAt(at, "checks: at most %d on one request", check.MaxPerRequest)
			return
		}
		names[c.Name] = at
		if failStep {
			r.FailStep |= 1 << len(r.Checks)
		}
		r.Checks = append(r.Checks, c)
	}
	r.checksChanged()
}

// checksChanged notes what the request's checks read of a response.
func (r *Request) checksChanged() {
	r.checkHeaders = r.Checks.HeaderNames()
	r.checkBody = r.Checks.ReadsBody()
}

// check compiles one item of checks:.
func (l *loader) check(n ast.Node, step bool) (c check.Check, failStep, ok bool) {
	allowed, special := checkKeys, map[string]string(nil)
	if !step {
		allowed, special = checkKeys[:len(checkKeys)-1], endpointCheckOnly
	}
	obj, ok := l.object(n, "check", allowed, special)
	if !ok {
		return c, false, false
	}
	var kind string
	for _, k := range checkKinds {
		if _, has := obj[k]; has {
			if kind != "" {
				l.errAt(l.itemPos(n), "a check has one condition; this one has %s: and %s: (make them two checks)", kind, k)
				return c, false, false
			}
			kind = k
		}
	}
	if kind == "" {
		l.errAt(l.itemPos(n), "a check needs one of status:, header:, json: or body:")
		return c, false, false
	}
	name := ""
	if e, has := obj["name"]; has {
		if name, ok = l.checkName(e.v); !ok {
			return c, false, false
		}
	}
	if e, has := obj["fail_step"]; has {
		if failStep, ok = l.boolean(e.v, "fail_step"); !ok {
			return c, false, false
		}
	}
	e := obj[kind]
	switch kind {
	case "status":
		c, ok = l.statusCheck(name, e.v)
	case "body":
		c, ok = l.bodyCheck(name, e.v)
	default:
		c, ok = l.exprCheck(kind, name, e.v)
	}
	return c, failStep, ok
}

// itemPos is where a list item that is a mapping starts: its first key
// (a mapping node's own position is its first colon).
func (l *loader) itemPos(n ast.Node) pos {
	if es, _ := l.entries(n, "check"); len(es) > 0 {
		return l.pos(es[0].k)
	}
	return l.pos(n)
}

func (l *loader) checkName(n ast.Node) (string, bool) {
	s, ok := l.str(n, "check name")
	if !ok {
		return "", false
	}
	switch {
	case strings.TrimSpace(s) == "":
		l.errf(n, "check name: empty")
		return "", false
	case utf8.RuneCountInString(s) > maxCheckName:
		l.errf(n, "check name: at most %d characters", maxCheckName)
		return "", false
	case strings.ContainsFunc(s, unicode.IsControl):
		l.errf(n, "check name: a control character in it")
		return "", false
	}
	return s, true
}

func (l *loader) boolean(n ast.Node, what string) (bool, bool) {
	if b, isBool := l.resolve(n).(*ast.BoolNode); isBool {
		return b.Value, true
	}
	l.errf(n, "%s: expected true or false, got %s", what, describe(l, l.resolve(n)))
	return false, false
}

// exprCheck compiles a header: or json: condition, pointing an error at
// the column of the expression where it went wrong.
func (l *loader) exprCheck(kind, name string, n ast.Node) (check.Check, bool) {
	expr, ok := l.str(n, "check "+kind)
	if !ok {
		return check.Check{}, false
	}
	parse := check.ParseJSON
	if kind == "header" {
		parse = check.ParseHeader
	}
	c, err := parse(name, expr)
	if err != nil {
		l.exprErr(n, expr, "check "+kind, err)
		return check.Check{}, false
	}
	return c, true
}

// exprErr reports err, from parsing expr (the value of n), at the column
// it names.
func (l *loader) exprErr(n ast.Node, expr, what string, err error) {
	var se *check.SyntaxError
	if errors.As(err, &se) {
		l.errAt(l.at(n, expr)(se.Offset), "%s %q: %s", what, expr, se.Msg)
		return
	}
	l.errf(n, "%s %q: %v", what, expr, err)
}

// statusCheck compiles status: 200, '200,201', 2xx, 200-299, or a list
// of those.
func (l *loader) statusCheck(name string, n ast.Node) (check.Check, bool) {
	var parts []string
	for _, it := range l.strList(n, "check status") {
		s, ok := l.str(it, "check status")
		if !ok {
			return check.Check{}, false
		}
		if _, err := check.ParseStatus("", s); err != nil {
			l.exprErr(it, s, "check status", err)
			return check.Check{}, false
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		l.errf(n, "check status: expected a status (200), a class (2xx), a range (200-299) or a list of those")
		return check.Check{}, false
	}
	c, err := check.ParseStatus(name, strings.Join(parts, ","))
	if err != nil {
		l.exprErr(n, "", "check status", err)
		return check.Check{}, false
	}
	return c, true
}

// bodyCheck compiles body: {contains: TEXT}, {not_contains: TEXT},
// {matches: RE}, {not_matches: RE}, or size bounds {min_size: N, max_size:
// N} in bytes.
func (l *loader) bodyCheck(name string, n ast.Node) (check.Check, bool) {
	obj, ok := l.object(n, "body check", bodyCheckKeys, nil)
	if !ok {
		return check.Check{}, false
	}
	var text []string
	for _, k := range bodyCheckKeys[:4] {
		if _, has := obj[k]; has {
			text = append(text, k)
		}
	}
	_, hasMin := obj["min_size"]
	_, hasMax := obj["max_size"]
	switch {
	case len(text) > 1 || len(text) == 1 && (hasMin || hasMax):
		l.errf(n, "a body check has one condition: one of contains:, not_contains:, matches:, not_matches:, or min_size:/max_size: (make them several checks)")
		return check.Check{}, false
	case len(text) == 0 && !hasMin && !hasMax:
		l.errf(n, "body check: expected one of %s", strings.Join(bodyCheckKeys, ", "))
		return check.Check{}, false
	case len(text) == 0:
		return l.sizeCheck(name, obj)
	}
	k := text[0]
	e := obj[k]
	s, ok := l.str(e.v, "body "+k)
	if !ok {
		return check.Check{}, false
	}
	if s == "" {
		l.errf(e.v, "body %s: empty", k)
		return check.Check{}, false
	}
	not := strings.HasPrefix(k, "not_")
	if strings.HasSuffix(k, "contains") {
		return check.BodyContains(defaultName(name, "body "+strings.ReplaceAll(k, "_", " ")+" "+s), s, not), true
	}
	re, err := regexp.Compile(s)
	if err != nil {
		l.errf(e.v, "body %s: bad regular expression %q: %v", k, s, err)
		return check.Check{}, false
	}
	return check.BodyMatches(defaultName(name, "body "+strings.ReplaceAll(k, "_", " ")+" "+s), re, not), true
}

func (l *loader) sizeCheck(name string, obj map[string]entry) (check.Check, bool) {
	lo, hi := 0, -1
	for _, k := range []string{"min_size", "max_size"} {
		e, has := obj[k]
		if !has {
			continue
		}
		f, ok := l.number(e.v, "body "+k)
		if !ok {
			return check.Check{}, false
		}
		if f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
			l.errf(e.v, "body %s: expected a whole number of bytes, 0 or more", k)
			return check.Check{}, false
		}
		if k == "min_size" {
			lo = int(f)
		} else {
			hi = int(f)
		}
	}
	if hi >= 0 && hi < lo {
		l.errf(obj["max_size"].v, "body max_size %d is less than min_size %d", hi, lo)
		return check.Check{}, false
	}
	auto := fmt.Sprintf("body size %d..%d", lo, hi)
	if hi < 0 {
		auto = fmt.Sprintf("body size >= %d", lo)
	}
	return check.BodySize(defaultName(name, auto), lo, hi), true
}

func defaultName(name, auto string) string {
	if name != "" {
		return name
	}
	return auto
}

// AddChecks appends cs to every request of the scenario, endpoints and
// journey steps, after their own: the checks of the command line
// (--expect-*). It is for use before the scenario runs.
func (s *Scenario) AddChecks(cs check.List) error {
	if len(cs) == 0 {
		return nil
	}
	add := func(r *Request) error {
		for _, c := range cs {
			if r.Checks.Has(c.Name) {
				continue // the file checks the same already
			}
			if len(r.Checks) == check.MaxPerRequest {
				return fmt.Errorf("%s: more than %d checks", r.Route, check.MaxPerRequest)
			}
			r.Checks = append(r.Checks, c)
		}
		r.checksChanged()
		return nil
	}
	for r := range s.Requests() {
		if err := add(r); err != nil {
			return err
		}
	}
	return nil
}
