package scenario

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// tctx is what a template may refer to where it appears.
type tctx struct {
	endpoint bool            // random traffic: no per-user variables
	global   bool            // scenario headers: no variables, no pools
	journey  string          // the journey's name, for messages
	ifSet    string          // the step's if_set variable
	defined  map[string]bool // variables earlier steps of the journey capture
	seen     map[int]bool    // pools this request already referenced
	// text, when set, is what the template's text known at load time
	// (literal text, {{env}} values, data list items) must satisfy: a
	// header value or a path must not end its line on the wire.
	text textRule
}

// textRule is a check on text that goes on the wire, and what it says
// when the text fails it.
type textRule struct {
	ok   func(string) bool
	what string
}

var (
	headerText = textRule{ValidHeaderValue[string], "a control character (CR, LF, NUL, …), which would end the header line on the wire"}
	pathText   = textRule{validPathText, "a space or control character, which would end the request line: escape it (%20), or use {{… | url}}"}
)

// template compiles the scalar at n; what names it in errors.
func (l *loader) template(n ast.Node, what string, c *tctx) *Template {
	n = l.resolve(n)
	src, ok := l.str(n, what)
	if !ok {
		return nil
	}
	return l.compileTemplate(src, what, c, l.at(n, src))
}

// compileTemplate parses src and resolves its actions; at maps offsets in
// src to file positions for errors.
func (l *loader) compileTemplate(src, what string, c *tctx, at func(int) pos) *Template {
	pieces, serr := splitTemplate(src)
	if serr != nil {
		l.errAt(at(serr.off), "%s: %s", what, serr.msg)
		return nil
	}
	t := &Template{src: src}
	var route strings.Builder
	ok := true
	for _, p := range pieces {
		if !p.action {
			ok = l.checkText(c.text, p.lit, what, at, p.off, "") && ok
			t.addLit(p.lit)
			route.WriteString(p.lit)
			continue
		}
		seg, good := l.action(p, what, c, at)
		if !good {
			ok = false
			continue
		}
		switch {
		case seg.kind == segLit && p.fn.text == "env" && !p.fn.quoted:
			// The route shows the variable's name, never its value: it
			// may be a key.
			ok = l.checkText(c.text, seg.lit, what, at, p.off, fmt.Sprintf("{{env %s}} gives a value with ", p.args[0].text)) && ok
			t.addLit(seg.lit)
			route.WriteString("{" + p.args[0].text + "}")
			continue
		case seg.kind == segLit:
			ok = l.checkText(c.text, seg.lit, what, at, p.off, "") && ok
			t.addLit(seg.lit)
			route.WriteString(seg.lit)
			continue
		case seg.kind == segPick && c.text.ok != nil:
			for _, item := range l.s.data[seg.idx].items {
				if !c.text.ok(escape(item, seg.esc)) {
					l.errAt(at(p.off), "%s: data list %q has an item with %s", what, p.args[0].text, c.text.what)
					ok = false
					break
				}
			}
		}
		t.segs = append(t.segs, seg)
		route.WriteString("{id}")
	}
	if !ok {
		return nil
	}
	t.route = route.String()
	return t
}

// checkText reports whether text passes rule, and reports it at the
// first byte that does not (at the action, for a value it gives).
func (l *loader) checkText(rule textRule, text, what string, at func(int) pos, off int, prefix string) bool {
	if rule.ok == nil || rule.ok(text) {
		return true
	}
	if prefix == "" {
		for i := range len(text) {
			if !rule.ok(text[i : i+1]) {
				off += i
				break
			}
		}
		prefix = "contains "
	}
	l.errAt(at(off), "%s: %s%s", what, prefix, rule.what)
	return false
}

func (t *Template) addLit(s string) {
	if s == "" {
		return
	}
	if n := len(t.segs); n > 0 && t.segs[n-1].kind == segLit {
		t.segs[n-1].lit += s
		return
	}
	t.segs = append(t.segs, segment{kind: segLit, lit: s})
}

// action compiles one {{…}} action into a segment: its filter, then the
// template function's own checks (an actionSite method each).
func (l *loader) action(p piece, what string, c *tctx, at func(int) pos) (segment, bool) {
	a := &actionSite{l: l, p: p, what: what, c: c, at: at}
	esc, ok := a.filter()
	if !ok {
		return segment{}, false
	}
	if p.fn.quoted {
		if len(p.args) > 0 {
			return a.fail(p.args[0].off, "a quoted literal {{%q}} takes no arguments", p.fn.text)
		}
		return segment{kind: segLit, lit: escape(p.fn.text, esc)}, true
	}
	var seg segment
	switch p.fn.text {
	case "pick":
		seg, ok = a.pick()
	case "num":
		seg, ok = a.num()
	case "seq":
		if len(p.args) != 0 {
			return a.arity("no arguments", "{{seq}}")
		}
		seg, ok = segment{kind: segSeq}, true
	case "var":
		seg, ok = a.variable()
	case "pool":
		seg, ok = a.pool()
	case "env":
		return a.env(esc) // a literal, escaped now
	default:
		return a.fail(p.fn.off, "unknown template function %q%s; expected one of %s", p.fn.text, didYouMean(p.fn.text, functions), strings.Join(functions, ", "))
	}
	seg.esc = esc
	return seg, ok
}

// actionSite is one {{…}} action being compiled, with what its errors
// need: where it is and what it is part of.
type actionSite struct {
	l    *loader
	p    piece
	what string
	c    *tctx
	at   func(int) pos
}

// fail reports a problem at offset off of the template.
func (a *actionSite) fail(off int, format string, args ...any) (segment, bool) {
	a.l.errAt(a.at(off), "%s: %s", a.what, fmt.Sprintf(format, args...))
	return segment{}, false
}

// arity reports a wrong number of arguments.
func (a *actionSite) arity(want, usage string) (segment, bool) {
	n := len(a.p.args)
	return a.fail(a.p.off, "{{%s}} takes %s, got %d argument%s (usage: %s)", a.p.fn.text, want, n, plural(n), usage)
}

// filter returns the action's output filter: none, json or url.
func (a *actionSite) filter() (filter, bool) {
	fs := a.p.filters
	if len(fs) > 1 {
		_, ok := a.fail(fs[1].off, "one filter per action, got %d", len(fs))
		return 0, ok
	}
	var esc filter
	for _, f := range fs {
		switch f.text {
		case "json":
			esc = filterJSON
		case "url":
			esc = filterURL
		default:
			_, ok := a.fail(f.off, "unknown filter %q: expected json or url", f.text)
			return 0, ok
		}
	}
	return esc, true
}

// pick is {{pick LIST}}: an item of a data list.
func (a *actionSite) pick() (segment, bool) {
	args := a.p.args
	if len(args) != 1 {
		return a.arity("one data list name", "{{pick LIST}}")
	}
	i, ok := a.l.data[args[0].text]
	if !ok {
		var names []string
		for _, d := range a.l.s.data {
			names = append(names, d.name)
		}
		return a.fail(args[0].off, "unknown data list %q%s (lists are defined under data:)", args[0].text, didYouMean(args[0].text, names))
	}
	return segment{kind: segPick, idx: i}, true
}

// num is {{num MIN MAX [DECIMALS]}}: a random decimal number.
func (a *actionSite) num() (segment, bool) {
	args := a.p.args
	if len(args) < 2 || len(args) > 3 {
		return a.arity("MIN MAX and optional DECIMALS", "{{num 10 510 2}}")
	}
	dec := max(decimals(args[0].text), decimals(args[1].text))
	if len(args) == 3 {
		d, err := strconv.Atoi(args[2].text)
		if err != nil || d < 0 || d > 9 {
			return a.fail(args[2].off, "{{num}} DECIMALS: expected 0 to 9, got %q", args[2].text)
		}
		dec = max(dec, d)
		if d < decimals(args[0].text) || d < decimals(args[1].text) {
			return a.fail(args[2].off, "{{num}}: MIN and MAX have more than %d decimals", d)
		}
	}
	if dec > 9 {
		return a.fail(args[0].off, "{{num}}: at most 9 decimals")
	}
	lo, ok1 := parseDecimal(args[0].text, dec)
	hi, ok2 := parseDecimal(args[1].text, dec)
	if !ok1 {
		return a.fail(args[0].off, "{{num}} MIN: expected a decimal number, got %q", args[0].text)
	}
	if !ok2 {
		return a.fail(args[1].off, "{{num}} MAX: expected a decimal number, got %q", args[1].text)
	}
	if lo > hi {
		return a.fail(args[0].off, "{{num}}: MIN %s is more than MAX %s", args[0].text, args[1].text)
	}
	return segment{kind: segNum, min: lo, span: hi - lo, dec: dec}, true
}

// variable is {{var NAME}}: a value an earlier step of the journey
// captured.
func (a *actionSite) variable() (segment, bool) {
	args, c := a.p.args, a.c
	if len(args) != 1 {
		return a.arity("one variable name", "{{var NAME}}")
	}
	name := args[0].text
	switch {
	case c.global:
		return a.fail(a.p.off, "{{var %s}} in scenario headers: they are sent by random traffic too, which has no per-user variables; put the header on the journey steps", name)
	case c.endpoint:
		return a.fail(a.p.off, "{{var %s}} in an endpoint: random traffic has no per-user variables; use {{pool NAME}} for ids", name)
	case !c.defined[name] && c.ifSet != name:
		var names []string
		for v := range c.defined {
			names = append(names, v)
		}
		return a.fail(args[0].off, "variable %q is not set by an earlier step of journey %q%s: capture it in an earlier step, or guard this step with if_set: %s", name, c.journey, didYouMean(name, names), name)
	}
	return segment{kind: segVar, lit: name}, true
}

// pool is {{pool NAME [FIELD]}}: a field of a record the run created.
func (a *actionSite) pool() (segment, bool) {
	args, c := a.p.args, a.c
	if len(args) < 1 || len(args) > 2 {
		return a.arity("a pool name and an optional field", "{{pool NAME [FIELD]}}")
	}
	if c.global {
		return a.fail(a.p.off, "{{pool %s}} in scenario headers: pools are picked per request; put the header on the requests", args[0].text)
	}
	if !validName(args[0].text) {
		return a.fail(args[0].off, "{{pool}}: %q is not a pool name", args[0].text)
	}
	pi := a.l.poolRef(args[0].text)
	idx := a.l.poolIdx[pi.name]
	if pi.firstRef == nil {
		first := a.at(args[0].off)
		pi.firstRef = &first
	}
	field := "id"
	if len(args) == 2 {
		field = args[1].text
		if !validName(field) {
			return a.fail(args[1].off, "{{pool}}: %q is not a field name", field)
		}
	}
	if _, ok := pi.used[field]; !ok && field != "id" {
		pi.used[field] = a.at(args[1].off)
	}
	fresh := !c.seen[idx]
	c.seen[idx] = true
	return segment{kind: segPool, idx: idx, field: pi.field(field), fresh: fresh}, true
}

// env is {{env NAME ["default"]}}: a variable of the environment, read
// at load time into a literal, escaped by the action's filter.
func (a *actionSite) env(esc filter) (segment, bool) {
	args := a.p.args
	if len(args) < 1 || len(args) > 2 {
		return a.arity("a variable name and an optional default", `{{env NAME ["default"]}}`)
	}
	v := a.l.getenv(args[0].text)
	if v == "" && len(args) == 2 {
		v = args[1].text
	}
	return segment{kind: segLit, lit: escape(v, esc)}, true
}

func escape(s string, f filter) string {
	switch f {
	case filterJSON:
		return string(appendJSONEscaped(nil, s))
	case filterURL:
		return string(appendURLEscaped(nil, s))
	}
	return s
}

func didYouMean(s string, candidates []string) string {
	if c := closest(s, candidates); c != "" {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
